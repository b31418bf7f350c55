/**
 * Figures of the next-term benchmark (`eval/next-term.ts`) as plain Plotly JSON: accuracy of each
 * method by prefix or by a feature of the given terms, and each method's top-1 / top-k / coverage.
 */
import type { Figure, PlotlyTrace } from "../display/figure";
import type { NextTermScores } from "../eval/next-term";

const METHOD_COLORS: Record<string, string> = {
  cascade: "#1f77b4",
  lstm: "#d62728",
  "cascade+lstm": "#9467bd",
  frequency: "#ff7f0e",
  "last-difference": "#7f7f7f",
  periodic: "#aec7e8",
  polynomial: "#98df8a",
  "linear-recurrence": "#2ca02c",
  holonomic: "#17becf",
  transform: "#bcbd22",
};

const GROUP_TITLES: Record<string, string> = {
  prefix: "given terms (prefix)",
  length: "number of given terms",
  growth: "growth of the bit length over the given terms",
  signChanges: "sign changes in the given terms",
};

/** The methods the summary figures show by default: the cascade, the learned and baseline methods, and their combination. */
export const HEADLINE_METHODS: readonly string[] = ["cascade", "lstm", "cascade+lstm", "frequency", "last-difference"];

/**
 * Grouped bars: top-1 (or top-k) accuracy of each method in each group of `by` ("prefix",
 * "length", "growth", "signChanges"), with the number of items per group on the axis.
 */
export function nextTermAccuracyFigure(
  scores: NextTermScores,
  options: { by?: string; methods?: readonly string[]; metric?: "top1" | "topk"; title?: string } = {},
): Figure {
  const by = options.by ?? "prefix";
  const metric = options.metric ?? "top1";
  const groups = scores.groups.filter((g) => g.by === by);
  if (groups.length === 0) throw new Error(`nextTermAccuracyFigure: no groups by "${by}" (have ${[...new Set(scores.groups.map((g) => g.by))].join(", ")})`);
  const available = Object.keys(scores.methods);
  const methods = (options.methods ?? HEADLINE_METHODS).filter((m) => available.includes(m));
  const labels = groups.map((g) => `${g.value} (${g.n})`);
  const data: PlotlyTrace[] = methods.map((m) => ({
    type: "bar",
    name: m,
    x: labels,
    y: groups.map((g) => 100 * (metric === "top1" ? g.methods[m].top1 : g.methods[m].topk)),
    marker: { color: METHOD_COLORS[m] ?? "#8c564b" },
    hovertemplate: `${m}: %{y:.1f}%<extra></extra>`,
  }));
  const what = metric === "top1" ? "top-1" : `top-${scores.k}`;
  return {
    data,
    layout: {
      title: { text: options.title ?? `Next-term ${what} accuracy by ${GROUP_TITLES[by] ?? by}` },
      barmode: "group",
      xaxis: { title: { text: `${GROUP_TITLES[by] ?? by} (items)` } },
      yaxis: { title: { text: `${what} accuracy (%)` }, rangemode: "tozero" },
    },
  };
}

/** One bar group per method: top-1, top-k and coverage (%), over all items. */
export function nextTermMethodsFigure(scores: NextTermScores, options: { methods?: readonly string[]; title?: string } = {}): Figure {
  const methods = options.methods ?? Object.keys(scores.methods);
  const series: { name: string; value: (m: string) => number; color: string }[] = [
    { name: "top-1", value: (m) => scores.methods[m].top1, color: "#1f77b4" },
    { name: `top-${scores.k}`, value: (m) => scores.methods[m].topk, color: "#aec7e8" },
    { name: "coverage", value: (m) => scores.methods[m].coverage, color: "#c7c7c7" },
  ];
  return {
    data: series.map((s) => ({ type: "bar", name: s.name, x: [...methods], y: methods.map((m) => 100 * s.value(m)), marker: { color: s.color } })),
    layout: {
      title: { text: options.title ?? `Next term on ${scores.n} held-out items: accuracy and coverage` },
      barmode: "group",
      yaxis: { title: { text: "% of items" }, range: [0, 100] },
    },
  };
}
