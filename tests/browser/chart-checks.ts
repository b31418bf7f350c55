/**
 * Layout checks for drawn Plotly figures, run inside the page (pass `checkDrawnFigures` to
 * `page.evaluate`): the symptoms of squeezed, clipped and overlapping charts that a person sees.
 *
 * - colour bar: at least 40 × 60 px with two or more tick labels (not a strip without ticks);
 * - axis range against data: a linear or log axis showing only scatter data spans at most 1.6× the
 *   data's span (not −330…730 for points in 0…400) unless the figure set the range itself, and it
 *   covers all of the data;
 * - legend: overlaps no title (figure, axes) and no tick label;
 * - tick labels of one axis: no two overlap (log axes with crowded minor labels; rotated labels
 *   by their spacing across the text);
 * - text marks (bar labels, scatter text) lie inside their plot area, where Plotly clips them;
 *   every title and tick label lies inside the figure;
 * - the figure fits the width of its output area (a wider one is cut off or scrolls: heads of an
 *   attention map, its colour bar).
 */

export interface FigureReport {
  /** The figure's title, or its index when it has none. */
  figure: string;
  problems: string[];
}

/** Runs in the page: one report per `.numlab-plot` (or `selector`) element. Self-contained (no closures over test code). */
export function checkDrawnFigures(selector = ".numlab-plot"): FigureReport[] {
  type Box = { left: number; right: number; top: number; bottom: number };
  type Axis = { _id: string; type: string; range: number[]; autorange: unknown; _offset: number; _length: number; _name: string };
  type Trace = { type: string; xaxis?: string; yaxis?: string; x?: unknown[]; y?: unknown[]; visible?: unknown };
  type PlotElement = HTMLElement & { _fullLayout?: Record<string, unknown> & { title?: { text?: string } }; _fullData?: Trace[] };
  const TOL = 1.5;
  const boxOf = (n: Element): Box => {
    const r = n.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  };
  const visible = (n: Element): boolean => {
    const r = n.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && (n.textContent ?? "").trim() !== "";
  };
  const overlap = (a: Box, b: Box): boolean =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > TOL && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > TOL;
  const inside = (a: Box, b: Box): boolean => a.left >= b.left - TOL && a.right <= b.right + TOL && a.top >= b.top - TOL && a.bottom <= b.bottom + TOL;
  const label = (n: Element): string => JSON.stringify((n.textContent ?? "").trim().slice(0, 40));

  const reports: FigureReport[] = [];
  document.querySelectorAll(selector).forEach((node, index) => {
    const el = node as PlotElement;
    const fl = el._fullLayout;
    const title = (fl?.title?.text ?? "").replace(/<[^>]+>/g, "") || `figure ${index + 1}`;
    const problems: string[] = [];
    reports.push({ figure: title, problems });
    const root = el.querySelector(".main-svg");
    if (!fl || !root) {
      problems.push("not drawn");
      return;
    }
    const rootBox = boxOf(root);
    const area = boxOf(el);
    if (rootBox.right - rootBox.left > area.right - area.left + TOL) {
      problems.push(`the figure is ${Math.round(rootBox.right - rootBox.left)} px wide in an output area of ${Math.round(area.right - area.left)} px`);
    }

    // Colour bars.
    el.querySelectorAll("g.colorbar").forEach((cb) => {
      const box = boxOf(cb);
      const ticks = Array.from(cb.querySelectorAll("text")).filter((t) => !t.closest(".cbtitle") && !t.classList.contains("cbtitle") && visible(t));
      if (box.right - box.left < 40 || box.bottom - box.top < 60 || ticks.length < 2) {
        problems.push(`colour bar squeezed: ${Math.round(box.right - box.left)} × ${Math.round(box.bottom - box.top)} px with ${ticks.length} tick labels`);
      }
    });

    // Axes: ranges against the data they show.
    const axes: Axis[] = Object.keys(fl)
      .filter((k) => /^[xy]axis\d*$/.test(k))
      .map((k) => fl[k] as Axis);
    const traces = (el._fullData ?? []).filter((t) => t.visible === true || t.visible === undefined);
    const numbers = (values: unknown[] | undefined): number[] => (values ?? []).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    for (const ax of axes) {
      if (ax.type !== "linear" && ax.type !== "log") continue;
      const letter = ax._id[0] as "x" | "y";
      const on = traces.filter((t) => (t[letter === "x" ? "xaxis" : "yaxis"] ?? letter) === ax._id);
      if (on.length === 0 || on.some((t) => !/^scatter(gl)?$/.test(t.type))) continue;
      let values = on.flatMap((t) => numbers(letter === "x" ? t.x : t.y));
      if (ax.type === "log") values = values.filter((v) => v > 0).map((v) => Math.log10(v));
      if (values.length < 2) continue;
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      const [r0, r1] = [Math.min(ax.range[0], ax.range[1]), Math.max(ax.range[0], ax.range[1])];
      const span = hi - lo;
      // (A range the figure sets itself, such as 0…1 for an accuracy, is a choice, not a symptom.)
      if (span > 0 && r1 - r0 > 1.6 * span && ax.autorange !== false) {
        problems.push(
          `${ax._name} range ${r0.toPrecision(3)}…${r1.toPrecision(3)} is ${((r1 - r0) / span).toFixed(1)}× the data's ${lo.toPrecision(3)}…${hi.toPrecision(3)}`,
        );
      }
      if (lo < r0 - 1e-9 * Math.max(1, Math.abs(lo)) || hi > r1 + 1e-9 * Math.max(1, Math.abs(hi))) {
        problems.push(`${ax._name} range ${r0.toPrecision(3)}…${r1.toPrecision(3)} cuts off data in ${lo.toPrecision(3)}…${hi.toPrecision(3)}`);
      }
    }

    // Titles, tick labels and the legend.
    const titles = Array.from(el.querySelectorAll("text.gtitle, [class*='title'] text, text[class$='title']")).filter(
      (t) => visible(t) && !t.closest("g.legend") && !t.closest("g.colorbar"),
    );
    const tickGroups = new Map<string, Element[]>();
    el.querySelectorAll("g[class*='tick'] > text").forEach((t) => {
      if (!visible(t) || t.closest("g.colorbar") || t.closest("g.legend")) return;
      const key = (t.parentElement?.getAttribute("class") ?? "").split(" ")[0];
      tickGroups.set(key, [...(tickGroups.get(key) ?? []), t]);
    });
    const legend = el.querySelector("g.legend");
    if (legend && visible(legend)) {
      const lb = boxOf(legend);
      for (const t of titles) if (overlap(lb, boxOf(t))) problems.push(`legend overlaps the title ${label(t)}`);
      const hit = [...tickGroups.values()].flat().filter((t) => overlap(lb, boxOf(t)));
      if (hit.length) problems.push(`legend overlaps ${hit.length} tick label(s), e.g. ${label(hit[0])}`);
    }
    // Rotated labels are parallel strokes: they collide when their spacing across the text is less than the text's height.
    const angleOf = (t: Element): number => Number(/rotate\((-?[\d.]+)/.exec(t.getAttribute("transform") ?? "")?.[1] ?? 0);
    const collide = (a: { t: Element; b: Box }, c: { t: Element; b: Box }): boolean => {
      const angle = angleOf(a.t);
      if (angle === 0 || angle !== angleOf(c.t)) return overlap(a.b, c.b);
      const dx = (a.b.left + a.b.right - c.b.left - c.b.right) / 2;
      const dy = (a.b.top + a.b.bottom - c.b.top - c.b.bottom) / 2;
      const rad = (angle * Math.PI) / 180;
      const across = Math.abs(-dx * Math.sin(rad) + dy * Math.cos(rad));
      const fontPx = parseFloat(getComputedStyle(a.t).fontSize) || 12;
      return across < 0.85 * fontPx;
    };
    for (const [group, ticks] of tickGroups) {
      const boxes = ticks.map((t) => ({ t, b: boxOf(t) }));
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          if (collide(boxes[i], boxes[j])) {
            problems.push(`tick labels ${label(boxes[i].t)} and ${label(boxes[j].t)} overlap (${group})`);
            i = boxes.length;
            break;
          }
        }
      }
    }
    for (const t of [...titles, ...[...tickGroups.values()].flat()]) {
      if (!inside(boxOf(t), rootBox)) problems.push(`${label(t)} is cut off at the figure's edge`);
    }

    // Text marks inside their plot areas.
    const axisById = new Map(axes.map((a) => [a._id, a]));
    el.querySelectorAll("g.subplot").forEach((sub) => {
      const id = Array.from(sub.classList).find((c) => /^x\d*y\d*$/.test(c));
      const m = id ? /^(x\d*)(y\d*)$/.exec(id) : null;
      const xa = m ? axisById.get(m[1]) : undefined;
      const ya = m ? axisById.get(m[2]) : undefined;
      if (!xa || !ya) return;
      const area = {
        left: rootBox.left + xa._offset,
        right: rootBox.left + xa._offset + xa._length,
        top: rootBox.top + ya._offset,
        bottom: rootBox.top + ya._offset + ya._length,
      };
      sub.querySelectorAll("text.bartext, text.textpoint, .textpoint text").forEach((t) => {
        if (visible(t) && !inside(boxOf(t), area)) problems.push(`text ${label(t)} is clipped by its plot area`);
      });
    });
  });
  return reports;
}

/**
 * `checkDrawnFigures` as an expression for `page.evaluate` (tsx names its inner functions with a
 * `__name` helper that the page lacks: the expression supplies it).
 */
export function chartCheckScript(selector = ".numlab-plot"): string {
  return `(() => { const __name = (f) => f; return (${checkDrawnFigures.toString()})(${JSON.stringify(selector)}); })()`;
}
