/**
 * Axis helpers shared by the figure builders: tick spacing on log axes that keeps labels apart.
 */

/** Pixels a tick label needs along a vertical axis (12 px text and a gap). */
const LABEL_PX = 18;

/**
 * The `dtick` of a log axis whose labels do not overlap, for `values` drawn over `lengthPx`
 * pixels. Plotly's own choice may label every digit of a decade (…, 7, 8, 9: 0.05 decades apart)
 * where a decade is only 100–200 px long. Returns `{}` (Plotly's choice) when a decade has room for
 * that, `"D2"` (1, 2, 5) when it has room for 0.3 decades per label, else whole decades (every
 * first, second, … decade).
 */
export function logAxisTicks(values: readonly number[], lengthPx: number): { dtick?: number | "D2" } {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (positive.length < 2) return {};
  // The range Plotly shows: the data's decades plus a little padding.
  const decades = Math.max(0.3, Math.log10(Math.max(...positive)) - Math.log10(Math.min(...positive))) * 1.1;
  const perDecade = lengthPx / decades;
  if (perDecade * 0.05 >= LABEL_PX) return {};
  if (perDecade * 0.3 >= LABEL_PX) return { dtick: "D2" };
  return { dtick: Math.max(1, Math.ceil(LABEL_PX / perDecade)) };
}

/**
 * A horizontal legend in its own band between the title and the plot (Plotly's default place for a
 * horizontal legend, below the plot, covers the x axis title). `top` is the margin it needs.
 */
export function legendAbove(): { legend: Record<string, unknown>; title: Record<string, unknown>; margin: { t: number } } {
  return {
    legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
    title: { y: 0.98, yanchor: "top", yref: "container" },
    margin: { t: 110 },
  };
}

/** The plot area's height for a figure `height` pixels tall with the usual title and x axis (an estimate for `logAxisTicks`). */
export function plotHeight(height: number, margins = 130): number {
  return Math.max(80, height - margins);
}
