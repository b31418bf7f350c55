/**
 * makemore MLP training-step speed on the backend `initBackend` picks, as notebook 06 and
 * `numlab train makemore` run it: draw a random minibatch of real names.txt contexts (block 3),
 * forward, loss, gradients, SGD update, read the loss back (`sgdStep`). The model is the lecture's
 * 11,897-parameter MLP (d 10, hidden 200); batch 32 (the CLI default) and 128 (the notebook).
 *
 * The figure to compare is `msPerStep` under NUMLAB_WASM_THREADS=1 and =2: for a model this small
 * the threads' synchronisation costs more than the work they share. Run one setting per process
 * (the thread count is fixed when the backend starts):
 *
 *   NUMLAB_WASM_THREADS=1 node --import tsx bench/suites/makemore.ts
 *   NUMLAB_WASM_THREADS=2 node --import tsx bench/suites/makemore.ts
 *
 * (or through `npm run bench` with NUMLAB_BENCH_ONLY=makemore). Env: NUMLAB_BENCH_STEPS (timed
 * steps per batch size, default 1500). Without names.txt (NUMLAB_DATA_DIR) it uses synthetic names.
 */
import { initBackend } from "../../src/backend";
import { loadNames } from "../../src/data/names";
import { buildDataset } from "../../src/datasets/char-contexts";
import { createMlpLm, disposeMlpLm } from "../../src/models/mlp-lm";
import { Rng } from "../../src/random";
import { drawMinibatch, sgdStep } from "../../src/train/makemore";

const MODEL = { blockSize: 3, embeddingDim: 10, hidden: 200 };

async function words(): Promise<{ words: string[]; source: string }> {
  try {
    return { words: await loadNames({ quiet: true, download: false }), source: "names.txt" };
  } catch {
    const rng = new Rng(0);
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const out: string[] = [];
    for (let i = 0; i < 2000; i++) out.push(Array.from({ length: 3 + rng.int(0, 6) }, () => letters[rng.int(0, 26)]).join(""));
    return { words: out, source: "synthetic" };
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const info = await initBackend({ quiet: true });
  const steps = Number(process.env.NUMLAB_BENCH_STEPS ?? 1500);
  const { words: names, source } = await words();
  const data = buildDataset(names, MODEL.blockSize);
  const result: Record<string, unknown> = { backend: info.backend, threads: info.threads, data: source, steps };
  for (const batchSize of [32, 128]) {
    const model = createMlpLm({ ...MODEL, seed: 42 });
    const rng = new Rng(43);
    for (let i = 0; i < 50; i++) sgdStep(model, drawMinibatch(data, batchSize, rng), 0.1); // warm-up
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) sgdStep(model, drawMinibatch(data, batchSize, rng), 0.1);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    disposeMlpLm(model);
    result[`batch${batchSize}`] = {
      msPerStep: Math.round((wallMs / steps) * 100) / 100,
      cpuMsPerStep: Math.round(((cpu.user + cpu.system) / 1000 / steps) * 100) / 100,
    };
  }
  return { makemore: result };
}

if (require.main === module) {
  run().then(
    (r) => process.stdout.write(JSON.stringify(r) + "\n"),
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
