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
 * training range. Square (one unit of a is as long as one of b) by narrowing the plot area, not by
 * widening the range beyond the data; the legend stands at the right, clear of the axis titles.
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
  // The training range's edges, drawn across the data (paper-wide lines would run past the square plot).
  const [aLo, aHi] = [Math.min(0, ...points.map((p) => p.a)), Math.max(0, ...points.map((p) => p.a))];
  const [bLo, bHi] = [Math.min(0, ...points.map((p) => p.b)), Math.max(0, ...points.map((p) => p.b))];
  const shapes =
    options.trainMax !== undefined
      ? [
          { type: "line", x0: options.trainMax, x1: options.trainMax, y0: bLo, y1: bHi, line: { dash: "dash", color: "#555" } },
          { type: "line", y0: options.trainMax, y1: options.trainMax, x0: aLo, x1: aHi, line: { dash: "dash", color: "#555" } },
        ]
      : [];
  return {
    data,
    layout: {
      title: { text: options.title ?? "Addition: first beam with the right sum" },
      xaxis: { title: { text: "a" }, constrain: "domain" },
      yaxis: { title: { text: "b" }, scaleanchor: "x", constrain: "domain" },
      shapes,
      height: 520,
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

/** Widest a figure may be: what a notebook's output area shows without cutting it or scrolling. */
const MAX_FIGURE_WIDTH = 940;

/**
 * Attention maps of one layer, one heatmap per head: `weights[head][query][key]`, side by side in
 * rows of as many as fit `MAX_FIGURE_WIDTH`. The size follows the sequences (about 22 px per
 * token, room for the rotated key labels below each row), so long sequences and many heads
 * neither crowd their labels nor push heads and the colour bar out of sight.
 */
export function attentionFigure(
  weights: readonly (readonly (readonly number[])[])[],
  queryLabels: readonly string[],
  keyLabels: readonly string[],
  options: { title?: string } = {},
): Figure {
  const heads = weights.length;
  const longest = Math.max(1, ...keyLabels.map((l, i) => `${i}:${l}`.length));
  const left = 40 + Math.ceil(6.5 * Math.max(1, ...queryLabels.map((l, i) => `${i}:${l}`.length)));
  const right = 90;
  const cellWidth = Math.max(170, 22 * keyLabels.length);
  const columns = Math.max(1, Math.min(heads, Math.floor((MAX_FIGURE_WIDTH - left - right) / (cellWidth * 1.12))));
  const rows = Math.ceil(heads / columns);
  const plotPx = Math.max(150, 22 * queryLabels.length);
  // Below each row: its rotated key labels and the "head n" titles.
  const labelPx = 45 + Math.ceil(6.5 * longest * Math.sin(Math.PI / 3));
  const data: PlotlyTrace[] = weights.map((z, h) => ({
    type: "heatmap",
    z,
    x: keyLabels.map((l, i) => `${i}:${l}`),
    y: queryLabels.map((l, i) => `${i}:${l}`),
    zmin: 0,
    zmax: 1,
    colorscale: "Viridis",
    showscale: h === heads - 1,
    colorbar: { title: { text: "weight" }, thickness: 14, len: 1, lenmode: "fraction" },
    xaxis: h === 0 ? "x" : `x${h + 1}`,
    yaxis: h === 0 ? "y" : `y${h + 1}`,
  }));
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? "Attention" },
    grid: { rows, columns, pattern: "independent", xgap: 0.12, ygap: labelPx / (plotPx + labelPx), roworder: "top to bottom" },
    height: rows * (plotPx + labelPx) + 80,
    width: Math.max(420, columns * cellWidth * 1.12 + left + right),
    margin: { t: 80, b: labelPx, l: left, r: right },
  };
  for (let h = 0; h < heads; h++) {
    const suffix = h === 0 ? "" : String(h + 1);
    layout[`xaxis${suffix}`] = { type: "category", title: { text: `head ${h + 1}` }, tickangle: -60 };
    layout[`yaxis${suffix}`] = { type: "category", autorange: "reversed", showticklabels: h % columns === 0 };
  }
  return { data, layout };
}

export interface BaseComparisonRow {
  base: number;
  /** Final validation loss (or any figure to compare). */
  loss: number;
  label?: string;
}

/** Bars of a figure (default: validation loss) for models trained in different bases, each labelled with its value above it. */
export function baseComparisonFigure(rows: readonly BaseComparisonRow[], options: { title?: string; yTitle?: string } = {}): Figure {
  const sorted = [...rows].sort((a, b) => a.base - b.base);
  const top = Math.max(0, ...sorted.map((r) => r.loss));
  const bottom = Math.min(0, ...sorted.map((r) => r.loss));
  return {
    data: [
      {
        type: "bar",
        x: sorted.map((r) => r.label ?? `base ${r.base}`),
        y: sorted.map((r) => r.loss),
        text: sorted.map((r) => r.loss.toFixed(3)),
        textposition: "outside",
        cliponaxis: false,
        marker: { color: "#4575b4" },
      },
    ],
    layout: {
      title: { text: options.title ?? "Validation loss by number base" },
      xaxis: { type: "category", title: { text: "base" } },
      // Room above the tallest bar for its label (Plotly's autorange leaves none).
      yaxis: { title: { text: options.yTitle ?? "validation loss (per token)" }, range: [bottom * 1.15, top * 1.15 || 1] },
      height: 360,
    },
  };
}
