/**
 * Figures of the RNN/embedding primer, as plain Plotly JSON: a labelled matrix heatmap (integer
 * distances, cosine similarities of one-hot or embedding rows) and test accuracy by target index.
 */
import type { Figure } from "../display/figure";

/** Heatmap of a square matrix whose rows and columns are tokens. */
export function tokenMatrixFigure(
  matrix: readonly (readonly number[])[],
  labels: readonly string[],
  options: { title?: string; colorbar?: string; zmin?: number; zmax?: number; axisTitle?: string; width?: number; height?: number } = {},
): Figure {
  if (matrix.length !== labels.length) throw new Error(`tokenMatrixFigure: ${matrix.length} rows but ${labels.length} labels`);
  return {
    data: [
      {
        type: "heatmap",
        z: matrix.map((r) => [...r]),
        x: [...labels],
        y: [...labels],
        colorscale: "RdBu",
        reversescale: true,
        zmin: options.zmin,
        zmax: options.zmax,
        colorbar: { title: { text: options.colorbar ?? "" } },
      },
    ],
    layout: {
      title: { text: options.title ?? "" },
      xaxis: { type: "category", title: { text: options.axisTitle ?? "token" } },
      yaxis: { type: "category", autorange: "reversed", title: { text: options.axisTitle ?? "token" } },
      width: options.width ?? 520,
      height: options.height ?? 480,
    },
  };
}

/** Test accuracy of one model per target index. */
export function accuracyByIndexFigure(points: readonly { targetIndex: number; testAccuracy: number }[], title = "LSTM test accuracy by target index"): Figure {
  return {
    data: [
      {
        type: "scatter",
        mode: "lines+markers",
        x: points.map((p) => p.targetIndex),
        y: points.map((p) => p.testAccuracy),
        name: "test accuracy",
      },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "index of the digit to output" }, dtick: 1 },
      yaxis: { title: { text: "test accuracy" }, range: [0, 1.05] },
    },
  };
}
