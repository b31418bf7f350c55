import { test } from "node:test";
import assert from "node:assert/strict";
import { assertKernelBuilt, executeCells, jupyterMissing, NotebookOutput } from "./jupyter";

const missing = jupyterMissing(["nbclient", "nbformat", "nbconvert"]);

const CELLS = [
  // 0: a danfo DataFrame as the last line
  'import * as dfd from "danfojs-node";\nconst frame = new dfd.DataFrame({ word: ["alpha", "beta", "gamma"], count: [3, 1, 2] });\nframe',
  // 1: numlab's clearOutput removes what the cell printed before it
  'import { clearOutput } from "numlab";\nconsole.log("scratch");\nclearOutput();\nconsole.log("kept");',
  // 2: a tensor as the last line
  'import * as tf from "@tensorflow/tfjs";\nawait tf.setBackend("cpu");\ntf.tensor2d([[1, 2], [3, 4]])',
  // 3: a progress bar updates one output in place (display_data + update_display_data)
  'import { progress } from "numlab";\nconst bar = progress({ total: 4, label: "steps", minIntervalMs: 0 });\nfor (let i = 0; i < 4; i++) bar.tick(1);\nbar.done();',
  // 4: undefined shows nothing; an error is an error output
  "undefined",
  'throw new Error("expected failure")',
];

function only(outputs: NotebookOutput[], type: string): NotebookOutput[] {
  return outputs.filter((o) => o.output_type === type);
}

test("executed notebook: DataFrame table, clear_output, tensor, progress updates, errors", { skip: missing ?? false, timeout: 300_000 }, () => {
  assertKernelBuilt();
  const { outputs, html } = executeCells(CELLS);

  const [frame] = only(outputs[0], "execute_result");
  assert.ok(frame, `no execute_result for the DataFrame: ${JSON.stringify(outputs[0])}`);
  const frameHtml = frame.data!["text/html"] as string;
  assert.match(frameHtml, /<table class="numlab-table dataframe"/);
  assert.match(frameHtml, /<th>word<\/th><th>count<\/th>/);
  assert.match(frameHtml, /gamma/);
  // …and the notebook's HTML export shows it as a table, not as text
  assert.match(html, /<table class="numlab-table dataframe"[^]*?<th>word<\/th>[^]*?gamma/);

  const streams = only(outputs[1], "stream")
    .map((o) => o.text)
    .join("");
  assert.equal(streams, "kept\n", `clear_output did not clear: ${JSON.stringify(outputs[1])}`);

  const [tensor] = only(outputs[2], "execute_result");
  assert.match(tensor.data!["text/html"] as string, /Tensor shape \[2, 2\] dtype float32/);
  assert.equal(typeof tensor.execution_count, "number");

  const bars = only(outputs[3], "display_data");
  assert.equal(bars.length, 1, "the progress bar is one output updated in place");
  assert.match(bars[0].data!["text/plain"] as string, /4\/4/);

  assert.deepEqual(outputs[4], []);
  const [error] = outputs[5];
  assert.equal(error.output_type, "error");
  assert.equal(error.ename, "Error");
  assert.equal(error.evalue, "expected failure");
});
