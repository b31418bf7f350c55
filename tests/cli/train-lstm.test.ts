import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTrainLstmArgs, trainLstmCommand } from "../../src/cli/commands/train-lstm";
import { UsageError } from "../../src/cli/command";
import { LSTM_CPU_CONFIG, LSTM_DEFAULTS, LSTM_SEED_CONFIG, LSTM_SMOKE_CONFIG } from "../../src/train/lstm-lm";
import { assertUsagePrints } from "./usage-defaults";

test("train lstm: with no flags the parsed config is LSTM_DEFAULTS (LSTM_CPU_CONFIG), and the usage text prints it", () => {
  assert.equal(LSTM_CPU_CONFIG, LSTM_DEFAULTS);
  const parsed = parseTrainLstmArgs(["--out", "runs/x"]);
  assert.deepEqual(parsed, { out: "runs/x", config: LSTM_DEFAULTS, resume: false, stopAfter: undefined, json: false });
  const d = LSTM_DEFAULTS;
  assertUsagePrints(trainLstmCommand.usage, {
    "max-value": d.maxValue,
    "seq-len": d.seqLen,
    steps: d.steps,
    "batch-size": d.batchSize,
    "embedding-dim": d.embeddingDim,
    hidden: d.hiddenSize,
    layers: d.numLayers,
    dense: d.denseSize,
    lr: d.learningRate,
    clip: d.clipNorm,
    seed: d.seed,
    "eval-every": d.evalEvery,
    "checkpoint-every": d.checkpointEvery,
    "probe-count": d.probeCount,
    float16: d.float16Checkpoint,
  });
  for (const name of ["lstm-next-integer", "cpu", "seed", "smoke"]) assert.match(trainLstmCommand.usage, new RegExp(`^ {2}${name} `, "m"));
});

test("train lstm --preset: the file presets and the built-in cpu, seed and smoke; flags override them", () => {
  assert.deepEqual(parseTrainLstmArgs(["--preset", "lstm-next-integer", "--out", "x"]).config, LSTM_DEFAULTS);
  assert.deepEqual(parseTrainLstmArgs(["--preset", "cpu", "--out", "x"]).config, LSTM_CPU_CONFIG);
  assert.deepEqual(parseTrainLstmArgs(["--preset", "seed", "--out", "x"]).config, LSTM_SEED_CONFIG);
  const smoke = parseTrainLstmArgs(["--preset", "smoke", "--max-value", "50", "--out", "x"]).config;
  assert.deepEqual(smoke, { ...LSTM_SMOKE_CONFIG, maxValue: 50, probeCount: 50 }, "a smaller --max-value lowers the probed integers with it");
  assert.throws(
    () => parseTrainLstmArgs(["--preset", "arith-addition-base10", "--out", "x"]),
    (e: unknown) => e instanceof UsageError && /is for numlab train arith, not numlab train lstm/.test(e.message),
  );
  assert.throws(
    () => parseTrainLstmArgs(["--preset", "big", "--out", "x"]),
    (e: unknown) => e instanceof UsageError && /presets for numlab train lstm are lstm-next-integer, cpu, seed, smoke/.test(e.message),
  );
  assert.throws(
    () => parseTrainLstmArgs(["--preset", "seed", "--resume", "--out", "x"]),
    (e: unknown) => e instanceof UsageError && /--preset sets up a new run/.test(e.message),
  );
});
