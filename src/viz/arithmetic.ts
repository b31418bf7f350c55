/**
 * Figures of the arithmetic study as plain Plotly JSON: the addition generalization grid, the
 * cosine similarity of digit embeddings, attention maps, and loss against number base.
 */
import type { Figure, PlotlyTrace } from "../display/figure";
import type { AdditionGridPoint } from "../eval/arithmetic";
import { tokenMatrixFigure } from "./rnn-primer";

const BEAM_COLORS = ["#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#4575b4", "#74add1", "#abd9e9", "#8073ac", "#b2abd2", "#7f7f7f"];
export const NO_CORRECT_BEAM_COLOR = "#d73027";

/**
 * The addition generalization grid: one marker per sampled pair (a, b), colored by the index of
 * the first beam with the right sum; red when none of the beams is right. Dashed lines mark the
 * training range.
 */
export function additionGridFigure(points: readonly AdditionGridPoint[], options: { beams?: number; trainMax?: number; title?: string } = {}): Figure {
  const beams = options.beams ?? Math.max(1, ...points.map((p) => p.firstCorrectBeam + 1));
  const data: PlotlyTrace[] = [];
  for (let b = -1; b < beams; b++) {
    const group = points.filter((p) => p.firstCorrectBeam === b);
    if (group.length === 0) continue;
    data.push({
      type: "scatter",
      mode: "markers",
      name: b < 0 ? `no correct beam in top ${beams}` : `beam ${b + 1}`,
      x: group.map((p) => p.a),
      y: group.map((p) => p.b),
      marker: { color: b < 0 ? NO_CORRECT_BEAM_COLOR : BEAM_COLORS[b % BEAM_COLORS.length], size: 6 },
    });
  }
  const shapes =
    options.trainMax !== undefined
      ? [
          { type: "line", x0: options.trainMax, x1: options.trainMax, y0: 0, y1: 1, yref: "paper", line: { dash: "dash", color: "#555" } },
          { type: "line", y0: options.trainMax, y1: options.trainMax, x0: 0, x1: 1, xref: "paper", line: { dash: "dash", color: "#555" } },
        ]
      : [];
  return {
    data,
    layout: {
      title: { text: options.title ?? "Addition: first beam with the right sum" },
      xaxis: { title: { text: "a" } },
      yaxis: { title: { text: "b" }, scaleanchor: "x" },
      shapes,
      height: 520,
      legend: { orientation: "h" },
    },
  };
}

/** Cosine similarity matrix of row vectors. */
export function cosineSimilarityMatrix(vectors: readonly (readonly number[])[]): number[][] {
  const norms = vectors.map((v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1);
  return vectors.map((u, i) =>
    vectors.map((v, j) => {
      let dot = 0;
      for (let k = 0; k < u.length; k++) dot += u[k] * v[k];
      return dot / (norms[i] * norms[j]);
    }),
  );
}

/** Set the diagonal to the largest off-diagonal value (so the ones on the diagonal do not wash out the colors). */
export function clipDiagonal(matrix: readonly (readonly number[])[]): number[][] {
  let maxOff = -Infinity;
  matrix.forEach((row, i) => row.forEach((v, j) => i !== j && v > maxOff && (maxOff = v)));
  return matrix.map((row, i) => row.map((v, j) => (i === j && Number.isFinite(maxOff) ? maxOff : v)));
}

/** Heatmap of the cosine similarities of embedding rows (e.g. digit tokens), diagonal clipped. */
export function embeddingSimilarityFigure(vectors: readonly (readonly number[])[], labels: readonly string[], options: { title?: string } = {}): Figure {
  if (vectors.length !== labels.length) throw new Error(`embeddingSimilarityFigure: ${vectors.length} vectors but ${labels.length} labels`);
  return tokenMatrixFigure(clipDiagonal(cosineSimilarityMatrix(vectors)), labels, {
    title: options.title ?? "Cosine similarity of digit embeddings (diagonal clipped)",
    colorbar: "cosine",
    axisTitle: "digit",
    width: 560,
    height: 520,
  });
}

/**
 * Attention maps of one layer, one heatmap per head side by side: `weights[head][query][key]`.
 */
export function attentionFigure(
  weights: readonly (readonly (readonly number[])[])[],
  queryLabels: readonly string[],
  keyLabels: readonly string[],
  options: { title?: string } = {},
): Figure {
  const heads = weights.length;
  const data: PlotlyTrace[] = weights.map((z, h) => ({
    type: "heatmap",
    z,
    x: keyLabels.map((l, i) => `${i}:${l}`),
    y: queryLabels.map((l, i) => `${i}:${l}`),
    zmin: 0,
    zmax: 1,
    colorscale: "Viridis",
    showscale: h === heads - 1,
    xaxis: h === 0 ? "x" : `x${h + 1}`,
    yaxis: h === 0 ? "y" : `y${h + 1}`,
  }));
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? "Attention" },
    grid: { rows: 1, columns: heads, pattern: "independent" },
    height: 320,
    width: Math.max(400, 260 * heads),
  };
  for (let h = 0; h < heads; h++) {
    const suffix = h === 0 ? "" : String(h + 1);
    layout[`xaxis${suffix}`] = { type: "category", title: { text: `head ${h + 1}` }, tickangle: -60 };
    layout[`yaxis${suffix}`] = { type: "category", autorange: "reversed", showticklabels: h === 0 };
  }
  return { data, layout };
}

export interface BaseComparisonRow {
  base: number;
  /** Final validation loss (or any figure to compare). */
  loss: number;
  label?: string;
}

/** Bars of a figure (default: validation loss) for models trained in different bases. */
export function baseComparisonFigure(rows: readonly BaseComparisonRow[], options: { title?: string; yTitle?: string } = {}): Figure {
  const sorted = [...rows].sort((a, b) => a.base - b.base);
  return {
    data: [
      {
        type: "bar",
        x: sorted.map((r) => r.label ?? `base ${r.base}`),
        y: sorted.map((r) => r.loss),
        text: sorted.map((r) => r.loss.toFixed(3)),
        textposition: "outside",
        marker: { color: "#4575b4" },
      },
    ],
    layout: {
      title: { text: options.title ?? "Validation loss by number base" },
      xaxis: { type: "category", title: { text: "base" } },
      yaxis: { title: { text: options.yTitle ?? "validation loss (per token)" } },
      height: 360,
    },
  };
}
