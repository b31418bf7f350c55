/*
 * numlab_native: native kernels for the WASM backend (Node-API, so no V8 ABI dependency).
 * Every function works on Float32Arrays, usually views into the WASM heap: nothing is copied.
 *
 * gemm(a, b, c, batch, strideA, strideB, strideC, m, n, k, transA, transB, beta)  [OpenBLAS]
 *   for i in [0, batch): C_i = op(A_i) · op(B_i) + beta · C_i   (row-major, float32)
 * a, b, c are Float32Arrays (usually views into the WASM heap: no copy); A_i starts at
 * a[i * strideA] (a stride of 0 broadcasts one matrix over the batch). op(A) is m x k, op(B) is
 * k x n, C is m x n. Every operand range is checked against its array before any work.
 *
 *
 * unary(op, x, out): out = exp(x) (op 0), tanh(x) (op 1) or sigmoid(x) (op 2), elementwise.
 *   8-lane polynomial versions (Cephes' expf; tanh from exp, with a series near 0): within a
 *   few float32 ulps of libm, NaN in gives NaN out, overflow gives Infinity / 1 / 0 as libm
 *   (results below exp's normal range, < 1.2e-38, flush to 0). The WASM build calls scalar libm
 *   per element (5-15 ns each).
 *
 * binary(op, a, modeA, b, modeB, out, rows, cols): out = a + - * / b over [rows, cols], each
 *   operand full, a row (broadcast over rows), a column (broadcast over columns) or a scalar.
 *
 * dropout(x, out, threshold, scale, seed): out = x · scale where a counter-based hash of (seed, i)
 *   is >= threshold, else 0 (see src/backend/dropout.ts).
 *
 * columnSums(x, out, rows, cols): out[j] = sum over i of x[i * cols + j], accumulated in double
 *   (the gradient of a bias: the stock WASM Sum transposes the whole input first).
 * rowSums(x, out, rows, cols): out[i] = sum over j of x[i * cols + j] (8 float lanes, then double).
 * rowMaxes(x, out, rows, cols): out[i] = max over j (NaN if the row has one, as the cpu backend).
 *
 * lstmForward / lstmBackward: an LSTM layer's whole recurrence over T steps in one call (per step
 * one sgemm with the recurrent weight and one vectorized pass over the gates), instead of ~19
 * tfjs kernels per step; see src/backend/lstm-kernels.ts.
 *
 * mlpLmStep(C, W1, b1, W2, b2, X, Y, lr, grads): the makemore MLP's whole training step (forward,
 *   cross-entropy, backward, SGD in place) in one call instead of ~80 tfjs kernels; see
 *   src/backend/mlp-kernels.ts.
 *
 * Built by scripts/build-native.js when a C compiler and OpenBLAS are present; src/backend/native.ts
 * loads it and the kernels fall back to the stock WASM ones when it is missing.
 */
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);
extern char *openblas_get_corename(void);

#define CHECK(call)                                                                  \
  do {                                                                               \
    if ((call) != napi_ok) {                                                         \
      napi_throw_error(env, NULL, "numlab_native: Node-API call failed: " #call);      \
      return NULL;                                                                   \
    }                                                                                \
  } while (0)

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static int float32_view(napi_env env, napi_value value, float **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void *ptr;
  if (napi_get_typedarray_info(env, value, &type, length, &ptr, &buffer, &offset) != napi_ok) return 0;
  if (type != napi_float32_array) return 0;
  *data = (float *)ptr;
  return 1;
}

/* The last element index (exclusive) that `batch` matrices of `size` elements at `stride` use. */
static int64_t extent(int64_t batch, int64_t stride, int64_t size) {
  return size == 0 ? 0 : (batch - 1) * stride + size;
}

static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) return fail(env, "numlab_native: gemm expects 13 arguments");
  float *a, *b, *c;
  size_t lenA, lenB, lenC;
  if (!float32_view(env, argv[0], &a, &lenA)) return fail(env, "numlab_native: gemm argument a must be a Float32Array");
  if (!float32_view(env, argv[1], &b, &lenB)) return fail(env, "numlab_native: gemm argument b must be a Float32Array");
  if (!float32_view(env, argv[2], &c, &lenC)) return fail(env, "numlab_native: gemm argument c must be a Float32Array");
  int64_t v[9];
  for (int i = 0; i < 9; i++) CHECK(napi_get_value_int64(env, argv[3 + i], &v[i]));
  bool transA, transB;
  double beta;
  CHECK(napi_get_value_double(env, argv[12], &beta));
  int64_t batch = v[0], sA = v[1], sB = v[2], sC = v[3], m = v[4], n = v[5], k = v[6];
  transA = v[7] != 0;
  transB = v[8] != 0;
  if (batch < 0 || sA < 0 || sB < 0 || sC < 0 || m < 0 || n < 0 || k < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX)
    return fail(env, "numlab_native: gemm sizes and strides must be non-negative 32-bit integers");
  if (batch == 0 || m == 0 || n == 0) return NULL;
  if (extent(batch, sA, m * k) > (int64_t)lenA) return fail(env, "numlab_native: gemm operand a is shorter than batch x m x k");
  if (extent(batch, sB, k * n) > (int64_t)lenB) return fail(env, "numlab_native: gemm operand b is shorter than batch x k x n");
  if (extent(batch, sC, m * n) > (int64_t)lenC) return fail(env, "numlab_native: gemm output c is shorter than batch x m x n");
  if (sC < m * n && batch > 1) return fail(env, "numlab_native: gemm output matrices overlap (strideC < m x n)");
  for (int64_t i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, (int)m, (int)n,
                (int)k, 1.0f, a + i * sA, transA ? (int)m : (int)k, b + i * sB, transB ? (int)k : (int)n, (float)beta,
                c + i * sC, (int)n);
  }
  return NULL;
}


/* ---- elementwise: explicit 8-lane vectors (GCC/Clang vector extensions), so the code is
 * vectorized whatever the auto-vectorizer decides; an AVX2 clone is picked at load time ---- */

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

static inline v8f splat(float a) { return (v8f){a, a, a, a, a, a, a, a}; }
/* m ? a : b, lane by lane (m lanes are all ones or all zeros, as comparisons produce) */
static inline v8f select8(v8i m, v8f a, v8f b) { return (v8f)(((v8i)a & m) | ((v8i)b & ~m)); }

/* Load / store n <= 8 floats as one vector (zero padded). */
static inline v8f load_n(const float *p, size_t n) {
  v8f v = splat(0.0f);
  if (n == 8) memcpy(&v, p, sizeof v); /* constant size: one vector load */
  else memcpy(&v, p, n * sizeof(float));
  return v;
}
static inline void store_n(float *p, v8f v, size_t n) {
  if (n == 8) memcpy(p, &v, sizeof v);
  else memcpy(p, &v, n * sizeof(float));
}

/* exp: Cephes' expf. n = round(x / ln 2), r = x - n ln 2 (in two parts), exp(x) = 2^n · p(r).
 * hi = ln(FLT_MAX): above it the result overflows to Infinity; n can reach 128 there, so 2^n is
 * applied as 2^(n-1) · 2. Below lo the result (< FLT_MIN) flushes to 0. */
static inline v8f exp8(v8f x) {
  const v8f hi = splat(88.72283935546875f), lo = splat(-87.3365478515625f);
  v8i over = x > hi, under = x < lo, nan = x != x;
  v8f xc = select8(over, hi, select8(under, lo, select8(nan, splat(0.0f), x)));
  v8f t = xc * 1.44269504088896341f + 0.5f;
  v8f fx = __builtin_convertvector(__builtin_convertvector(t, v8i), v8f); /* truncate... */
  fx = select8(fx > t, fx - 1.0f, fx);                                      /* ...to floor */
  v8f r = xc - fx * 0.693359375f + fx * 2.12194440e-4f;
  v8f p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  v8i n = __builtin_convertvector(fx, v8i);
  v8i big = n > 127; /* -1 in the lanes where n = 128 */
  v8i bits = (n + big + 127) << 23;
  v8f y = p * (v8f)bits * select8(big, splat(2.0f), splat(1.0f));
  y = select8(over, splat(INFINITY), y);
  y = select8(under, splat(0.0f), y);
  return select8(nan, x, y);
}

/* tanh(x) = sign(x)(1 - e)/(1 + e) with e = exp(-2|x|); near 0, where 1 - e cancels, the Taylor
 * series to x^9 (error < 2e-10 for |x| < 0.2). */
static inline v8f tanh8(v8f x) {
  const v8i signBit = (v8i){INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN};
  v8f ax = (v8f)((v8i)x & ~signBit);
  v8f e = exp8(ax * -2.0f);
  v8f t = (v8f)((v8i)((1.0f - e) / (1.0f + e)) | ((v8i)x & signBit));
  v8f x2 = x * x;
  v8f series = x + x * x2 * (-0.333333333333f + x2 * (0.133333333333f + x2 * (-0.0539682539683f + x2 * 0.0218694885362f)));
  return select8(ax < 0.2f, series, t);
}

static inline v8f sigmoid8(v8f x) { return 1.0f / (1.0f + exp8(-x)); }

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define MULTIVERSION
#endif

/* y = f(x) over n floats, 8 at a time (the tail through a zero-padded block). */
#define UNARY_LOOP(name, f)                                            \
  MULTIVERSION static void name(const float *x, float *y, size_t n) { \
    size_t i = 0;                                                      \
    for (; i + 8 <= n; i += 8) {                                       \
      v8f v;                                                           \
      memcpy(&v, x + i, sizeof v);                                     \
      v = f(v);                                                        \
      memcpy(y + i, &v, sizeof v);                                     \
    }                                                                  \
    if (i < n) {                                                       \
      float block[8] = {0};                                            \
      memcpy(block, x + i, (n - i) * sizeof(float));                   \
      v8f v;                                                           \
      memcpy(&v, block, sizeof v);                                     \
      v = f(v);                                                        \
      memcpy(block, &v, sizeof v);                                     \
      memcpy(y + i, block, (n - i) * sizeof(float));                   \
    }                                                                  \
  }

UNARY_LOOP(exp_loop, exp8)
UNARY_LOOP(tanh_loop, tanh8)
UNARY_LOOP(sigmoid_loop, sigmoid8)

/* out[i] = sum of row i: 8 float lanes (pairwise-like, more accurate than one running sum), then
 * the lanes and the tail in double. */
MULTIVERSION static void row_sums(const float *x, float *out, size_t rows, size_t cols) {
  for (size_t i = 0; i < rows; i++) {
    const float *row = x + i * cols;
    v8f acc = splat(0.0f);
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      v8f v;
      memcpy(&v, row + j, sizeof v);
      acc += v;
    }
    double total = 0;
    for (int l = 0; l < 8; l++) total += acc[l];
    for (; j < cols; j++) total += row[j];
    out[i] = (float)total;
  }
}

/* out[i] = max of row i; a NaN anywhere in the row gives NaN (as the cpu backend). */
MULTIVERSION static void row_maxes(const float *x, float *out, size_t rows, size_t cols) {
  for (size_t i = 0; i < rows; i++) {
    const float *row = x + i * cols;
    v8f m = splat(-INFINITY);
    v8i nan = (v8i){0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      v8f v;
      memcpy(&v, row + j, sizeof v);
      m = select8(v > m, v, m);
      nan |= v != v;
    }
    float best = -INFINITY;
    int anyNan = 0;
    for (int l = 0; l < 8; l++) {
      best = m[l] > best ? m[l] : best;
      anyNan |= nan[l] != 0;
    }
    for (; j < cols; j++) {
      best = row[j] > best ? row[j] : best;
      anyNan |= row[j] != row[j];
    }
    out[i] = anyNan ? NAN : best;
  }
}

MULTIVERSION static void column_sums(const float *x, double *acc, size_t rows, size_t cols) {
  for (size_t i = 0; i < rows; i++) {
    const float *row = x + i * cols;
    for (size_t j = 0; j < cols; j++) acc[j] += row[j];
  }
}


/* ---- binary elementwise ops with the broadcasts that training uses ---- */

enum operand_mode { FULL, ROW, COLUMN, SCALAR }; /* [rows, cols], [cols], [rows], [1] */

#define BINARY_OPS(X) X(add, +) X(sub, -) X(mul, *) X(div, /)
#define BINARY_ROW(name, OP)                                                                        \
  static inline void name##_vv(const float *a, const float *b, float *y, size_t n) {              \
    size_t j = 0;                                                                                  \
    for (; j + 8 <= n; j += 8) store_n(y + j, load_n(a + j, 8) OP load_n(b + j, 8), 8);           \
    if (j < n) store_n(y + j, load_n(a + j, n - j) OP load_n(b + j, n - j), n - j);               \
  }                                                                                                \
  static inline void name##_vs(const float *a, float b, float *y, size_t n) {                     \
    size_t j = 0;                                                                                  \
    for (; j + 8 <= n; j += 8) store_n(y + j, load_n(a + j, 8) OP splat(b), 8);                   \
    if (j < n) store_n(y + j, load_n(a + j, n - j) OP splat(b), n - j);                           \
  }                                                                                                \
  static inline void name##_sv(float a, const float *b, float *y, size_t n) {                     \
    size_t j = 0;                                                                                  \
    for (; j + 8 <= n; j += 8) store_n(y + j, splat(a) OP load_n(b + j, 8), 8);                   \
    if (j < n) store_n(y + j, splat(a) OP load_n(b + j, n - j), n - j);                           \
  }                                                                                                \
  MULTIVERSION static void name##_rows(const float *a, int ma, const float *b, int mb, float *y, size_t rows, size_t cols) { \
    for (size_t i = 0; i < rows; i++) {                                                            \
      int av = ma == FULL || ma == ROW, bv = mb == FULL || mb == ROW;                              \
      const float *pa = a + (ma == FULL ? i * cols : 0), *pb = b + (mb == FULL ? i * cols : 0);    \
      float sa = ma == COLUMN ? a[i] : a[0], sb = mb == COLUMN ? b[i] : b[0];                      \
      float *py = y + i * cols;                                                                    \
      if (av && bv) name##_vv(pa, pb, py, cols);                                                   \
      else if (av) name##_vs(pa, sb, py, cols);                                                    \
      else if (bv) name##_sv(sa, pb, py, cols);                                                    \
      else {                                                                                       \
        float v = sa OP sb;                                                                        \
        for (size_t j = 0; j < cols; j++) py[j] = v;                                               \
      }                                                                                            \
    }                                                                                              \
  }
BINARY_OPS(BINARY_ROW)

static size_t operand_length(int mode, size_t rows, size_t cols) {
  return mode == FULL ? rows * cols : mode == ROW ? cols : mode == COLUMN ? rows : 1;
}

/* binary(op, a, modeA, b, modeB, out, rows, cols): out = a op b (op 0 +, 1 -, 2 *, 3 /), out
 * [rows, cols]; each operand is FULL [rows, cols], ROW [cols], COLUMN [rows] or SCALAR [1]. */
static napi_value Binary(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 8) return fail(env, "numlab_native: binary expects 8 arguments (op, a, modeA, b, modeB, out, rows, cols)");
  int32_t op, ma, mb;
  int64_t rows, cols;
  float *a, *b, *y;
  size_t na, nb, ny;
  CHECK(napi_get_value_int32(env, argv[0], &op));
  CHECK(napi_get_value_int32(env, argv[2], &ma));
  CHECK(napi_get_value_int32(env, argv[4], &mb));
  CHECK(napi_get_value_int64(env, argv[6], &rows));
  CHECK(napi_get_value_int64(env, argv[7], &cols));
  if (!float32_view(env, argv[1], &a, &na) || !float32_view(env, argv[3], &b, &nb) || !float32_view(env, argv[5], &y, &ny))
    return fail(env, "numlab_native: binary operands must be Float32Arrays");
  if (op < 0 || op > 3 || ma < FULL || ma > SCALAR || mb < FULL || mb > SCALAR || rows < 0 || cols < 0)
    return fail(env, "numlab_native: binary op must be 0..3 and modes 0..3 (full, row, column, scalar)");
  size_t R = (size_t)rows, C = (size_t)cols;
  if (ny < R * C || na < operand_length(ma, R, C) || nb < operand_length(mb, R, C))
    return fail(env, "numlab_native: binary operands are shorter than their shapes");
  if (R * C == 0) return NULL;
  switch (op) {
    case 0: add_rows(a, ma, b, mb, y, R, C); break;
    case 1: sub_rows(a, ma, b, mb, y, R, C); break;
    case 2: mul_rows(a, ma, b, mb, y, R, C); break;
    default: div_rows(a, ma, b, mb, y, R, C); break;
  }
  return NULL;
}


/* Read `want` arguments into argv; the first two must be Float32Arrays (x and out). 0 on error. */
static int x_out_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, float **x, size_t *nx, float **y,
                      size_t *ny) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != want) return 0;
  return float32_view(env, argv[0], x, nx) && float32_view(env, argv[1], y, ny);
}

/* ---- dropout with a counter-based mask: keep element i iff hash(seed, i) >= rate · 2^32 ----
 * hash = murmur3's 32-bit finalizer of mix(seed) + (i + 1) · 0x9E3779B9 (all mod 2^32); the same
 * function in JS is src/backend/dropout.ts's reference, so both give the same mask, and the
 * backward pass recomputes it from (seed, i) instead of storing it. */

typedef uint32_t v8u __attribute__((vector_size(32)));

static inline uint32_t fmix32(uint32_t z) {
  z ^= z >> 16;
  z *= 0x85ebca6bu;
  z ^= z >> 13;
  z *= 0xc2b2ae35u;
  return z ^ (z >> 16);
}

MULTIVERSION static void dropout_loop(const float *x, float *y, size_t n, uint32_t threshold, float scale, uint32_t seed) {
  const uint32_t base = fmix32(seed), golden = 0x9e3779b9u;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint32_t c = (uint32_t)(i + 1);
    v8u idx = (v8u){c, c + 1, c + 2, c + 3, c + 4, c + 5, c + 6, c + 7};
    v8u z = idx * golden + base;
    z ^= z >> 16;
    z *= 0x85ebca6bu;
    z ^= z >> 13;
    z *= 0xc2b2ae35u;
    z ^= z >> 16;
    v8i keep = (v8i)(z >= threshold);
    v8f v;
    memcpy(&v, x + i, sizeof v);
    v = v * select8(keep, splat(scale), splat(0.0f)); /* x · 0, not 0: keeps -0 and NaN as tf.mul */
    memcpy(y + i, &v, sizeof v);
  }
  for (; i < n; i++) y[i] = x[i] * (fmix32((uint32_t)(i + 1) * golden + base) >= threshold ? scale : 0.0f);
}

/* dropout(x, out, threshold, scale, seed): out = x · (keep ? scale : 0) (threshold = rate · 2^32). */
static napi_value Dropout(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  float *x, *y;
  size_t nx, ny;
  uint32_t threshold, seed;
  double scale;
  if (!x_out_args(env, info, 5, argv, &x, &nx, &y, &ny))
    return fail(env, "numlab_native: dropout expects (x: Float32Array, out: Float32Array, threshold, scale, seed)");
  CHECK(napi_get_value_uint32(env, argv[2], &threshold));
  CHECK(napi_get_value_double(env, argv[3], &scale));
  CHECK(napi_get_value_uint32(env, argv[4], &seed));
  if (nx != ny) return fail(env, "numlab_native: dropout x and out differ in length");
  dropout_loop(x, y, nx, threshold, (float)scale, seed);
  return NULL;
}

static napi_value Unary(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 3) return fail(env, "numlab_native: unary expects 3 arguments (op, x, out)");
  int32_t op;
  CHECK(napi_get_value_int32(env, argv[0], &op));
  float *x, *y;
  size_t nx, ny;
  if (!float32_view(env, argv[1], &x, &nx)) return fail(env, "numlab_native: unary argument x must be a Float32Array");
  if (!float32_view(env, argv[2], &y, &ny)) return fail(env, "numlab_native: unary argument out must be a Float32Array");
  if (nx != ny) return fail(env, "numlab_native: unary x and out differ in length");
  switch (op) {
    case 0: exp_loop(x, y, nx); break;
    case 1: tanh_loop(x, y, nx); break;
    case 2: sigmoid_loop(x, y, nx); break;
    default: return fail(env, "numlab_native: unary op must be 0 (exp), 1 (tanh) or 2 (sigmoid)");
  }
  return NULL;
}

enum reduction { ROW_SUMS, ROW_MAXES, COLUMN_SUMS };
static const char *const reduction_names[] = {"rowSums", "rowMaxes", "columnSums"};

/* rowSums / rowMaxes / columnSums(x, out, rows, cols) */
static napi_value Reduce(napi_env env, napi_callback_info info, enum reduction kind) {
  char message[160];
  const char *name = reduction_names[kind];
  napi_value argv[4];
  float *x, *y;
  size_t nx, ny;
  int64_t rows, cols;
  if (!x_out_args(env, info, 4, argv, &x, &nx, &y, &ny)) {
    snprintf(message, sizeof message, "numlab_native: %s expects (x: Float32Array, out: Float32Array, rows, cols)", name);
    return fail(env, message);
  }
  CHECK(napi_get_value_int64(env, argv[2], &rows));
  CHECK(napi_get_value_int64(env, argv[3], &cols));
  if (rows < 0 || cols < 0 || (int64_t)nx < rows * cols || (int64_t)ny < (kind == COLUMN_SUMS ? cols : rows)) {
    snprintf(message, sizeof message, "numlab_native: %s sizes do not fit the arrays", name);
    return fail(env, message);
  }
  if (kind == ROW_SUMS) row_sums(x, y, (size_t)rows, (size_t)cols);
  else if (kind == ROW_MAXES) row_maxes(x, y, (size_t)rows, (size_t)cols);
  else {
    double *acc = calloc(cols > 0 ? (size_t)cols : 1, sizeof(double));
    if (!acc) return fail(env, "numlab_native: columnSums out of memory");
    column_sums(x, acc, (size_t)rows, (size_t)cols);
    for (int64_t j = 0; j < cols; j++) y[j] = (float)acc[j];
    free(acc);
  }
  return NULL;
}
static napi_value RowSums(napi_env env, napi_callback_info info) { return Reduce(env, info, ROW_SUMS); }
static napi_value RowMaxes(napi_env env, napi_callback_info info) { return Reduce(env, info, ROW_MAXES); }
static napi_value ColumnSums(napi_env env, napi_callback_info info) { return Reduce(env, info, COLUMN_SUMS); }


/* ---- LSTM recurrence (gate columns i, f, g, o, each h wide; rows time-major t·B + b) ---- */

/* One step's cell: gates [B, 4H] (pre-activations), cPrev [B, H] or NULL (zero state) → the
 * step's rows of h, c, tanh(c), σ(i), σ(f), tanh(g), σ(o). */
MULTIVERSION static void lstm_cell(const float *gates, const float *cPrev, size_t batch, size_t hidden, float *h, float *c,
                                   float *tc, float *gi, float *gf, float *gg, float *go) {
  for (size_t b = 0; b < batch; b++) {
    const float *z = gates + b * 4 * hidden;
    size_t row = b * hidden;
    for (size_t j = 0; j < hidden; j += 8) {
      size_t n = hidden - j < 8 ? hidden - j : 8;
      v8f i = sigmoid8(load_n(z + j, n));
      v8f f = sigmoid8(load_n(z + hidden + j, n));
      v8f g = tanh8(load_n(z + 2 * hidden + j, n));
      v8f o = sigmoid8(load_n(z + 3 * hidden + j, n));
      v8f cNew = i * g;
      if (cPrev) cNew = f * load_n(cPrev + row + j, n) + cNew;
      v8f t = tanh8(cNew);
      store_n(h + row + j, o * t, n);
      store_n(c + row + j, cNew, n);
      store_n(tc + row + j, t, n);
      store_n(gi + row + j, i, n);
      store_n(gf + row + j, f, n);
      store_n(gg + row + j, g, n);
      store_n(go + row + j, o, n);
    }
  }
}

/* One step's gate gradients: dh = dy + dhNext, dc = dcNext + dh·σ(o)·(1 − tanh²c); dZ = dc·∂c/∂z
 * for i, f, g and dh·∂h/∂z_o; dcNext ← dc·σ(f). cPrev NULL = zero state. */
MULTIVERSION static void lstm_cell_backward(const float *dy, const float *dhNext, float *dcNext, const float *cPrev,
                                            const float *tc, const float *gi, const float *gf, const float *gg,
                                            const float *go, size_t batch, size_t hidden, float *dz) {
  for (size_t b = 0; b < batch; b++) {
    size_t row = b * hidden;
    float *zrow = dz + b * 4 * hidden;
    for (size_t j = 0; j < hidden; j += 8) {
      size_t n = hidden - j < 8 ? hidden - j : 8;
      size_t at = row + j;
      v8f dh = load_n(dy + at, n) + load_n(dhNext + at, n);
      v8f t = load_n(tc + at, n), i = load_n(gi + at, n), f = load_n(gf + at, n), g = load_n(gg + at, n),
          o = load_n(go + at, n);
      v8f dc = load_n(dcNext + at, n) + dh * (o * (1.0f - t * t));
      v8f cp = cPrev ? load_n(cPrev + at, n) : splat(0.0f);
      store_n(zrow + j, dc * (g * (i * (1.0f - i))), n);
      store_n(zrow + hidden + j, dc * (cp * (f * (1.0f - f))), n);
      store_n(zrow + 2 * hidden + j, dc * (i * (1.0f - g * g)), n);
      store_n(zrow + 3 * hidden + j, dh * (t * (o * (1.0f - o))), n);
      store_n(dcNext + at, dc * f, n);
    }
  }
}

/* The 11 arguments of lstmForward / lstmBackward: nine Float32Arrays at argv positions `pos` (the
 * second one the recurrent weight [H, 4H]; the others [T·B, width·H] with `width` 4 or 1) and the
 * step and batch counts at `stepsAt`, stepsAt + 1. Throws and returns 0 on bad arguments. */
static int lstm_args(napi_env env, napi_callback_info info, const char *name, const int pos[9], const int width[9], int stepsAt,
                     float *a[9], size_t *T, size_t *B, size_t *H) {
  char message[160];
  size_t argc = 11, len[9];
  napi_value argv[11];
  int64_t steps, batch;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 11) {
    snprintf(message, sizeof message, "numlab_native: %s expects 11 arguments", name);
    return fail(env, message), 0;
  }
  for (int k = 0; k < 9; k++) {
    if (!float32_view(env, argv[pos[k]], &a[k], &len[k])) {
      snprintf(message, sizeof message, "numlab_native: %s argument %d must be a Float32Array", name, pos[k]);
      return fail(env, message), 0;
    }
  }
  if (napi_get_value_int64(env, argv[stepsAt], &steps) != napi_ok || napi_get_value_int64(env, argv[stepsAt + 1], &batch) != napi_ok ||
      steps < 1 || batch < 1) {
    snprintf(message, sizeof message, "numlab_native: %s needs integer steps, batch >= 1", name);
    return fail(env, message), 0;
  }
  size_t h = 0; /* recurrent is [H, 4H]: 4H² elements */
  while ((h + 1) * (h + 1) * 4 <= len[1]) h++;
  *T = (size_t)steps, *B = (size_t)batch, *H = h;
  if (h == 0 || h * h * 4 != len[1]) {
    snprintf(message, sizeof message, "numlab_native: %s recurrent weight must be [H, 4H]", name);
    return fail(env, message), 0;
  }
  for (int k = 0; k < 9; k++) {
    if (k != 1 && len[k] != *T * *B * width[k] * h) {
      snprintf(message, sizeof message, "numlab_native: %s argument %d must be [steps·batch, %dH]", name, pos[k], width[k]);
      return fail(env, message), 0;
    }
  }
  return 1;
}

/* lstmForward(projected [T·B, 4H], recurrent [H, 4H], steps, batch,
 *             h, c, tanhC, i, f, g, o [T·B, H] each): the whole forward recurrence. */
static napi_value LstmForward(napi_env env, napi_callback_info info) {
  static const int pos[9] = {0, 1, 4, 5, 6, 7, 8, 9, 10}, width[9] = {4, 0, 1, 1, 1, 1, 1, 1, 1};
  float *a[9];
  size_t T, B, H;
  if (!lstm_args(env, info, "lstmForward", pos, width, 2, a, &T, &B, &H)) return NULL;
  float *gates = malloc(B * 4 * H * sizeof(float));
  if (!gates) return fail(env, "numlab_native: lstmForward out of memory");
  float *proj = a[0], *rec = a[1], *h = a[2], *c = a[3], *tc = a[4], *gi = a[5], *gf = a[6], *gg = a[7], *go = a[8];
  for (size_t s = 0; s < T; s++) {
    memcpy(gates, proj + s * B * 4 * H, B * 4 * H * sizeof(float));
    if (s > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)(4 * H), (int)H, 1.0f, h + (s - 1) * B * H, (int)H,
                  rec, (int)(4 * H), 1.0f, gates, (int)(4 * H));
    size_t off = s * B * H;
    lstm_cell(gates, s > 0 ? c + off - B * H : NULL, B, H, h + off, c + off, tc + off, gi + off, gf + off, gg + off,
              go + off);
  }
  free(gates);
  return NULL;
}

/* lstmBackward(dy [T·B, H], recurrent [H, 4H], c, tanhC, i, f, g, o [T·B, H], steps, batch,
 *              dz [T·B, 4H]): the gradient of the gate pre-activations of every step. */
static napi_value LstmBackward(napi_env env, napi_callback_info info) {
  static const int pos[9] = {0, 1, 2, 3, 4, 5, 6, 7, 10}, width[9] = {1, 0, 1, 1, 1, 1, 1, 1, 4};
  float *a[9];
  size_t T, B, H;
  if (!lstm_args(env, info, "lstmBackward", pos, width, 8, a, &T, &B, &H)) return NULL;
  float *dhNext = calloc(B * H, sizeof(float)), *dcNext = calloc(B * H, sizeof(float));
  if (!dhNext || !dcNext) {
    free(dhNext);
    free(dcNext);
    return fail(env, "numlab_native: lstmBackward out of memory");
  }
  float *dy = a[0], *rec = a[1], *c = a[2], *tc = a[3], *gi = a[4], *gf = a[5], *gg = a[6], *go = a[7], *dz = a[8];
  for (size_t s = T; s-- > 0;) {
    size_t off = s * B * H;
    float *dzs = dz + s * B * 4 * H;
    lstm_cell_backward(dy + off, dhNext, dcNext, s > 0 ? c + off - B * H : NULL, tc + off, gi + off, gf + off, gg + off,
                       go + off, B, H, dzs);
    if (s > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)H, (int)(4 * H), 1.0f, dzs, (int)(4 * H), rec,
                  (int)(4 * H), 0.0f, dhNext, (int)H);
  }
  free(dhNext);
  free(dcNext);
  return NULL;
}

/* ---- the makemore MLP's whole training step in one call (src/backend/mlp-kernels.ts) ----
 *   emb = C[X] [n, B·d];  h = tanh(emb·W1 + b1) [n, H];  logits = h·W2 + b2 [n, V];
 *   loss = −mean_i log softmax(logits_i)[Y_i]
 * then the backward pass by hand and, when asked, p ← p − lr·∇p for the five parameters in place.
 * Every step mirrors the kernel the tfjs graph runs on the WASM backend (sgemm for the products,
 * exp8/tanh8 for exp/tanh, row maxima, double-accumulated column sums, tfjs's log-softmax
 * gradient dy − exp(logp)·Σdy), so the values agree with autodiff up to float32 rounding. */

/* Grow-only scratch memory per thread: a training loop allocates nothing per step. */
static _Thread_local void *mlp_scratch = NULL;
static _Thread_local size_t mlp_scratch_bytes = 0;

static void *scratch_bytes(size_t bytes) {
  if (bytes > mlp_scratch_bytes) {
    void *p = realloc(mlp_scratch, bytes);
    if (!p) return NULL;
    mlp_scratch = p;
    mlp_scratch_bytes = bytes;
  }
  return mlp_scratch;
}

typedef struct {
  size_t n, V, d, B, H; /* examples, vocabulary, embedding width, context length, hidden units */
} mlp_dims;

/* y[i, :] += row for every row (the bias of a product). */
MULTIVERSION static void add_row_inplace(float *y, const float *row, size_t rows, size_t cols) {
  for (size_t i = 0; i < rows; i++) add_vv(y + i * cols, row, y + i * cols, cols);
}

/* out[j] = Σ_i x[i, j], accumulated in double (as columnSums). */
MULTIVERSION static void column_sums_into(const float *x, double *acc, float *out, size_t rows, size_t cols) {
  for (size_t j = 0; j < cols; j++) acc[j] = 0;
  column_sums(x, acc, rows, cols);
  for (size_t j = 0; j < cols; j++) out[j] = (float)acc[j];
}

/* dy ← dy · (1 − y²): the gradient through tanh (tfjs's TanhGrad). */
MULTIVERSION static void tanh_backward(float *dy, const float *y, size_t n) {
  for (size_t i = 0; i < n; i++) dy[i] = dy[i] * (1.0f - y[i] * y[i]);
}

/* p ← p − g·lr (g·lr rounded to float first, as tf.sub(p, tf.mul(g, lr))). */
MULTIVERSION static void sgd_update(float *p, const float *g, float lr, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float step = g[i] * lr;
    p[i] = p[i] - step;
  }
}

/* Loss and gradients (gC [V, d], gW1 [B·d, H], gb1 [H], gW2 [H, V], gb2 [V]); `work` holds
 * n·(2·B·d + 2·H + 2·V) floats and max(H, V) doubles. Returns the mean loss. */
static double mlp_forward_backward(const float *C, const float *W1, const float *b1, const float *W2, const float *b2,
                                   const int32_t *X, const int32_t *Y, mlp_dims s, float *gC, float *gW1, float *gb1,
                                   float *gW2, float *gb2, double *acc, float *work) {
  const size_t n = s.n, V = s.V, d = s.d, B = s.B, H = s.H, Bd = s.B * s.d;
  float *emb = work;             /* [n, B·d] */
  float *h = emb + n * Bd;       /* [n, H] */
  float *logp = h + n * H;       /* [n, V]: logits, then shifted logits, then log-probabilities */
  float *dlogits = logp + n * V; /* [n, V]: exp(logp), then the gradient of the logits */
  float *dh = dlogits + n * V;   /* [n, H]: dh, then the gradient of the pre-activation */
  float *demb = dh + n * H;      /* [n, B·d] */
  /* forward */
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < B; k++) memcpy(emb + i * Bd + k * d, C + (size_t)X[i * B + k] * d, d * sizeof(float));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)H, (int)Bd, 1.0f, emb, (int)Bd, W1, (int)H, 0.0f, h, (int)H);
  add_row_inplace(h, b1, n, H);
  tanh_loop(h, h, n * H);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)V, (int)H, 1.0f, h, (int)H, W2, (int)V, 0.0f, logp, (int)V);
  add_row_inplace(logp, b2, n, V);
  /* log-softmax: shifted = logits − max; logp = shifted − log Σ exp(shifted) */
  float *rowStat = gb2; /* V ≥ 1 floats, overwritten with the bias gradient below */
  for (size_t i = 0; i < n; i++) {
    float *row = logp + i * V;
    row_maxes(row, rowStat, 1, V);
    for (size_t j = 0; j < V; j++) row[j] = row[j] - rowStat[0];
  }
  exp_loop(logp, dlogits, n * V);
  double loss = 0;
  for (size_t i = 0; i < n; i++) {
    float *row = logp + i * V;
    row_sums(dlogits + i * V, rowStat, 1, V);
    float logSum = logf(rowStat[0]);
    for (size_t j = 0; j < V; j++) row[j] = row[j] - logSum;
    loss -= row[Y[i]];
  }
  loss /= (double)n;
  /* backward: dlogp = −1/n at the targets; dlogits = dlogp − exp(logp)·Σ_j dlogp = dlogp + exp(logp)/n */
  exp_loop(logp, dlogits, n * V);
  const float dy = -(1.0f / (float)n);
  for (size_t i = 0; i < n; i++) {
    float *row = dlogits + i * V;
    for (size_t j = 0; j < V; j++) row[j] = ((size_t)Y[i] == j ? dy : 0.0f) - row[j] * dy;
  }
  column_sums_into(dlogits, acc, gb2, n, V);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)H, (int)V, (int)n, 1.0f, h, (int)H, dlogits, (int)V, 0.0f, gW2, (int)V);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)H, (int)V, 1.0f, dlogits, (int)V, W2, (int)V, 0.0f, dh, (int)H);
  tanh_backward(dh, h, n * H);
  column_sums_into(dh, acc, gb1, n, H);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)Bd, (int)H, (int)n, 1.0f, emb, (int)Bd, dh, (int)H, 0.0f, gW1, (int)H);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)Bd, (int)H, 1.0f, dh, (int)H, W1, (int)H, 0.0f, demb, (int)Bd);
  /* the embedding gradient: the rows of demb summed into the rows of C they came from, in order */
  memset(gC, 0, V * d * sizeof(float));
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < B; k++) add_vv(gC + (size_t)X[i * B + k] * d, demb + i * Bd + k * d, gC + (size_t)X[i * B + k] * d, d);
  return loss;
}

static int int32_view(napi_env env, napi_value value, int32_t **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void *ptr;
  if (napi_get_typedarray_info(env, value, &type, length, &ptr, &buffer, &offset) != napi_ok) return 0;
  if (type != napi_int32_array) return 0;
  *data = (int32_t *)ptr;
  return 1;
}

static int is_nullish(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && (type == napi_undefined || type == napi_null);
}

/* mlpLmStep(C [V, d], W1 [B·d, H], b1 [H], W2 [H, V], b2 [V], X int32 [n, B], Y int32 [n], lr, grads)
 *   → the mean cross-entropy before the update. lr a number: p ← p − lr·∇p in place; null or
 *   undefined: no update. grads: null/undefined, or an array of five Float32Arrays shaped like the
 *   parameters that receive the gradients. Sizes are taken from the arrays (V from b2, H from b1)
 *   and every id is checked against [0, V). */
static napi_value MlpLmStep(napi_env env, napi_callback_info info) {
  static const char *const names[5] = {"C", "W1", "b1", "W2", "b2"};
  char message[200];
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 9) return fail(env, "numlab_native: mlpLmStep expects 9 arguments (C, W1, b1, W2, b2, X, Y, lr, grads)");
  float *p[5], *g[5] = {NULL, NULL, NULL, NULL, NULL};
  size_t len[5];
  for (int k = 0; k < 5; k++) {
    if (!float32_view(env, argv[k], &p[k], &len[k])) {
      snprintf(message, sizeof message, "numlab_native: mlpLmStep parameter %s must be a Float32Array", names[k]);
      return fail(env, message);
    }
  }
  int32_t *X, *Y;
  size_t nX, nY;
  if (!int32_view(env, argv[5], &X, &nX) || !int32_view(env, argv[6], &Y, &nY))
    return fail(env, "numlab_native: mlpLmStep contexts X and targets Y must be Int32Arrays");
  int update = !is_nullish(env, argv[7]);
  double lr = 0;
  if (update && napi_get_value_double(env, argv[7], &lr) != napi_ok) return fail(env, "numlab_native: mlpLmStep lr must be a number or null");
  mlp_dims s;
  s.V = len[4];
  s.H = len[2];
  s.n = nY;
  s.d = s.V ? len[0] / s.V : 0;
  s.B = s.d && s.H ? len[1] / (s.d * s.H) : 0;
  if (s.V == 0 || s.H == 0 || s.n == 0 || s.d == 0 || s.B == 0 || len[0] != s.V * s.d || len[1] != s.B * s.d * s.H ||
      len[3] != s.H * s.V || nX != s.n * s.B || s.n > INT32_MAX || s.B * s.d > INT32_MAX || s.H > INT32_MAX || s.V > INT32_MAX)
    return fail(env, "numlab_native: mlpLmStep shapes do not fit: C [V, d], W1 [B·d, H], b1 [H], W2 [H, V], b2 [V], X [n, B], Y [n] (n ≥ 1)");
  for (size_t i = 0; i < nX; i++) {
    if (X[i] < 0 || (size_t)X[i] >= s.V) {
      snprintf(message, sizeof message, "numlab_native: mlpLmStep context id %d (row %zu) is not in [0, %zu]", X[i], i / s.B, s.V - 1);
      return fail(env, message);
    }
  }
  for (size_t i = 0; i < nY; i++) {
    if (Y[i] < 0 || (size_t)Y[i] >= s.V) {
      snprintf(message, sizeof message, "numlab_native: mlpLmStep target %d (row %zu) is not in [0, %zu]", Y[i], i, s.V - 1);
      return fail(env, message);
    }
  }
  if (!is_nullish(env, argv[8])) {
    bool isArray = false;
    uint32_t count = 0;
    if (napi_is_array(env, argv[8], &isArray) != napi_ok || !isArray || napi_get_array_length(env, argv[8], &count) != napi_ok || count != 5)
      return fail(env, "numlab_native: mlpLmStep grads must be null or an array of five Float32Arrays");
    for (uint32_t k = 0; k < 5; k++) {
      napi_value item;
      size_t n;
      if (napi_get_element(env, argv[8], k, &item) != napi_ok || !float32_view(env, item, &g[k], &n) || n != len[k]) {
        snprintf(message, sizeof message, "numlab_native: mlpLmStep grads[%u] must be a Float32Array of %zu (the size of %s)", k, len[k], names[k]);
        return fail(env, message);
      }
    }
  }
  const size_t n = s.n, Bd = s.B * s.d, accN = s.H > s.V ? s.H : s.V;
  size_t floats = n * (2 * Bd + 2 * s.H + 2 * s.V) + (g[0] ? 0 : len[0] + len[1] + len[2] + len[3] + len[4]);
  char *mem = scratch_bytes(accN * sizeof(double) + floats * sizeof(float));
  if (!mem) return fail(env, "numlab_native: mlpLmStep out of memory");
  double *acc = (double *)mem;
  float *work = (float *)(mem + accN * sizeof(double));
  if (!g[0]) {
    float *at = work + n * (2 * Bd + 2 * s.H + 2 * s.V);
    for (int k = 0; k < 5; k++) {
      g[k] = at;
      at += len[k];
    }
  }
  double loss = mlp_forward_backward(p[0], p[1], p[2], p[3], p[4], X, Y, s, g[0], g[1], g[2], g[3], g[4], acc, work);
  if (update)
    for (int k = 0; k < 5; k++) sgd_update(p[k], g[k], (float)lr, len[k]);
  napi_value result;
  CHECK(napi_create_double(env, loss, &result));
  return result;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t threads;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1) return fail(env, "numlab_native: setThreads expects 1 argument");
  CHECK(napi_get_value_int32(env, argv[0], &threads));
  if (threads < 1) return fail(env, "numlab_native: setThreads needs at least 1 thread");
  openblas_set_num_threads(threads);
  return NULL;
}

static napi_value Describe(napi_env env, napi_callback_info info) {
  (void)info;
  char text[160];
  snprintf(text, sizeof text, "OpenBLAS %s", openblas_get_corename());
  napi_value result;
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value Threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &result));
  return result;
}

NAPI_MODULE_INIT() {
  const struct {
    const char *name;
    napi_callback fn;
  } functions[] = {{"gemm", Gemm}, {"unary", Unary}, {"binary", Binary}, {"dropout", Dropout}, {"columnSums", ColumnSums}, {"rowSums", RowSums}, {"rowMaxes", RowMaxes}, {"lstmForward", LstmForward}, {"lstmBackward", LstmBackward}, {"mlpLmStep", MlpLmStep}, {"setThreads", SetThreads}, {"describe", Describe}, {"threads", Threads}};
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
