/**
 * Training curves as plain Plotly JSON: loss (or any metric) against step, optionally smoothed,
 * optionally on a log axis. Accepts either a bare array of values (step = index) or records with
 * `step` and `loss`, as written to metrics.jsonl.
 */
import type { Figure, PlotlyTrace } from "../display/figure";
import { logAxisTicks, plotHeight } from "./axes";

export interface LossPoint {
  step: number;
  loss: number;
}

export interface LossCurveOptions {
  /** Chart title. Default "Training loss". */
  title?: string;
  /** Legend name of the raw series. Default "loss". */
  name?: string;
  /** Y axis title. Default "loss". */
  yTitle?: string;
  /** Log-scaled y axis. Default false. */
  logY?: boolean;
  /**
   * Add an exponentially smoothed copy of each series (TensorBoard-style, debiased); the weight
   * of the past, in [0, 1). 0 or undefined: no smoothed trace.
   */
  smoothing?: number;
  /** Plot height in pixels. Default 360. */
  height?: number;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/** Normalize values or {step, loss} records to sorted points, dropping non-finite losses. */
export function toLossPoints(points: readonly number[] | readonly LossPoint[]): LossPoint[] {
  const out: LossPoint[] = [];
  points.forEach((p: number | LossPoint, i: number) => {
    const point = typeof p === "number" ? { step: i, loss: p } : p;
    if (point === null || typeof point !== "object" || typeof point.step !== "number" || typeof point.loss !== "number") {
      throw new Error(`lossCurve: point ${i} must be a number or {step, loss}, got ${JSON.stringify(p)}`);
    }
    if (Number.isFinite(point.loss) && Number.isFinite(point.step)) out.push({ step: point.step, loss: point.loss });
  });
  return out.sort((a, b) => a.step - b.step);
}

/** Debiased exponential moving average (the smoothing TensorBoard applies). */
export function smoothLosses(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`smoothing must be in [0, 1), got ${weight}`);
  const out: number[] = [];
  let avg = 0;
  values.forEach((v, i) => {
    avg = avg * weight + (1 - weight) * v;
    out.push(avg / (1 - Math.pow(weight, i + 1)));
  });
  return out;
}

function seriesTraces(name: string, points: LossPoint[], color: string, smoothing: number | undefined): PlotlyTrace[] {
  const x = points.map((p) => p.step);
  const y = points.map((p) => p.loss);
  const smoothed = smoothing !== undefined && smoothing > 0;
  const raw: PlotlyTrace = {
    type: "scatter",
    mode: points.length === 1 ? "markers" : "lines",
    name,
    x,
    y,
    line: { color, width: smoothed ? 1 : 2 },
    marker: { color },
    ...(smoothed ? { opacity: 0.35 } : {}),
  };
  if (!smoothed) return [raw];
  return [raw, { type: "scatter", mode: "lines", name: `${name} (smoothed)`, x, y: smoothLosses(y, smoothing), line: { color, width: 2 } }];
}

/**
 * Several named curves on one chart (e.g. train and eval loss). Each series is an array of
 * values (step = index) or of {step, loss} records.
 */
export function lossCurves(series: Record<string, readonly number[] | readonly LossPoint[]>, options: LossCurveOptions = {}): Figure {
  const names = Object.keys(series);
  if (names.length === 0) throw new Error("lossCurves: no series given");
  const points = names.map((name) => toLossPoints(series[name]));
  const data = names.flatMap((name, i) => seriesTraces(name, points[i], PALETTE[i % PALETTE.length], options.smoothing));
  const height = options.height ?? 360;
  const logTicks = options.logY
    ? logAxisTicks(
        points.flat().map((p) => p.loss),
        plotHeight(height, 100),
      )
    : {};
  return {
    data,
    layout: {
      title: { text: options.title ?? "Training loss" },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: options.yTitle ?? "loss" }, type: options.logY ? "log" : "linear", ...logTicks },
      height,
      margin: { l: 60, r: 20, t: 50, b: 50 },
      showlegend: data.length > 1,
    },
  };
}

/** One loss curve: `lossCurve([2.3, 1.9, 1.2])` or `lossCurve(readMetrics(dir))`-style records. */
export function lossCurve(points: readonly number[] | readonly LossPoint[], options: LossCurveOptions = {}): Figure {
  return lossCurves({ [options.name ?? "loss"]: points }, options);
}
