/**
 * The walkthroughs' widgets at the model-state level, in the kernel harness (no front-end): the
 * first run's table, re-runs after a front-end changes a control, and bad input shown as a message.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { KernelHarness } from "../kernel/harness";
import { NotebookOutput } from "../../src/widgets/output";
import {
  factorizationExplorer,
  nameSampler,
  nextIntegerExplorer,
  parseSequence,
  polynomialExpander,
  polynomialExpansionRows,
  sampleNamesWithTemperature,
} from "../../src/widgets";
import { loadPolynomialRun, shippedPolynomialRunDir } from "../../src/train/polynomial";
import { createMlpLm, disposeMlpLm } from "../../src/models/mlp-lm";
import { Rng } from "../../src/random";
import { sampleNames } from "../../src/train/makemore";
import { loadArithmeticRun, shippedArithmeticRunDir } from "../../src/train/arithmetic";

tf.tensor(1).dispose(); // tfjs's first-use notice goes to the test log, not into a widget
const h = new KernelHarness();
after(async () => {
  await h.settle();
  h.close();
});

/** The text of an Output's outputs (tables by their text/plain). */
function shown(outputs: readonly NotebookOutput[]): string {
  return outputs
    .map((o) => (o.output_type === "stream" ? o.text : o.output_type === "error" ? `${o.ename}: ${o.evalue}` : String(o.data["text/plain"] ?? "")))
    .join("\n");
}

function update(commId: string, state: Record<string, unknown>) {
  return h.commMsg(commId, { method: "update", state, buffer_paths: [] });
}

/** A next-integer "model" that always expects last + 1 (most probable), then last + 2. */
const counter = {
  config: { maxValue: 50 },
  forward(inputs: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const shifted = tf.minimum(tf.add(inputs, 1), 49).toInt();
      const next = tf.oneHot(shifted, 50).mul(5);
      const after = tf.oneHot(tf.minimum(tf.add(inputs, 2), 49).toInt(), 50).mul(2);
      return next.add(after) as tf.Tensor3D;
    });
  },
};

test("parseSequence reads integers and says what is wrong", () => {
  assert.deepEqual(parseSequence(" 1, 2 3;5 ", 10), { terms: [1, 2, 3, 5] });
  assert.deepEqual(parseSequence("", 10), { error: "type a few integers, e.g. 1, 2, 4, 8" });
  assert.deepEqual(parseSequence("1, x", 10), { error: '"x" is not a non-negative integer' });
  assert.deepEqual(parseSequence("1, 12", 10), { error: "12 is outside the model's integers 0..9" });
});

test("nextIntegerExplorer: the top-k table follows the text box and the k slider", async () => {
  h.clear();
  let w: ReturnType<typeof nextIntegerExplorer> | null = null;
  await h.execute(() => (w = nextIntegerExplorer(counter, { sequence: "1, 2, 3", k: 3, debounceMs: 10 })));
  const out = w!.output;
  assert.match(shown(out.outputs), /greedy continuation: 4, 5, 6, 7, …/);
  assert.match(shown(out.outputs), /the 3 most probable next integers after 1, 2, 3:/);
  const firstTable = out.outputs.find((o) => o.output_type === "display_data");
  assert.ok(firstTable);
  assert.match(String((firstTable as { data: Record<string, unknown> }).data["text/html"]), /<td style="text-align:right">4<\/td>/);

  await update(w!.controls.sequence.modelId, { value: "10, 11" });
  await w!.settled();
  assert.match(shown(out.outputs), /after 10, 11:/);
  assert.match(shown(out.outputs), /greedy continuation: 12, 13, 14, 15/);
  await update(w!.controls.k.modelId, { value: 1 });
  await w!.settled();
  const html = String((out.outputs.find((o) => o.output_type === "display_data") as { data: Record<string, unknown> }).data["text/html"]);
  assert.equal((html.match(/<tr>/g) ?? []).length, 2, "header and one row for k = 1");

  await update(w!.controls.sequence.modelId, { value: "3, 99" });
  await w!.settled();
  assert.equal(shown(out.outputs), "99 is outside the model's integers 0..49\n");
});

test("sampleNamesWithTemperature: T = 1 is sampleNames draw for draw; low T repeats the likeliest names", () => {
  const model = createMlpLm({ blockSize: 3, embeddingDim: 4, hidden: 16, seed: 3, init: "randn" });
  try {
    assert.deepEqual(sampleNamesWithTemperature(model, 8, new Rng(5), 1), sampleNames(model, 8, new Rng(5)));
    const cold = sampleNamesWithTemperature(model, 10, new Rng(5), 0.05);
    assert.ok(new Set(cold).size <= 3, `almost greedy at T = 0.05: ${cold.join(", ")}`);
    assert.throws(() => sampleNamesWithTemperature(model, 1, new Rng(1), 0), /temperature must be a positive number/);
  } finally {
    disposeMlpLm(model);
  }
});

test("nameSampler: temperature and seed sliders re-sample the names", async () => {
  h.clear();
  const model = createMlpLm({ blockSize: 3, embeddingDim: 4, hidden: 16, seed: 3 });
  let w: ReturnType<typeof nameSampler> | null = null;
  await h.execute(() => (w = nameSampler(model, { count: 5, seed: 1, known: ["abc"], debounceMs: 10 })));
  const first = shown(w!.output.outputs);
  assert.match(first, /temperature 1\.00, seed 1: mean length/);
  assert.match(first, /in the data/);
  await update(w!.controls.temperature.modelId, { value: 1.5 });
  await w!.settled();
  assert.match(shown(w!.output.outputs), /temperature 1\.50, seed 1/);
  await update(w!.controls.seed.modelId, { value: 2 });
  await w!.settled();
  const third = shown(w!.output.outputs);
  assert.match(third, /temperature 1\.50, seed 2/);
  assert.notEqual(third.replace(/seed \d/, ""), first.replace(/seed \d/, ""));
  // the notebook disposes its model after this cell: the sampler keeps working on its own reference
  disposeMlpLm(model);
  await update(w!.controls.seed.modelId, { value: 1 });
  await w!.settled();
  assert.match(shown(w!.output.outputs), /^temperature 1\.50, seed 1: mean length [\d.]+\n\n#\s+name/);
  assert.ok(!w!.output.outputs.some((o) => o.output_type === "error"));
});

const factorDir = shippedArithmeticRunDir("factorization");

test(
  "factorizationExplorer: a number box and a beam slider over the shipped model's candidates",
  { skip: factorDir ? false : "no shipped factorization model" },
  async () => {
    h.clear();
    const run = loadArithmeticRun(factorDir!);
    let w: ReturnType<typeof factorizationExplorer> | null = null;
    await h.execute(() => (w = factorizationExplorer(run, { n: 1001, beams: 3, debounceMs: 10 })));
    const rows = () => {
      const table = w!.output.outputs.find((o) => o.output_type === "display_data") as { data: Record<string, unknown> } | undefined;
      return table ? (String(table.data["text/html"]).match(/<tr>/g) ?? []).length - 1 : 0;
    };
    assert.match(shown(w!.output.outputs), /^n = 1001 \(base 60: 16\.41\) = 7 x 11 x 13; 3 beams:/);
    assert.equal(rows(), 3);
    await update(w!.controls.beams.modelId, { value: 6 });
    await w!.settled();
    assert.equal(rows(), 6);
    await update(w!.controls.n.modelId, { value: 360 });
    await w!.settled();
    assert.match(shown(w!.output.outputs), /^n = 360 \(base 60: 6\.0\) = 2 x 2 x 2 x 3 x 3 x 5; 6 beams:/);
    await update(w!.controls.n.modelId, { value: 1 });
    await w!.settled();
    assert.match(shown(w!.output.outputs), /^n must be an integer in 2\.\.262144/);
  },
);

const polyDir = shippedPolynomialRunDir();
test(
  "polynomialExpander: a text box and a beam slider over the shipped polynomial model",
  { skip: polyDir ? false : "no shipped polynomial model" },
  async () => {
    h.clear();
    const run = loadPolynomialRun(polyDir!);
    let w: ReturnType<typeof polynomialExpander> | null = null;
    await h.execute(() => (w = polynomialExpander(run, { text: "(x+1)*(x+2)", beams: 1, debounceMs: 10 })));
    const rows = () => {
      const t = w!.output.outputs.find((o) => o.output_type === "display_data") as { data: Record<string, unknown> } | undefined;
      return t ? (String(t.data["text/html"]).match(/<tr>/g) ?? []).length - 1 : 0;
    };
    assert.match(shown(w!.output.outputs), /^numlab's expander: \(x\+1\)\*\(x\+2\) = x\*\*2\+3\*x\+2/);
    assert.equal(rows(), 1);
    await update(w!.controls.beams.modelId, { value: 3 });
    await w!.settled();
    assert.equal(rows(), 3);
    await update(w!.controls.polynomial.modelId, { value: "(x+1)*(x+" });
    await w!.settled();
    assert.match(shown(w!.output.outputs), /^cannot expand "\(x\+1\)\*\(x\+"/);
  },
);

test("polynomialExpansionRows judges each candidate with numlab's expander", { skip: polyDir ? false : "no shipped polynomial model" }, () => {
  const run = loadPolynomialRun(polyDir!);
  const [best] = polynomialExpansionRows(run, "(7-3*z)*(-5*z-9)", 1);
  assert.equal(best["model's expansion"] === "15*z**2-8*z-63", best.exact);
  assert.throws(() => polynomialExpansionRows(run, "(x+1)*(x+2)*".repeat(5) + "x", 1), /the model reads at most 30/);
});
