/**
 * numlab/internal: every module of the library, whole (`import * as nli from "numlab/internal"`).
 *
 * The package root (src/index.ts) names the public API, grouped by pipeline stage; this entry adds
 * everything it leaves out: low-level helpers (atomic writes, float16 codec, weight initializers,
 * checksums, exact rational arithmetic), model building blocks and step functions, the generic
 * seq2seq loop and collate, the backend's kernel patches and parity helpers, the widget protocol,
 * smoke fixtures. For tests, benchmarks and advanced use; these names may change without notice.
 * Notebooks need only the root. tests/api/exports.test.ts checks that every module is listed.
 */
export * from "./index";

// Setup
export * from "./smoke";
export * from "./random";
export * from "./cancel";
export * from "./backend";
export * from "./backend/native";
export * from "./backend/wasm-threads";
export * from "./backend/wasm-patches";
export * from "./backend/native-kernels";
export * from "./backend/lstm-kernels";
export * from "./backend/mlp-kernels";
export * from "./backend/dropout";
export * from "./backend/parity";

// Display
export * from "./display";
export * from "./display/bridge";
export * from "./display/figure";
export * from "./display/table";
export * from "./display/progress";
export * from "./display/html";
export * from "./display/tensor";

// Widgets
export * from "./widgets";
export * from "./widgets/widget";
export * from "./widgets/controls";
export * from "./widgets/link";
export * from "./widgets/protocol";
export * from "./widgets/output";
export * from "./widgets/interact";
export * from "./widgets/walkthroughs";

// Data
export * from "./data/download";
export * from "./data/oeis";
export * from "./data/oeis-stats";
export * from "./data/names";
export * from "./data/polynomials";
export * from "./data/smoke-fixtures";

// Datasets
export * from "./datasets/sequence-dataset";
export * from "./datasets/arithmetic";
export * from "./data/polynomial-generator";
export * from "./datasets/seq2seq-collate";
export * from "./datasets/char-contexts";
export * from "./datasets/digit-sequences";

// Tokenizers
export * from "./tokenizers/base-n";
export * from "./tokenizers/polynomial-language";
export * from "./tokenizers/characters";

// Models
export * from "./models/transformer";
export * from "./models/transformer-deepen";
export * from "./models/decoding";
export * from "./models/lstm-lm";
export * from "./models/mlp-lm";
export * from "./models/lstm-classifier";
export * from "./models/token-encodings";
export * from "./models/nn-ops";

// Training
export * from "./train/run-dir";
export * from "./train/run-lock";
export * from "./train/run-inputs";
export * from "./train/shipped-models";
export * from "./train/presets";
export * from "./train/seq2seq";
export * from "./train/arithmetic";
export * from "./train/polynomial";
export * from "./train/lstm-lm";
export * from "./train/makemore";
export * from "./train/sequence-classifier";
export * from "./train/tensorboard";

// Evaluation
export * from "./eval/arithmetic";
export * from "./eval/polynomial";
export * from "./eval/polynomial-eda";
export * from "./eval/predict-next";
export * from "./eval/number-properties";
export * from "./eval/probes";
export * from "./eval/next-term";

// Embeddings
export * from "./embeddings/tsv";
export * from "./embeddings/glove";
export * from "./embeddings/bert";
export * from "./embeddings/baselines";

// Math
export * from "./math/primes";
export * from "./math/polynomial";
export * from "./math/float16";
export * from "./math/rational";
export * from "./math/exact-linear";
export * from "./math/sequence-solvers";
export * from "./math/rule-sequences";

// Plots
export * from "./viz/axes";
export * from "./viz/curves";
export * from "./viz/oeis";
export * from "./viz/embeddings";
export * from "./viz/arithmetic";
export * from "./viz/polynomial";
export * from "./viz/polynomial-groups";
export * from "./viz/makemore";
export * from "./viz/rnn-primer";
export * from "./viz/next-term";

// Two modules name a type `ModelSpec`: the sequence solvers' fitted model keeps the name here, the
// widgets' model spec is re-exported as `WidgetModelSpec`.
export type { ModelSpec } from "./math/sequence-solvers";
export type { ModelSpec as WidgetModelSpec } from "./widgets/widget";
