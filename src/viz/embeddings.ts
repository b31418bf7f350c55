/**
 * Pictures of integer embeddings and of their training: PCA (ml-pca) 2-D/3-D scatters with the
 * explained variance, UMAP (umap-js, seeded) 2-D scatters, colored by a property (div5, prime,
 * ...) or by the integer's value; the training loss curve and probe accuracy over steps.
 * All builders return plain Plotly JSON.
 */
import { PCA } from "ml-pca";
import { UMAP } from "umap-js";
import type { Figure, PlotlyTrace } from "../display/figure";
import { Rng } from "../random";
import type { IntegerEmbeddings } from "../embeddings/tsv";
import { PROPERTY_NAMES, PropertyName, propertyLabels } from "../eval/number-properties";

export type ColorBy = PropertyName | "value";

export interface Projection {
  /** One point (2 or 3 coordinates) per input vector. */
  points: number[][];
  /** Share of the total variance explained by each PCA component (PCA only). */
  explainedVariance?: number[];
  method: "pca" | "umap";
}

function toArrays(vectors: ReadonlyArray<ArrayLike<number>>): number[][] {
  return vectors.map((v) => Array.from(v));
}

/** Project onto the first `dims` principal components (centered, not scaled). */
export function pcaProjection(vectors: ReadonlyArray<ArrayLike<number>>, dims: 2 | 3 = 2): Projection {
  if (vectors.length < dims + 1) throw new Error(`PCA: need more than ${dims} vectors, got ${vectors.length}`);
  const data = toArrays(vectors);
  const pca = new PCA(data, { center: true, scale: false });
  const points = pca.predict(data, { nComponents: dims }).to2DArray();
  const explainedVariance = pca.getExplainedVariance().slice(0, dims);
  return { points, explainedVariance, method: "pca" };
}

export interface UmapOptions {
  /** Seed of UMAP's random choices. Default 0. */
  seed?: number;
  /** Default 15 (fewer when there are few points). */
  nNeighbors?: number;
  /** Default 0.1. */
  minDist?: number;
}

/** 2-D UMAP embedding, deterministic for a seed. */
export function umapProjection(vectors: ReadonlyArray<ArrayLike<number>>, options: UmapOptions = {}): Projection {
  if (vectors.length < 4) throw new Error(`UMAP: need at least 4 vectors, got ${vectors.length}`);
  const rng = new Rng(options.seed ?? 0);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.nNeighbors ?? 15, vectors.length - 1),
    minDist: options.minDist ?? 0.1,
    random: () => rng.next(),
  });
  const points = umap.fit(toArrays(vectors));
  return { points, method: "umap" };
}

export interface ScatterOptions {
  colorBy?: ColorBy;
  title?: string;
}

const PROPERTY_LABEL: Record<PropertyName, string> = {
  div2: "divisible by 2",
  div3: "divisible by 3",
  div4: "divisible by 4",
  div5: "divisible by 5",
  div10: "divisible by 10",
  prime: "prime",
};

/** A 2-D or 3-D scatter of projected integers colored by a property or by value. */
export function projectionScatter(projection: Projection, integers: number[], options: ScatterOptions = {}): Figure {
  const { points } = projection;
  if (points.length !== integers.length) throw new Error(`scatter: ${points.length} points but ${integers.length} integers`);
  const dims = points.length ? points[0].length : 2;
  const is3d = dims === 3;
  const colorBy = options.colorBy ?? "value";
  const type = is3d ? "scatter3d" : "scatter";
  const axisName = projection.method === "pca" ? "PC" : "UMAP ";
  const coords = (idx: number[]): Record<string, unknown> => {
    const c: Record<string, unknown> = { x: idx.map((i) => points[i][0]), y: idx.map((i) => points[i][1]) };
    if (is3d) c.z = idx.map((i) => points[i][2]);
    return c;
  };
  const all = integers.map((_, i) => i);
  const traces: PlotlyTrace[] = [];
  if (colorBy === "value") {
    traces.push({
      type,
      mode: "markers",
      name: "integer",
      ...coords(all),
      text: integers.map(String),
      hovertemplate: "%{text}<extra></extra>",
      marker: { size: is3d ? 3 : 6, color: integers, colorscale: "Viridis", showscale: true, colorbar: { title: { text: "value" } } },
    });
  } else {
    if (!PROPERTY_NAMES.includes(colorBy)) throw new Error(`colorBy must be "value" or one of ${PROPERTY_NAMES.join(", ")}, got "${colorBy}"`);
    const labels = propertyLabels(integers, [colorBy])[colorBy];
    for (const [flag, name, color] of [
      [0, `not ${PROPERTY_LABEL[colorBy]}`, "#b0b0b0"],
      [1, PROPERTY_LABEL[colorBy], "#d62728"],
    ] as const) {
      const idx = all.filter((i) => labels[i] === flag);
      traces.push({
        type,
        mode: "markers",
        name,
        ...coords(idx),
        text: idx.map((i) => String(integers[i])),
        hovertemplate: "%{text}<extra></extra>",
        marker: { size: is3d ? 3 : 6, color, opacity: flag ? 0.95 : 0.6 },
      });
    }
  }
  const explained = projection.explainedVariance;
  const explainedText = explained ? ` — ${(100 * explained.reduce((a, b) => a + b, 0)).toFixed(1)}% of variance explained` : "";
  const title = `${options.title ?? (projection.method === "pca" ? "PCA" : "UMAP")}${explainedText}`;
  const axisTitle = (k: number): string => `${axisName}${k + 1}${explained ? ` (${(100 * explained[k]).toFixed(1)}%)` : ""}`;
  const layout: Record<string, unknown> = { title: { text: title }, height: 500 };
  if (is3d) layout.scene = { xaxis: { title: { text: axisTitle(0) } }, yaxis: { title: { text: axisTitle(1) } }, zaxis: { title: { text: axisTitle(2) } } };
  else Object.assign(layout, { xaxis: { title: { text: axisTitle(0) } }, yaxis: { title: { text: axisTitle(1) } } });
  return { data: traces, layout };
}

/** PCA scatter of integer embeddings (2-D or 3-D) colored by `colorBy`. */
export function pcaScatter(emb: IntegerEmbeddings, options: ScatterOptions & { dims?: 2 | 3 } = {}): Figure {
  return projectionScatter(pcaProjection(emb.vectors, options.dims ?? 2), emb.integers, options);
}

/** UMAP 2-D scatter of integer embeddings colored by `colorBy`. */
export function umapScatter(emb: IntegerEmbeddings, options: ScatterOptions & UmapOptions = {}): Figure {
  return projectionScatter(umapProjection(emb.vectors, options), emb.integers, options);
}

/** A metrics record as the LSTM trainer writes it (other keys ignored). */
export interface TrainingMetric {
  step: number;
  loss?: number;
  evalLoss?: number;
  probes?: Partial<Record<PropertyName, { train: number; test: number; majority: number }>>;
}

/** Training loss (and evaluation loss where present) against the step. */
export function trainingLossCurve(metrics: TrainingMetric[], options: { title?: string; logY?: boolean } = {}): Figure {
  const train = metrics.filter((m) => typeof m.loss === "number");
  const evals = metrics.filter((m) => typeof m.evalLoss === "number");
  const data: PlotlyTrace[] = [{ type: "scatter", mode: "lines", name: "training loss", x: train.map((m) => m.step), y: train.map((m) => m.loss) }];
  if (evals.length)
    data.push({ type: "scatter", mode: "lines+markers", name: "evaluation loss", x: evals.map((m) => m.step), y: evals.map((m) => m.evalLoss) });
  return {
    data,
    layout: {
      title: { text: options.title ?? "Cross-entropy loss" },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "loss (nats)" }, type: options.logY ? "log" : "linear" },
      height: 400,
    },
  };
}

/** Probe test accuracy of each target over training steps, with each majority baseline dotted. */
export function probeAccuracyCurve(metrics: TrainingMetric[], options: { targets?: PropertyName[]; split?: "train" | "test"; title?: string } = {}): Figure {
  const split = options.split ?? "test";
  const evals = metrics.filter((m) => m.probes);
  const targets = options.targets ?? PROPERTY_NAMES.filter((t) => evals.some((m) => m.probes?.[t]));
  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
  const data: PlotlyTrace[] = [];
  targets.forEach((t, k) => {
    const rows = evals.filter((m) => m.probes?.[t]);
    const color = palette[k % palette.length];
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${t} (${split})`,
      x: rows.map((m) => m.step),
      y: rows.map((m) => m.probes![t]![split]),
      line: { color },
    });
    if (rows.length) {
      const majority = rows[rows.length - 1].probes![t]!.majority;
      data.push({
        type: "scatter",
        mode: "lines",
        name: `${t} majority`,
        x: [rows[0].step, rows[rows.length - 1].step],
        y: [majority, majority],
        line: { color, dash: "dot", width: 1 },
        showlegend: false,
        hoverinfo: "skip",
      });
    }
  });
  return {
    data,
    layout: {
      title: { text: options.title ?? `Probe ${split} accuracy during training (dotted: majority baseline)` },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "accuracy" }, range: [0, 1.02] },
      height: 420,
    },
  };
}
