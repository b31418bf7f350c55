/**
 * Figures of the OEIS EDA (`data/oeis-stats.ts`) and of `SequenceDataset`, as plain Plotly JSON.
 */
import type { Figure } from "../display/figure";
import type { IntegerFrequencies, OeisStats } from "../data/oeis-stats";
import type { SequenceDataset } from "../datasets/sequence-dataset";

const COLOR = "#1f77b4";
const ACCENT = "#d62728";

/** Bar chart of sequence lengths (number of terms → number of sequences), with the mean marked. */
export function oeisLengthHistogramFigure(stats: OeisStats, title = "OEIS sequence lengths"): Figure {
  return {
    data: [
      {
        type: "bar",
        name: "sequences",
        x: stats.lengthHistogram.map(([len]) => len),
        y: stats.lengthHistogram.map(([, count]) => count),
        marker: { color: COLOR },
      },
    ],
    layout: {
      title: { text: `${title}: mean ${stats.lengthMean.toFixed(1)}, std ${stats.lengthStd.toFixed(1)}` },
      xaxis: { title: { text: "terms in the sequence" } },
      yaxis: { title: { text: "sequences" } },
      bargap: 0,
      shapes: [
        {
          type: "line",
          x0: stats.lengthMean,
          x1: stats.lengthMean,
          yref: "paper",
          y0: 0,
          y1: 1,
          line: { color: ACCENT, dash: "dash" },
        },
      ],
    },
  };
}

/**
 * Ranks (1-based) at which to sample a rank-frequency curve: every rank up to `dense`, then
 * about `perDecade` log-spaced ranks per power of ten, always including the last rank.
 */
export function logSpacedRanks(n: number, dense = 100, perDecade = 60): number[] {
  const ranks: number[] = [];
  for (let r = 1; r <= Math.min(n, dense); r++) ranks.push(r);
  if (n <= dense) return ranks;
  const step = Math.pow(10, 1 / perDecade);
  let x = dense;
  for (;;) {
    x *= step;
    const r = Math.round(x);
    if (r >= n) break;
    if (r > ranks[ranks.length - 1]) ranks.push(r);
  }
  ranks.push(n);
  return ranks;
}

/**
 * Log-log rank-frequency plot of the integers (Zipf plot): the r-th most frequent integer's count
 * against r. The curve is sampled at log-spaced ranks so the figure stays small; a dotted line
 * shows slope −1 through the first point for reference.
 */
export function oeisRankFrequencyFigure(frequencies: IntegerFrequencies | Int32Array, title = "OEIS integers: rank vs frequency"): Figure {
  const counts = frequencies instanceof Int32Array ? frequencies : frequencies.rankFrequency();
  const ranks = logSpacedRanks(counts.length);
  const y = ranks.map((r) => counts[r - 1]);
  const data: Figure["data"] = [
    { type: "scatter", mode: "lines+markers", name: "integers", x: ranks, y, marker: { color: COLOR, size: 3 }, line: { color: COLOR } },
  ];
  if (counts.length > 0) {
    const last = ranks[ranks.length - 1];
    data.push({
      type: "scatter",
      mode: "lines",
      name: "slope −1",
      x: [1, last],
      y: [counts[0], counts[0] / last],
      line: { color: "#7f7f7f", dash: "dot" },
    });
  }
  return {
    data,
    layout: {
      title: { text: `${title} (${counts.length.toLocaleString("en-US")} distinct)` },
      xaxis: { title: { text: "rank" }, type: "log" },
      yaxis: { title: { text: "occurrences" }, type: "log" },
    },
  };
}

/** Bar chart of the most frequent integers. */
export function oeisTopIntegersFigure(stats: OeisStats): Figure {
  return {
    data: [
      {
        type: "bar",
        x: stats.top.map(([v]) => String(v)),
        y: stats.top.map(([, c]) => c),
        marker: { color: COLOR },
      },
    ],
    layout: {
      title: { text: `The ${stats.top.length} most frequent integers` },
      xaxis: { title: { text: "integer" }, type: "category" },
      yaxis: { title: { text: "occurrences" } },
    },
  };
}

/** How often each id occurs in a dataset (the pad id shown separately), log y axis. */
export function sequenceValueHistogramFigure(dataset: SequenceDataset): Figure {
  const counts = dataset.valueHistogram();
  const x: number[] = [];
  const y: number[] = [];
  for (let v = 0; v < dataset.maxValue; v++) {
    if (counts[v] > 0) {
      x.push(v);
      y.push(counts[v]);
    }
  }
  return {
    data: [
      { type: "bar", name: "values", x, y, marker: { color: COLOR } },
      { type: "bar", name: `pad (${dataset.padId})`, x: [dataset.padId], y: [counts[dataset.maxValue]], marker: { color: ACCENT } },
    ],
    layout: {
      title: { text: `Values in the dataset (${dataset.size} rows × ${dataset.seqLen})` },
      xaxis: { title: { text: "value" } },
      yaxis: { title: { text: "occurrences" }, type: "log" },
      bargap: 0,
    },
  };
}
