/**
 * Figures of the makemore MLP lesson, as plain Plotly JSON: the training loss curve, the
 * learning-rate finder, and the characters placed by two columns of the embedding table C.
 */
import type { Figure } from "../display/figure";
import { CHARACTERS } from "../tokenizers/characters";
import type { MakemoreLossPoint, LrFinderResult } from "../train/makemore";

/** Mean minibatch loss against step (log y axis), with the learning rate on hover. */
export function makemoreLossCurveFigure(curve: readonly MakemoreLossPoint[], title = "Training loss (mean minibatch cross-entropy)"): Figure {
  return {
    data: [
      {
        type: "scatter",
        mode: "lines",
        name: "train minibatch loss",
        x: curve.map((p) => p.step),
        y: curve.map((p) => p.loss),
        text: curve.map((p) => `lr ${p.lr}`),
      },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "loss" }, type: "log" },
    },
  };
}

/** Loss against the exponent of the learning rate (lr = 10^x), as the finder swept it. */
export function lrFinderFigure(result: LrFinderResult): Figure {
  return {
    data: [
      {
        type: "scatter",
        mode: "lines",
        name: "minibatch loss",
        x: result.exponents,
        y: result.losses,
        text: result.learningRates.map((lr) => `lr ${lr.toPrecision(3)}`),
      },
    ],
    layout: {
      title: { text: "Learning-rate finder: loss while the rate grows from 10^-3 to 10^0" },
      xaxis: { title: { text: "log10(learning rate)" } },
      yaxis: { title: { text: "loss" } },
    },
  };
}

/**
 * The 27 characters at (C[:, dimX], C[:, dimY]): a big marker per row of the embedding table
 * with its letter on top. `table` is C as nested rows (e.g. `await model.C.array()`).
 */
export function embeddingScatterFigure(table: readonly (readonly number[])[], dims: [number, number] = [0, 1], labels: string = CHARACTERS): Figure {
  const [dx, dy] = dims;
  if (table.length === 0 || table[0].length <= Math.max(dx, dy)) {
    throw new Error(`embedding table has ${table[0]?.length ?? 0} columns; cannot plot dimensions ${dx} and ${dy}`);
  }
  return {
    data: [
      {
        type: "scatter",
        mode: "markers+text",
        x: table.map((row) => row[dx]),
        y: table.map((row) => row[dy]),
        text: table.map((_, i) => labels[i] ?? String(i)),
        textposition: "middle center",
        textfont: { color: "white", size: 13 },
        marker: { size: 26, color: "#1f77b4" },
        hoverinfo: "text+x+y",
      },
    ],
    layout: {
      title: { text: `Character embeddings: dimensions ${dx} and ${dy} of C` },
      xaxis: { title: { text: `C[:, ${dx}]` } },
      yaxis: { title: { text: `C[:, ${dy}]` }, scaleanchor: "x" },
      width: 620,
      height: 600,
      showlegend: false,
    },
  };
}
