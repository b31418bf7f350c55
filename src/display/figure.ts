/**
 * Plotly figures as plain data, shown offline. `viz/` builds `Figure`s; `show` sends one display
 * bundle carrying `application/vnd.plotly.v1+json` (an object) and a `text/html` fallback that
 * draws with the plotly.js bundled in `plotly.js-dist`, inlined once per kernel session.
 */
import * as fs from "fs";
import * as path from "path";
import { DISPLAY_SYMBOL, MimeBundle, display, newId } from "./bridge";

export type PlotlyTrace = Record<string, unknown>;
export interface Figure {
  data: PlotlyTrace[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

let plotlySource: string | null = null;
let plotlyShipped = false;

/** The plotly.js source: the minified copy made at build time, else the package's own file. */
export function plotlyJs(): string {
  if (plotlySource) return plotlySource;
  const minified = path.join(__dirname, "..", "vendor", "plotly.min.js");
  const file = fs.existsSync(minified) ? minified : require.resolve("plotly.js-dist/plotly.js");
  plotlySource = fs.readFileSync(file, "utf8");
  return plotlySource;
}

/** Embed JSON in a <script> safely. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function plotlyScriptTag(): string {
  // plotly.js-dist sets window.Plotly itself; `define` is hidden so RequireJS (classic Notebook)
  // cannot capture it as an anonymous AMD module.
  return `<script type="text/javascript">(function(define){${plotlyJs().replace(/<\/script/gi, "<\\/script")}\n})(undefined);</script>`;
}

/** HTML that draws `figure`; `includePlotly` inlines plotly.js before it. */
export function figureHtml(figure: Figure, options: { includePlotly?: boolean; id?: string } = {}): string {
  const id = options.id ?? newId("plot");
  const layout: Record<string, unknown> = { autosize: true, ...(figure.layout ?? {}) };
  const height = typeof layout.height === "number" ? `${layout.height}px` : "450px";
  const config = { responsive: true, displaylogo: false, ...(figure.config ?? {}) };
  const draw =
    `<script type="text/javascript">(function(){var n=0;function draw(){` +
    `var el=document.getElementById(${JSON.stringify(id)});` +
    `if(!window.Plotly||!el){if(n++<400){setTimeout(draw,25);}return;}` +
    `window.Plotly.newPlot(el,${scriptJson(figure.data)},${scriptJson(layout)},${scriptJson(config)});}draw();})();</script>`;
  return (options.includePlotly ? plotlyScriptTag() : "") + `<div id="${id}" class="numlab-plot" style="width:100%;height:${height};"></div>` + draw;
}

/** The mime bundle for a figure. plotly.js is inlined in the first bundle of this session. */
export function figureBundle(figure: Figure): MimeBundle {
  const includePlotly = !plotlyShipped;
  plotlyShipped = true;
  const traces = figure.data.length;
  const title = (figure.layout?.title as { text?: string } | string | undefined) ?? "";
  const titleText = typeof title === "string" ? title : (title.text ?? "");
  return {
    "application/vnd.plotly.v1+json": { data: figure.data, layout: figure.layout ?? {}, config: figure.config ?? {} },
    "text/html": figureHtml(figure, { includePlotly }),
    "text/plain": `Figure(${titleText ? JSON.stringify(titleText) + ", " : ""}${traces} trace${traces === 1 ? "" : "s"})`,
  };
}

/** Forget that plotly.js was sent (a new kernel session, or a test). */
export function resetPlotlySession(): void {
  plotlyShipped = false;
}

/** Wrap plain figure data so a notebook shows it when it is a cell's last value. */
export function asDisplayable<T extends Figure>(figure: T): T {
  Object.defineProperty(figure, DISPLAY_SYMBOL, { value: () => figureBundle(figure), enumerable: false });
  return figure;
}

/** Show a figure: rich Plotly output in a notebook, a one-line description elsewhere. */
export function show(figure: Figure): void {
  display({ [DISPLAY_SYMBOL]: () => figureBundle(figure) });
}

/** A standalone offline HTML page with one or more figures (for the CLI and reports). */
export function figuresToHtmlPage(figures: Figure[], title = "numlab"): string {
  const body = figures.map((f, i) => figureHtml(f, { includePlotly: i === 0, id: `fig-${i}` })).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title.replace(/</g, "&lt;")}</title></head><body>${body}</body></html>`;
}

/** Write figures to an HTML file, creating the folder. */
export function writeFiguresHtml(file: string, figures: Figure[], title?: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, figuresToHtmlPage(figures, title));
}
