/**
 * Widgets through the real kernel process and nbclient (headless, as `numlab notebooks run`):
 * the cell's widget view, the widget state nbclient saves in the notebook metadata (with the Output
 * widget's captured table), and the static snapshot in the HTML export.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { REPO, assertKernelBuilt, executeCells, jupyterMissing } from "./jupyter";

const missing = jupyterMissing(["nbclient", "nbformat", "nbconvert"]);
const widgets = JSON.stringify(path.join(REPO, "dist", "widgets"));
const tables = JSON.stringify(path.join(REPO, "dist", "display", "table"));

const CELLS = [
  `import { IntSlider, Text, interact } from ${widgets};\nimport { table } from ${tables};\n` +
    `const w = interact(({ k, word }) => table([{ k, word, square: k * k }]), { k: new IntSlider({ value: 6, max: 9, description: "k" }), word: new Text({ value: "six" }) });\nw`,
  "console.log(w.runs, w.output.outputs.length)",
];

interface WidgetState {
  model_name: string;
  model_module: string;
  model_module_version: string;
  state: Record<string, unknown>;
}

test("nbclient saves the widget state; the HTML export shows a static snapshot", { skip: missing ?? false, timeout: 300_000 }, () => {
  assertKernelBuilt();
  const { outputs, html, metadata } = executeCells(CELLS);
  const result = outputs[0].find((o) => o.output_type === "execute_result");
  assert.ok(result, JSON.stringify(outputs[0]));
  const view = result.data!["application/vnd.jupyter.widget-view+json"] as { model_id: string; version_major: number };
  assert.equal(view.version_major, 2);
  assert.match(result.data!["text/plain"] as string, /^Interactive\(controls=\[k=6, word="six"\], runs=1\) — a live widget/);
  assert.deepEqual(
    outputs[1].map((o) => o.text),
    ["1 1\n"],
  );

  const saved = (metadata.widgets as Record<string, { state: Record<string, WidgetState> }>)["application/vnd.jupyter.widget-state+json"];
  assert.ok(saved, `no widget state in ${JSON.stringify(Object.keys(metadata))}`);
  const states = saved.state;
  const top = states[view.model_id];
  assert.equal(top.model_name, "VBoxModel");
  assert.equal(top.model_module, "@jupyter-widgets/controls");
  assert.equal(top.model_module_version, "2.0.0");
  const names = Object.values(states).map((s) => s.model_name);
  for (const name of ["IntSliderModel", "TextModel", "OutputModel", "LayoutModel", "SliderStyleModel", "TextStyleModel", "VBoxModel"]) {
    assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  }
  const slider = Object.values(states).find((s) => s.model_name === "IntSliderModel")!;
  assert.equal(slider.state.value, 6);
  const output = Object.values(states).find((s) => s.model_name === "OutputModel")!;
  assert.equal(output.model_module, "@jupyter-widgets/output");
  const captured = output.state.outputs as Array<{ output_type: string; data: Record<string, string> }>;
  assert.equal(captured.length, 1);
  assert.match(captured[0].data["text/html"], /<th>square<\/th>[^]*36/);
  // every reference in a saved state points at a saved model
  for (const s of Object.values(states)) {
    for (const v of Object.values(s.state).flat()) {
      if (typeof v === "string" && v.startsWith("IPY_MODEL_")) assert.ok(states[v.slice(10)], `${s.model_name} references ${v}`);
    }
  }

  assert.match(html, /class="numlab-widget-snapshot"/);
  assert.match(html, /<input type="range" disabled min="0" max="9" step="1" value="6"/);
  assert.match(html, /<th>square<\/th>[^]*?36/);
  assert.doesNotMatch(html, /unpkg\.com|embed-amd\.js|jupyter-widgets\/html-manager/);
});
