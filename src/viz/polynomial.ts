/**
 * Figures of the polynomial EDA (`eval/polynomial-eda.ts`), as plain Plotly JSON.
 */
import type { Figure } from "../display/figure";
import type { PolynomialEda, PolynomialValueDistribution } from "../eval/polynomial-eda";
import { legendAbove, logAxisTicks, plotHeight } from "./axes";

const SOURCE_COLOR = "#1f77b4";
const TARGET_COLOR = "#ff7f0e";

function lengths(counts: number[]): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  counts.forEach((c, i) => {
    if (c > 0) {
      x.push(i);
      y.push(c);
    }
  });
  return { x, y };
}

/** Source and target length distributions side by side, in characters or tokens. */
export function polynomialLengthFigure(eda: PolynomialEda, unit: "chars" | "tokens" = "tokens"): Figure {
  const src = unit === "chars" ? eda.sourceChars : eda.sourceTokens;
  const trg = unit === "chars" ? eda.targetChars : eda.targetTokens;
  return {
    data: [
      { type: "bar", name: "factored (source)", ...lengths(src.counts), marker: { color: SOURCE_COLOR }, opacity: 0.75 },
      { type: "bar", name: "expanded (target)", ...lengths(trg.counts), marker: { color: TARGET_COLOR }, opacity: 0.75 },
    ],
    layout: {
      title: { text: `Sequence length (${unit === "chars" ? "characters" : "tokens, without <sos>/<eos>"})` },
      barmode: "group",
      xaxis: { title: { text: unit === "chars" ? "characters" : "tokens" } },
      yaxis: { title: { text: "pairs" } },
    },
  };
}

/** Token frequencies of sources and targets (tokens in order of total frequency). */
export function polynomialTokenFrequencyFigure(eda: PolynomialEda): Figure {
  const src = new Map(eda.sourceTokenFrequencies);
  const trg = new Map(eda.targetTokenFrequencies);
  const tokens = [...new Set([...src.keys(), ...trg.keys()])].sort((a, b) => (trg.get(b) ?? 0) + (src.get(b) ?? 0) - (trg.get(a) ?? 0) - (src.get(a) ?? 0));
  return {
    data: [
      { type: "bar", name: "source", x: tokens, y: tokens.map((t) => src.get(t) ?? 0), marker: { color: SOURCE_COLOR } },
      { type: "bar", name: "target", x: tokens, y: tokens.map((t) => trg.get(t) ?? 0), marker: { color: TARGET_COLOR } },
    ],
    layout: {
      title: { text: `Token vocabulary (${tokens.length} tokens) and frequencies` },
      barmode: "group",
      xaxis: { title: { text: "token" }, type: "category" },
      yaxis: { title: { text: "occurrences" }, type: "log" },
    },
  };
}

/** Lines per variable letter and per kind of "variable" (plain letter, sin, cos, tan). */
export function polynomialVariableFigure(eda: PolynomialEda): Figure {
  const letters = [...eda.letters].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const total = eda.pairs || 1;
  return {
    data: [
      { type: "bar", name: "letter", x: letters.map(([l]) => l), y: letters.map(([, n]) => n / total), marker: { color: SOURCE_COLOR } },
      {
        type: "bar",
        name: "variable kind",
        x: eda.functions.map(([k]) => k),
        y: eda.functions.map(([, n]) => n / total),
        xaxis: "x2",
        yaxis: "y2",
        marker: { color: TARGET_COLOR },
      },
    ],
    layout: {
      title: { text: "Variables: letters and sin/cos/tan shares" },
      grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: { title: { text: "letter" }, type: "category" },
      yaxis: { title: { text: "share of lines" }, tickformat: ".0%" },
      xaxis2: { title: { text: "kind" }, type: "category" },
      yaxis2: {
        type: "log",
        title: { text: "share of lines (log)" },
        tickformat: ".1%",
        ...logAxisTicks(
          eda.functions.map(([, n]) => n / total),
          plotHeight(450),
        ),
      },
    },
  };
}

/** Number of terms in the expanded targets. */
export function polynomialTermCountFigure(eda: PolynomialEda): Figure {
  return {
    data: [{ type: "bar", name: "targets", x: eda.targetTerms.map(([t]) => String(t)), y: eda.targetTerms.map(([, n]) => n), marker: { color: TARGET_COLOR } }],
    layout: { title: { text: "Terms in the expanded polynomial" }, xaxis: { title: { text: "terms" }, type: "category" }, yaxis: { title: { text: "pairs" } } },
  };
}

/** Target coefficient distributions by degree (x², x, constant), as step histograms. */
export function polynomialCoefficientFigure(eda: PolynomialEda): Figure {
  const names: Record<string, string> = { "2": "x² coefficient", "1": "x coefficient", "0": "constant" };
  const data = Object.entries(eda.targetCoefficients)
    .sort((a, b) => Number(b[0]) - Number(a[0]))
    .map(([degree, d]: [string, PolynomialValueDistribution]) => ({
      type: "scatter",
      mode: "lines",
      line: { shape: "hvh" },
      name: `${names[degree] ?? `degree ${degree}`} (${d.min} … ${d.max})`,
      x: d.values.map(([v]) => v),
      y: d.values.map(([, c]) => c),
    }));
  return {
    data,
    layout: {
      title: { text: "Coefficients of the expanded targets" },
      xaxis: { title: { text: "coefficient" } },
      yaxis: { title: { text: "terms" }, type: "log" },
    },
  };
}

/** Slopes and intercepts of the linear factors `a*v+b` of the sources. */
export function polynomialFactorFigure(eda: PolynomialEda): Figure {
  return {
    data: [
      {
        type: "bar",
        name: "slope a",
        x: eda.factorSlopes.values.map(([v]) => v),
        y: eda.factorSlopes.values.map(([, c]) => c),
        marker: { color: SOURCE_COLOR },
      },
      {
        type: "bar",
        name: "monomial factor c·v",
        x: eda.monomialCoefficients.values.map(([v]) => v),
        y: eda.monomialCoefficients.values.map(([, c]) => c),
        marker: { color: "#2ca02c" },
      },
      {
        type: "bar",
        name: "intercept b",
        x: eda.factorIntercepts.values.map(([v]) => v),
        y: eda.factorIntercepts.values.map(([, c]) => c),
        marker: { color: TARGET_COLOR },
        xaxis: "x2",
        yaxis: "y2",
      },
    ],
    layout: {
      title: { text: "Factors of the sources: a·v + b and monomials c·v" },
      barmode: "group",
      grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: { title: { text: "a" } },
      yaxis: { title: { text: "factors" } },
      xaxis2: { title: { text: "b" } },
      yaxis2: { title: { text: "factors" }, type: "log" },
    },
  };
}

/** The most frequent source shapes (numbers N, variables V), optionally compared with a second report. */
export function polynomialShapeFigure(eda: PolynomialEda, options: { top?: number; compare?: PolynomialEda; labels?: [string, string] } = {}): Figure {
  const top = eda.shapes.slice(0, options.top ?? 15);
  const shapes = top.map(([s]) => s).reverse();
  const [labelA, labelB] = options.labels ?? ["data", "comparison"];
  const shareOf = (report: PolynomialEda, s: string): number => (report.shapes.find(([x]) => x === s)?.[1] ?? 0) / (report.pairs || 1);
  const data: Figure["data"] = [
    { type: "bar", orientation: "h", name: labelA, y: shapes, x: shapes.map((s) => shareOf(eda, s)), marker: { color: SOURCE_COLOR } },
  ];
  if (options.compare) {
    const other = options.compare;
    data.push({ type: "bar", orientation: "h", name: labelB, y: shapes, x: shapes.map((s) => shareOf(other, s)), marker: { color: TARGET_COLOR } });
  }
  return {
    data,
    layout: {
      title: { text: "Most frequent source shapes" },
      barmode: "group",
      height: 120 + 28 * shapes.length,
      margin: { l: 160 },
      xaxis: { title: { text: "share of lines" }, tickformat: ".1%" },
      yaxis: { type: "category", automargin: true },
    },
  };
}

/** One metrics.jsonl record of a polynomial run (the fields this figure uses). */
export interface PolynomialMetricsRecord {
  step: number;
  loss?: number;
  valLoss?: number;
  valExactMatch?: number;
  valEquivalent?: number;
  /** Exact match on generated validation pairs over every letter a–z (runs trained with `augment`). */
  valAzExactMatch?: number;
}

/** Learning curve of a polynomial run: train/val loss (left axis) and val exact match / equivalence (right axis). */
export function polynomialLearningCurveFigure(records: readonly PolynomialMetricsRecord[], title = "Learning curve"): Figure {
  const series = (key: keyof PolynomialMetricsRecord) => {
    const rows = records.filter((r) => typeof r[key] === "number" && Number.isFinite(r[key] as number));
    return { x: rows.map((r) => r.step), y: rows.map((r) => r[key] as number) };
  };
  return {
    data: [
      { type: "scatter", mode: "lines", name: "train loss", ...series("loss"), line: { color: SOURCE_COLOR } },
      { type: "scatter", mode: "lines", name: "val loss", ...series("valLoss"), line: { color: TARGET_COLOR } },
      { type: "scatter", mode: "lines+markers", name: "val exact match", ...series("valExactMatch"), yaxis: "y2", line: { color: "#2ca02c" } },
      { type: "scatter", mode: "lines+markers", name: "val equivalent", ...series("valEquivalent"), yaxis: "y2", line: { color: "#9467bd", dash: "dot" } },
      ...(records.some((r) => typeof r.valAzExactMatch === "number")
        ? [
            {
              type: "scatter",
              mode: "lines+markers",
              name: "val exact match, a–z (generated)",
              ...series("valAzExactMatch"),
              yaxis: "y2",
              line: { color: "#d62728" },
            },
          ]
        : []),
    ],
    layout: {
      ...legendAbove(),
      title: { ...legendAbove().title, text: title },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "cross-entropy" }, type: "log", ...logAxisTicks([...series("loss").y, ...series("valLoss").y], plotHeight(450, 170)) },
      yaxis2: { title: { text: "accuracy" }, overlaying: "y", side: "right", range: [0, 1], tickformat: ".0%" },
    },
  };
}
