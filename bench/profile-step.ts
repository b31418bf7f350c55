/**
 * Where the time of one small training step goes (issue 53): the makemore MLP step through tfjs
 * autodiff (`sgdStep` before the fused step), the fused step that replaced it, and the RNN primer's
 * LSTM classifier step with the tf.basicLSTMCell loop and with `lstmLayer`. For each:
 *  - tfjs kernels per phase (forward incl. the input tensors, backward, optimizer update, loss
 *    read-back), by name;
 *  - wall time per phase, and inside it the time spent in kernel functions (the WASM calls, the
 *    output allocation and the kernels' JS glue) and, inside those, in the native addon;
 *  - what is left is JS dispatch (the op functions: argument checks, shape inference) and engine
 *    bookkeeping (kernel lookup, tape, tidy scopes, tensor tracking, gradient graph); a V8 CPU
 *    profile of a separate, uninstrumented run splits it by function.
 *
 *   node --import tsx bench/profile-step.ts [mlp|mlp-fused|lstm-classifier-cell|lstm-classifier ...]   (default: all)
 *
 * Env: NUMLAB_PROFILE_STEPS (timed steps, default 2000 for the MLP, 200 for the LSTM). OpenBLAS
 * runs on one thread. The instrumented figures include the timers' own cost (~0.1 µs per call).
 */
import * as fs from "fs";
import * as inspector from "inspector";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend";
import { NativeBinding, nativeBinding, setNativeBinding } from "../src/backend/native";
import { loadNames } from "../src/data/names";
import { CharContexts, buildDataset } from "../src/datasets/char-contexts";
import { makeDigitSequences } from "../src/datasets/digit-sequences";
import { createLstmClassifier, lstmClassifierLogits, lstmClassifierLogitsCell, lstmClassifierVariables } from "../src/models/lstm-classifier";
import { createMlpLm, crossEntropyFromIndices, mlpLmLogits, mlpLmVariables } from "../src/models/mlp-lm";
import { Rng } from "../src/random";
import { drawMinibatch, sgdStep } from "../src/train/makemore";
import { median } from "./timing";

type Phase = "forward" | "backward" | "update" | "readback" | "other";
const PHASES: Phase[] = ["forward", "backward", "update", "readback", "other"];

interface Counters {
  phase: Phase;
  wallMs: Record<Phase, number>;
  kernelMs: Record<Phase, number>;
  nativeMs: Record<Phase, number>;
  kernels: Record<Phase, Map<string, number>>;
  nativeCalls: Record<Phase, Map<string, number>>;
  since: number;
}

function newCounters(): Counters {
  const zero = () => Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  const maps = () => Object.fromEntries(PHASES.map((p) => [p, new Map<string, number>()])) as Record<Phase, Map<string, number>>;
  return { phase: "other", wallMs: zero(), kernelMs: zero(), nativeMs: zero(), kernels: maps(), nativeCalls: maps(), since: performance.now() };
}

let counters: Counters | null = null;

/** Mark the start of a phase (the time since the previous mark goes to the previous phase). */
function phase(p: Phase): void {
  if (!counters) return;
  const now = performance.now();
  counters.wallMs[counters.phase] += now - counters.since;
  counters.since = now;
  counters.phase = p;
}

/** Wrap every WASM kernel and every addon function with timers and counters; returns the undo. */
function instrument(): () => void {
  const configs = tf.getKernelsForBackend("wasm");
  let depth = 0;
  for (const config of configs) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (!counters || depth > 0) return inner(args);
        const c = counters;
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          c.kernelMs[c.phase] += performance.now() - t0;
          c.kernels[c.phase].set(config.kernelName, (c.kernels[c.phase].get(config.kernelName) ?? 0) + 1);
        }
      },
    });
  }
  const native = nativeBinding();
  if (native) {
    const timed = Object.fromEntries(
      Object.entries(native).map(([name, fn]) => [
        name,
        (...args: unknown[]) => {
          const c = counters;
          const t0 = performance.now();
          try {
            return (fn as (...a: unknown[]) => unknown)(...args);
          } finally {
            if (c) {
              c.nativeMs[c.phase] += performance.now() - t0;
              c.nativeCalls[c.phase].set(name, (c.nativeCalls[c.phase].get(name) ?? 0) + 1);
            }
          }
        },
      ]),
    ) as unknown as NativeBinding;
    setNativeBinding(timed);
  }
  return () => {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, "wasm");
      tf.registerKernel(config);
    }
    if (native) setNativeBinding(native);
  };
}

/** A V8 CPU profile of `steps` uninstrumented steps: self time (ms per step) grouped by `category`. */
async function cpuProfile(step: () => void, steps: number): Promise<Array<[string, number]>> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 20 });
  await post("Profiler.start");
  for (let i = 0; i < steps; i++) step();
  const { profile } = (await post("Profiler.stop")) as {
    profile: { nodes: { id: number; callFrame: { functionName: string; url: string } }[]; samples: number[]; timeDeltas: number[] };
  };
  session.disconnect();
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const totals = new Map<string, number>();
  let sampled = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i])!;
    const us = profile.timeDeltas[i] ?? 0;
    sampled += us;
    const key = category(frame.functionName, frame.url);
    totals.set(key, (totals.get(key) ?? 0) + us);
  }
  const perStep = (us: number) => Math.round((us / 1000 / steps) * 1000) / 1000;
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .map(([k, us]) => [k, perStep(us)] as [string, number])
    .concat([["(sampled total)", perStep(sampled)]]);
}

/** The addon's function names (V8 reports a Node-API callback under its name, without a URL). */
const addonFunctions = (): Set<string> => new Set(Object.keys(nativeBinding() ?? {}));

/** Coarse owner of a profiled function (self time). */
function category(fn: string, url: string): string {
  if (url.startsWith("wasm://")) return "WASM code (tfjs-backend-wasm kernels, malloc/free)";
  if (fn === "(garbage collector)") return "garbage collector";
  if (fn === "(program)" || fn === "(idle)") return "V8 / idle";
  if (url === "")
    return addonFunctions().has(fn) ? "native addon (Node-API calls: the maths and the call overhead)" : "V8 builtins (typed-array views, Map, Math, …)";
  if (/tfjs-backend-wasm/.test(url)) return "tfjs-backend-wasm JS (makeOutput, views, dispose)";
  if (/src\/backend\//.test(url)) return "numlab kernel patches (JS)";
  if (/tfjs/.test(url)) {
    if (
      /^(Engine\.|DataStorage|Tensor\b|Tensor\.|Variable|getKernel|makeKey|getFilteredNodesXToY|backpropagateGradients|_loop|f2$|scopedRun|trackTensor|Environment\.)/.test(
        fn,
      ) ||
      /Engine|Tape|tidy|keep|dispose|getTensorsIn|walkTensorContainer|incRef|removeDataId/.test(fn)
    ) {
      return "tfjs engine bookkeeping (kernel lookup, tape, scopes, tensor tracking, backprop graph)";
    }
    return "tfjs op dispatch + gradient functions (argument checks, shapes, op wrappers)";
  }
  if (/src\/(models|train|datasets)|\/random/.test(url)) return "numlab model/trainer JS (minibatch draw, step code)";
  return `other (${path.basename(url) || fn})`;
}

interface ProfiledStep {
  name: string;
  /** One step with `phase()` marks. */
  step: () => void;
  /** The same step as shipped, without marks (timed and CPU-profiled). */
  plain: () => void;
  steps: number;
  dispose: () => void;
}

async function names(): Promise<string[]> {
  try {
    return await loadNames({ quiet: true, download: false });
  } catch {
    const rng = new Rng(0);
    return Array.from({ length: 4000 }, () => Array.from({ length: 3 + rng.int(0, 6) }, () => "abcdefghijklmnopqrstuvwxyz"[rng.int(0, 26)]).join(""));
  }
}

/** The makemore step through tfjs autodiff (sgdStep's code before issue 53, with phase marks). */
function mlpAutodiff(data: CharContexts): ProfiledStep {
  const model = createMlpLm({ blockSize: 3, embeddingDim: 10, hidden: 200, seed: 42 });
  const rng = new Rng(43);
  const vars = mlpLmVariables(model);
  const step = (marks: boolean) => () => {
    if (marks) phase("forward");
    const batch = drawMinibatch(data, 32, rng);
    const loss = tf.tidy(() => {
      const X = tf.tensor2d(batch.X, [batch.count, batch.blockSize], "int32");
      const Y = tf.tensor1d(batch.Y, "int32");
      const { value, grads } = tf.variableGrads(() => {
        const l = crossEntropyFromIndices(mlpLmLogits(model, X), Y);
        if (marks) phase("backward");
        return l;
      }, vars);
      if (marks) phase("update");
      for (const p of vars) p.assign(tf.sub(p, tf.mul(grads[p.name], 0.1)));
      return value;
    });
    if (marks) phase("readback");
    loss.dataSync();
    loss.dispose();
    if (marks) phase("other");
  };
  return { name: "makemore MLP, tfjs autodiff", step: step(true), plain: step(false), steps: 2000, dispose: () => tf.dispose(vars) };
}

/** The makemore step as `sgdStep` runs it now (the fused native step where available). */
function mlpFused(data: CharContexts): ProfiledStep {
  const model = createMlpLm({ blockSize: 3, embeddingDim: 10, hidden: 200, seed: 42 });
  const rng = new Rng(43);
  const run = (marks: boolean) => () => {
    if (marks) phase("forward");
    sgdStep(model, drawMinibatch(data, 32, rng), 0.1);
    if (marks) phase("other");
  };
  return { name: "makemore MLP, sgdStep (fused)", step: run(true), plain: run(false), steps: 2000, dispose: () => tf.dispose(mlpLmVariables(model)) };
}

/**
 * The RNN primer's LSTM classifier step (trainSequenceClassifier's code, with phase marks), with
 * `lstmClassifierLogits` or (`cell`) the tf.basicLSTMCell loop it replaced.
 */
function lstmClassifierStep(cell: boolean): ProfiledStep {
  const rng = new Rng(0);
  const train = makeDigitSequences(rng, { count: 5000, targetIndex: 3 });
  const model = createLstmClassifier({ vocabSize: train.vocabSize, embeddingDim: 16, hidden: 64, classes: train.vocabSize, seed: 0 });
  const optimizer = tf.train.adam(0.01);
  const vars = lstmClassifierVariables(model);
  const T = train.length;
  let at = 0;
  const step = (marks: boolean) => () => {
    if (marks) phase("forward");
    const start = at;
    at = (at + 100) % (train.count - 100);
    const loss = tf.tidy(() => {
      const X = tf.tensor2d(train.inputs.subarray(start * T, (start + 100) * T), [100, T], "int32");
      const Y = tf.tensor1d(train.targets.subarray(start, start + 100), "int32");
      const { value, grads } = tf.variableGrads(() => {
        const l = crossEntropyFromIndices((cell ? lstmClassifierLogitsCell : lstmClassifierLogits)(model, X), Y);
        if (marks) phase("backward");
        return l;
      }, vars);
      if (marks) phase("update");
      optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      return value;
    });
    if (marks) phase("readback");
    loss.dataSync();
    loss.dispose();
    if (marks) phase("other");
  };
  return {
    name: `RNN primer LSTM classifier (batch 100, T 10, d 16, hidden 64, Adam), ${cell ? "tf.basicLSTMCell loop" : "lstmLayer"}`,
    step: step(true),
    plain: step(false),
    steps: 200,
    dispose: () => {
      optimizer.dispose();
      tf.dispose(vars);
    },
  };
}

async function profileOne(p: ProfiledStep): Promise<Record<string, unknown>> {
  const steps = Number(process.env.NUMLAB_PROFILE_STEPS ?? p.steps);
  for (let i = 0; i < Math.min(200, steps); i++) p.plain();
  // Uninstrumented wall time per step.
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    p.plain();
    times.push(performance.now() - t0);
  }
  const plainMs = median(times);
  const undo = instrument();
  counters = newCounters();
  for (let i = 0; i < steps; i++) p.step();
  phase("other");
  const c = counters;
  counters = null;
  undo();
  const per = (x: number) => Math.round((x / steps) * 1000) / 1000;
  const phases = Object.fromEntries(
    PHASES.filter((ph) => c.wallMs[ph] > 0).map((ph) => [
      ph,
      {
        wallMs: per(c.wallMs[ph]),
        kernelMs: per(c.kernelMs[ph]),
        nativeMs: per(c.nativeMs[ph]),
        outsideKernelsMs: per(c.wallMs[ph] - c.kernelMs[ph]),
        kernels: Math.round([...c.kernels[ph].values()].reduce((a, b) => a + b, 0) / steps),
        kernelNames: Object.fromEntries([...c.kernels[ph]].map(([k, v]) => [k, Math.round((v / steps) * 10) / 10])),
        nativeCalls: Object.fromEntries([...c.nativeCalls[ph]].map(([k, v]) => [k, Math.round((v / steps) * 10) / 10])),
      },
    ]),
  );
  const profile = await cpuProfile(p.plain, steps);
  p.dispose();
  return {
    name: p.name,
    medianStepMs: Math.round(plainMs * 1000) / 1000,
    instrumentedStepMs: per(PHASES.reduce((a, ph) => a + c.wallMs[ph], 0)),
    phases,
    cpuProfileMsPerStep: Object.fromEntries(profile),
  };
}

async function main(): Promise<void> {
  const info = await initBackend({ quiet: true, blasThreads: 1 });
  const which = process.argv.slice(2);
  const want = (name: string) => which.length === 0 || which.includes(name);
  const data = buildDataset(await names(), 3);
  const results: Record<string, unknown>[] = [];
  if (want("mlp")) results.push(await profileOne(mlpAutodiff(data)));
  if (want("mlp-fused")) results.push(await profileOne(mlpFused(data)));
  if (want("lstm-classifier-cell")) results.push(await profileOne(lstmClassifierStep(true)));
  if (want("lstm-classifier")) results.push(await profileOne(lstmClassifierStep(false)));
  const load = fs.existsSync("/proc/loadavg") ? fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ") : null;
  process.stdout.write(JSON.stringify({ backend: info.backend, native: info.native, loadAverage: load, results }, null, 2) + "\n");
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
