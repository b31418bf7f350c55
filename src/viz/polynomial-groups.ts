/**
 * Figures of polynomial scores by group (`eval/polynomial.ts`'s `polynomialGroupScores`): exact
 * match per variable letter for one or more models, with the letters of the real data marked, and
 * exact match per form.
 */
import type { Figure } from "../display/figure";
import type { PolynomialGroupScores } from "../eval/polynomial";

const MODEL_COLORS = ["#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c"];

/** One model's scores for the figures: a name and its groups. */
export interface NamedPolynomialGroups {
  name: string;
  groups: PolynomialGroupScores;
}

/**
 * Exact match per variable letter a–z, one bar per model per letter. Letters in `seenLetters` (the
 * letters of the training data, e.g. the real data's 13) are shaded, so a drop on unseen letters — a
 * distribution shift — is visible at a glance.
 */
export function polynomialLetterFigure(
  models: readonly NamedPolynomialGroups[],
  seenLetters: Iterable<string> = [],
  title = "Exact match by variable letter",
): Figure {
  const seen = new Set(seenLetters);
  const letters = [...new Set(models.flatMap((m) => Object.keys(m.groups.letter)))].filter((l) => /^[a-z]$/.test(l)).sort();
  const shapes = letters
    .filter((l) => seen.has(l))
    .map((l) => ({ type: "rect", xref: "x", yref: "paper", x0: l, x1: l, y0: 0, y1: 1, line: { width: 18, color: "rgba(0,0,0,0.06)" }, layer: "below" }));
  return {
    data: models.map((m, i) => ({
      type: "bar",
      name: m.name,
      x: letters,
      y: letters.map((l) => m.groups.letter[l]?.exactMatch ?? null),
      customdata: letters.map((l) => m.groups.letter[l]?.n ?? 0),
      hovertemplate: `${m.name}<br>letter %{x}: %{y:.1%} of %{customdata} pairs<extra></extra>`,
      marker: { color: MODEL_COLORS[i % MODEL_COLORS.length] },
    })),
    layout: {
      title: { text: title },
      barmode: "group",
      shapes,
      xaxis: { title: { text: seen.size > 0 ? "variable letter (shaded: letters of the training data)" : "variable letter" }, type: "category" },
      yaxis: { title: { text: "exact match" }, range: [0, 1.05], tickformat: ".0%" },
      legend: { orientation: "h", y: -0.25 },
      margin: { b: 110 },
    },
  };
}

/** Exact match per form (two linear factors, monomial × linear, monomial, trigonometric), one bar per model. */
export function polynomialFormFigure(models: readonly NamedPolynomialGroups[], title = "Exact match by form"): Figure {
  const forms = [...new Set(models.flatMap((m) => Object.keys(m.groups.form)))];
  return {
    data: models.map((m, i) => ({
      type: "bar",
      name: m.name,
      x: forms,
      y: forms.map((f) => m.groups.form[f]?.exactMatch ?? null),
      customdata: forms.map((f) => m.groups.form[f]?.n ?? 0),
      hovertemplate: `${m.name}<br>%{x}: %{y:.1%} of %{customdata} pairs<extra></extra>`,
      marker: { color: MODEL_COLORS[i % MODEL_COLORS.length] },
    })),
    layout: {
      title: { text: title },
      barmode: "group",
      xaxis: { type: "category" },
      yaxis: { title: { text: "exact match" }, range: [0, 1.05], tickformat: ".0%" },
      legend: { orientation: "h", y: -0.2 },
    },
  };
}
