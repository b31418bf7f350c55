/**
 * Kernel-side widget models: a `Widget` owns its state (protocol-2 attribute names and values),
 * opens a `jupyter.widget` comm in the numlab kernel and keeps the front-end's model in sync both
 * ways (see ./protocol.ts for the two protocol versions). Outside a kernel a widget is a plain
 * object with state and observers, and shows as text.
 *
 * A widget is also a value: as a cell's last expression (or through `display`) it renders with the
 * widget-view mime type, plus a text/plain fallback and a static text/html snapshot for places
 * without a widget front-end (nbconvert HTML, a Notebook without the widgets extension).
 */
import { randomUUID } from "crypto";
import { inspect } from "util";
import { DISPLAY_SYMBOL, MimeBundle } from "../display/bridge";
import { escapeHtml } from "../display/html";
import { Buffers, CommMessageInfo, KernelCommLink, LinkComm, WidgetProtocolMajor, WidgetStateEntry, kernelLink } from "./link";
import {
  DIALECT_2,
  Dialect,
  ModuleKind,
  PROTOCOL_VERSION,
  WIDGET_TARGET,
  WIDGET_VIEW_MIME,
  dialectOf,
  readStateUpdate,
  sameValue,
  separateBuffers,
  separateTopLevelBuffers,
} from "./protocol";

/** How a widget class appears on the wire. */
export interface ModelSpec {
  /** The class name in numlab's API (text fallbacks). */
  name: string;
  model: string;
  view: string | null;
  module: ModuleKind;
  /** Module of the view when it differs (style models use base's StyleView). */
  viewModule?: ModuleKind;
  /** The protocol-2 attributes with their defaults (ipywidgets schema, jupyterwidgetmodels.latest). */
  defaults: Record<string, unknown>;
  /** False when a version-1 front-end has no such model (the widget is then not opened there). */
  legacy?: boolean;
}

export interface WidgetChange<T = unknown> {
  name: string;
  old: T;
  new: T;
  owner: Widget;
  /** "kernel" when set by code in the kernel, "frontend" when a front-end sent it. */
  source: "kernel" | "frontend";
}

export type WidgetObserver = (change: WidgetChange) => void;

/** Marks widgets across copies of the library (dist/ and node_modules/numlab). */
export const WIDGET_MARK: unique symbol = Symbol.for("numlab.widget") as never;

export function isWidget(value: unknown): value is Widget {
  return value !== null && typeof value === "object" && (value as Record<symbol, unknown>)[WIDGET_MARK] === true;
}

const MODEL_PREFIX = "IPY_MODEL_";

interface Registry {
  instances: Map<string, Widget>;
  linked: KernelCommLink | null;
}
const REGISTRY: unique symbol = Symbol.for("numlab.widgets.registry") as never;

function registry(): Registry {
  const g = globalThis as Record<symbol, Registry | undefined>;
  return (g[REGISTRY] ??= { instances: new Map(), linked: null });
}

/** Tell the kernel how to list the widgets (control comm) and refuse widgets created by a front-end. */
function linkRegistry(link: KernelCommLink): void {
  const reg = registry();
  if (reg.linked === link) return;
  reg.linked = link;
  link.setWidgetStateProvider(() => widgetStates(DIALECT_2));
  link.registerTarget(WIDGET_TARGET, (comm) => {
    // Front-ends may create widgets (ipywidgets' `new_widget`); numlab widgets are made in code only.
    comm.close();
  });
}

/** The state of every open widget, as `model_id → {model_name, model_module, model_module_version, state}`. */
export function widgetStates(dialect: Dialect = DIALECT_2): Record<string, WidgetStateEntry> {
  const out: Record<string, WidgetStateEntry> = {};
  for (const w of registry().instances.values()) {
    if (!w.closed) out[w.modelId] = w.stateEntry(dialect);
  }
  return out;
}

/** A widget-state document (`application/vnd.jupyter.widget-state+json`) of every open widget. */
export function widgetStateDocument(): { version_major: 2; version_minor: 0; state: Record<string, WidgetStateEntry> } {
  return { version_major: 2, version_minor: 0, state: widgetStates(DIALECT_2) };
}

/** The protocol the kernel's front-end speaks (2 outside a kernel). */
export function currentWidgetProtocol(): WidgetProtocolMajor {
  return kernelLink()?.widgetProtocol().major ?? 2;
}

function newModelId(): string {
  return randomUUID().replace(/-/g, "");
}

/** A widget's value as JSON: widgets become "IPY_MODEL_<id>" references. */
function toWire(value: unknown): unknown {
  if (isWidget(value)) return MODEL_PREFIX + value.modelId;
  if (Array.isArray(value)) return value.map(toWire);
  if (value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof DataView) return value;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

/** References to known widgets become the widgets again. */
function fromWire(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith(MODEL_PREFIX)) return registry().instances.get(value.slice(MODEL_PREFIX.length)) ?? value;
  if (Array.isArray(value)) return value.map(fromWire);
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromWire(v)]));
  }
  return value;
}

function definedOnly(state: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined));
}

/** The note under a static snapshot. */
export const SNAPSHOT_NOTE = "Static snapshot of a live widget: run the notebook in Jupyter with widgets enabled to use it.";

/** The text shown where no widget front-end renders the view. */
export const NO_FRONTEND_NOTE =
  "a live widget: it needs a Jupyter front-end with widget support (JupyterLab 4 with jupyterlab_widgets, or Notebook with the widgets extension)";

export abstract class Widget {
  readonly [WIDGET_MARK] = true as const;
  /** The model id (= comm id). */
  readonly modelId: string;
  protected readonly spec: ModelSpec;
  private readonly attrs: Record<string, unknown>;
  private comm: LinkComm | null = null;
  private openedAs: Dialect | null = null;
  private readonly observers = new Map<string, Set<WidgetObserver>>();
  /** The state a front-end just sent (not echoed back as an update). */
  private lock: Record<string, unknown> | null = null;
  private isClosed = false;

  protected constructor(spec: ModelSpec, state: Record<string, unknown> = {}) {
    this.spec = spec;
    this.attrs = { ...spec.defaults, ...definedOnly(state) };
    this.modelId = newModelId();
    registry().instances.set(this.modelId, this);
    this.open();
  }

  /** The protocol-2 model name, e.g. "IntSliderModel". */
  get modelName(): string {
    return this.spec.model;
  }

  /** True once `close()` ran or the front-end closed the comm for good. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** True while a comm to a front-end is open. */
  get connected(): boolean {
    return this.comm !== null && !this.comm.closed;
  }

  /** The protocol of the open comm (null when not connected). */
  protected wireProtocol(): WidgetProtocolMajor | null {
    return this.connected && this.openedAs ? this.openedAs.major : null;
  }

  /** One attribute (protocol-2 name), e.g. `get("value")`. */
  get<T = unknown>(name: string): T {
    return this.attrs[name] as T;
  }

  /** A copy of the attributes (widgets inside stay objects). */
  attributes(): Record<string, unknown> {
    return { ...this.attrs };
  }

  /**
   * Change attributes: the front-end gets one `update` with the ones that changed, then observers run.
   * Unknown names throw (they would never reach the front-end).
   */
  set(patch: Record<string, unknown>): this {
    for (const name of Object.keys(patch)) {
      if (!(name in this.spec.defaults)) throw new Error(`${this.spec.name}: no attribute "${name}"`);
    }
    this.apply(patch, "kernel");
    return this;
  }

  /** Call `observer` after `names` change ("*" for any); returns a function that removes it. */
  observe(names: string | readonly string[], observer: WidgetObserver): () => void {
    const list = typeof names === "string" ? [names] : names;
    for (const name of list) {
      let set = this.observers.get(name);
      if (!set) this.observers.set(name, (set = new Set()));
      set.add(observer);
    }
    return () => list.forEach((name) => this.observers.get(name)?.delete(observer));
  }

  /** Close the comm (the front-end removes the widget's views) and forget the widget. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    registry().instances.delete(this.modelId);
    this.comm?.close();
    this.comm = null;
  }

  /** The full state as a front-end of `dialect` reads it (module names included). */
  wireState(dialect: Dialect = this.openedAs ?? DIALECT_2, names?: readonly string[]): Record<string, unknown> {
    const keys = names ?? Object.keys(this.attrs);
    let state: Record<string, unknown> = {};
    if (!names) {
      const model = dialect.module(this.spec.module);
      const view = dialect.module(this.spec.viewModule ?? this.spec.module);
      state._model_module = model.name;
      state._model_module_version = model.version;
      state._model_name = this.spec.model;
      state._view_module = view.name;
      state._view_module_version = view.version;
      state._view_name = this.spec.view;
    }
    for (const key of keys) state[key] = toWire(this.attrs[key]);
    if (dialect.major === 1) state = this.legacyWireState(state, !names);
    return state;
  }

  /** This widget's entry in a widget-state document. */
  stateEntry(dialect: Dialect = DIALECT_2): WidgetStateEntry {
    const state = this.wireState(dialect);
    return {
      model_name: this.spec.model,
      model_module: state._model_module as string,
      model_module_version: state._model_module_version as string,
      state,
    };
  }

  /**
   * Version-1 wire state from the protocol-2 one: subclasses rename what changed between the
   * versions; here, references to widgets a version-1 front-end cannot create are dropped, and full
   * states get `msg_throttle`.
   */
  protected legacyWireState(state: Record<string, unknown>, full: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(state)) {
      const target = typeof value === "string" && value.startsWith(MODEL_PREFIX) ? registry().instances.get(value.slice(MODEL_PREFIX.length)) : undefined;
      if (target && target.spec.legacy === false) continue;
      out[key] = value;
    }
    if (full) out.msg_throttle = 1;
    return out;
  }

  /** Protocol-2 attributes from a version-1 front-end's state (subclasses map renamed ones). */
  protected fromLegacyWireState(state: Record<string, unknown>): Record<string, unknown> {
    return state;
  }

  /** Make a value received from a front-end (or set in code) valid, e.g. round and clamp a slider value. */
  protected coerce(_name: string, value: unknown): unknown {
    return value;
  }

  /** A custom message from the front-end (a button click). */
  protected onCustomMessage(_content: unknown, _buffers: Buffers): void | Promise<void> {
    return undefined;
  }

  /** Send a custom message to the front-end's model. */
  sendCustom(content: unknown, buffers?: Buffers): void {
    this.comm?.send({ method: "custom", content }, { buffers });
  }

  private open(): void {
    const link = kernelLink();
    if (!link || this.isClosed) return;
    const dialect = dialectOf(link.widgetProtocol().major);
    if (dialect.major === 1 && this.spec.legacy === false) return;
    linkRegistry(link);
    // Referenced widgets must exist in the front-end first.
    for (const value of Object.values(this.attrs)) {
      for (const child of Array.isArray(value) ? value : [value]) if (isWidget(child) && !child.connected) child.open();
    }
    const state = this.wireState(dialect);
    const handlers = { onMsg: (data: unknown, buffers: Buffers, info: CommMessageInfo) => this.receive(data, buffers, info), onClose: () => this.lost() };
    if (dialect.major === 2) {
      const split = separateBuffers(state);
      this.comm = link.openComm(
        WIDGET_TARGET,
        { state: split.state, buffer_paths: split.bufferPaths },
        { metadata: { version: PROTOCOL_VERSION }, buffers: split.buffers, commId: this.modelId },
        handlers,
      );
    } else {
      // Version 1 cannot carry buffers in comm_open (ipywidgets 6 sends them in an update).
      const split = separateTopLevelBuffers(state);
      this.comm = link.openComm(WIDGET_TARGET, split.state, { commId: this.modelId }, handlers);
      if (split.keys.length) this.comm.send({ method: "update", state: {}, buffers: split.keys }, { buffers: split.buffers });
    }
    this.openedAs = dialect;
  }

  private lost(): void {
    this.comm = null;
  }

  /** Send `names` (all when omitted) to the front-end. */
  protected sendState(names?: readonly string[], method: "update" | "echo_update" = "update"): void {
    const comm = this.comm;
    if (!comm || comm.closed || !this.openedAs) return;
    const state = this.wireState(this.openedAs, names);
    if (names && Object.keys(state).length === 0) return;
    if (this.openedAs.major === 2) {
      const split = separateBuffers(state);
      comm.send({ method, state: split.state, buffer_paths: split.bufferPaths }, { buffers: split.buffers });
    } else {
      const split = separateTopLevelBuffers(state);
      comm.send({ method: "update", state: split.state, buffers: split.keys }, { buffers: split.buffers });
    }
  }

  private async receive(data: unknown, buffers: Buffers, _info: CommMessageInfo): Promise<void> {
    const d = (data ?? {}) as Record<string, unknown>;
    if (d.method === "request_state") {
      // A front-end (re)connecting: answer in the protocol the kernel speaks now (it may have changed
      // since the comm was opened, e.g. a classic Notebook attaching to a kernel a Lab started).
      const link = kernelLink();
      if (link) this.openedAs = dialectOf(link.widgetProtocol().major);
      this.sendState();
      return;
    }
    if (d.method === "custom") {
      await this.onCustomMessage(d.content, buffers);
      return;
    }
    const received = readStateUpdate(data, buffers);
    if (!received) return;
    const known = Object.fromEntries(Object.entries(received).filter(([k]) => k in this.spec.defaults || this.openedAs?.major === 1));
    if (this.openedAs?.major === 2 && d.method === "update") {
      // Protocol 2.1: echo what this front-end sent to every front-end (its parent is the update).
      const echoed = Object.fromEntries(Object.entries(received).filter(([k]) => k in this.spec.defaults));
      if (Object.keys(echoed).length) {
        const split = separateBuffers(echoed);
        this.comm?.send({ method: "echo_update", state: split.state, buffer_paths: split.bufferPaths }, { buffers: split.buffers });
      }
    }
    const state = this.openedAs?.major === 1 ? this.fromLegacyWireState(known) : known;
    const patch = Object.fromEntries(
      Object.entries(state)
        .filter(([k]) => k in this.spec.defaults)
        .map(([k, v]) => [k, fromWire(v)]),
    );
    this.lock = Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, toWire(v)]));
    try {
      this.apply(patch, "frontend");
    } finally {
      this.lock = null;
    }
  }

  private apply(patch: Record<string, unknown>, source: "kernel" | "frontend"): void {
    const changes: WidgetChange[] = [];
    for (const [name, raw] of Object.entries(patch)) {
      const value = this.coerce(name, raw);
      const old = this.attrs[name];
      if (sameValue(toWire(old), toWire(value))) continue;
      this.attrs[name] = value;
      changes.push({ name, old, new: value, owner: this, source });
    }
    if (changes.length === 0) return;
    const lock = this.lock;
    const toSend = changes.map((c) => c.name).filter((name) => !(lock && name in lock && sameValue(lock[name], toWire(this.attrs[name]))));
    if (toSend.length) {
      for (const name of toSend) {
        const value = this.attrs[name];
        for (const child of Array.isArray(value) ? value : [value]) if (isWidget(child) && !child.connected) child.open();
      }
      this.sendState(toSend);
    }
    for (const change of changes) {
      const observers = [...(this.observers.get(change.name) ?? []), ...(this.observers.get("*") ?? [])];
      for (const observer of observers) observer(change);
    }
  }

  /** One line describing the widget's state (text fallbacks, `util.inspect`). */
  protected summary(): string {
    return "";
  }

  /** Static HTML of the widget's current state (snapshots); subclasses draw their control. */
  snapshotHtml(): string {
    return `<span>${escapeHtml(this.spec.name)}</span>`;
  }

  /** `Name(summary)`. */
  toString(): string {
    return `${this.spec.name}(${this.summary()})`;
  }

  /** The mime bundle of a view of this widget (what `display(widget)` and a last expression show). */
  [DISPLAY_SYMBOL](): MimeBundle {
    const comm = this.comm;
    if (comm && !comm.closed && this.openedAs?.major === 1 && kernelLink()?.widgetProtocol().major === 1) {
      // Version 1 displays through the comm; the display_data carries no text (ipywidgets 6 does the same).
      comm.send({ method: "display" });
      return { [WIDGET_VIEW_MIME]: { model_id: this.modelId } };
    }
    const bundle: MimeBundle = {};
    if (comm && !comm.closed) bundle[WIDGET_VIEW_MIME] = { version_major: 2, version_minor: 0, model_id: this.modelId };
    const where = comm && !comm.closed ? NO_FRONTEND_NOTE : "a widget (live only inside the numlab Jupyter kernel)";
    bundle["text/plain"] = `${this.toString()} — ${where}`;
    bundle["text/html"] = snapshotPage(this);
    return bundle;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** JSON of a widget is its model reference (as in widget state). */
  toJSON(): string {
    return MODEL_PREFIX + this.modelId;
  }
}

/** A static, script-free HTML picture of `widget` with a note saying it is a snapshot. */
export function snapshotPage(widget: Widget): string {
  return (
    `<div class="numlab-widget-snapshot" style="display:inline-block;border:1px dashed #bbb;padding:6px 8px;border-radius:4px">` +
    widget.snapshotHtml() +
    `<div style="font-size:11px;color:#888;margin-top:4px">${escapeHtml(SNAPSHOT_NOTE)}</div></div>`
  );
}

/** CSS layout of a widget (protocol-2 `LayoutModel`; names as in ipywidgets, e.g. `max_width`). */
export type LayoutOptions = Partial<Record<(typeof LAYOUT_KEYS)[number], string | null>>;

const LAYOUT_KEYS = [
  "align_content",
  "align_items",
  "align_self",
  "border_bottom",
  "border_left",
  "border_right",
  "border_top",
  "bottom",
  "display",
  "flex",
  "flex_flow",
  "grid_area",
  "grid_auto_columns",
  "grid_auto_flow",
  "grid_auto_rows",
  "grid_column",
  "grid_gap",
  "grid_row",
  "grid_template_areas",
  "grid_template_columns",
  "grid_template_rows",
  "height",
  "justify_content",
  "justify_items",
  "left",
  "margin",
  "max_height",
  "max_width",
  "min_height",
  "min_width",
  "object_fit",
  "object_position",
  "order",
  "overflow",
  "padding",
  "right",
  "top",
  "visibility",
  "width",
] as const;

const LAYOUT_SPEC: ModelSpec = {
  name: "Layout",
  model: "LayoutModel",
  view: "LayoutView",
  module: "base",
  defaults: Object.fromEntries(LAYOUT_KEYS.map((k) => [k, null])),
};

export class Layout extends Widget {
  constructor(options: LayoutOptions = {}) {
    super(LAYOUT_SPEC, options);
  }

  /** The set properties as inline CSS (snapshots). */
  css(): string {
    const attrs = this.attributes();
    return LAYOUT_KEYS.filter((k) => typeof attrs[k] === "string" && !k.startsWith("grid") && !k.startsWith("object"))
      .map((k) => `${k.replace(/_/g, "-")}:${escapeHtml(String(attrs[k]))}`)
      .join(";");
  }

  protected override legacyWireState(state: Record<string, unknown>, full: boolean): Record<string, unknown> {
    const out = super.legacyWireState(state, full);
    // Version 1 has one `border`; the per-side borders of version 2 map onto it when they agree.
    const sideKeys = ["border_top", "border_right", "border_bottom", "border_left"];
    if (sideKeys.some((k) => k in state)) {
      const sides = sideKeys.map((k) => this.get<string | null>(k));
      out.border = sides.every((s) => s === sides[0]) ? sides[0] : null;
    }
    for (const key of Object.keys(out)) {
      if (key.startsWith("border_") || key.startsWith("grid_") || key.startsWith("object_") || key === "justify_items") delete out[key];
    }
    return out;
  }
}

/** Style models (`SliderStyle`, `ButtonStyle`, …): attributes as in ipywidgets, e.g. `description_width`. */
export class Style extends Widget {
  constructor(spec: ModelSpec, options: Record<string, unknown> = {}) {
    super(spec, options);
  }
}

function styleSpec(model: string, defaults: Record<string, unknown>, legacy = false): ModelSpec {
  return { name: model.replace(/Model$/, ""), model, view: "StyleView", module: "controls", viewModule: "base", defaults, legacy };
}

export const STYLE_SPECS = {
  description: styleSpec("DescriptionStyleModel", { description_width: "" }),
  slider: styleSpec("SliderStyleModel", { description_width: "", handle_color: null }, true),
  button: styleSpec(
    "ButtonStyleModel",
    {
      button_color: null,
      font_family: null,
      font_size: null,
      font_style: null,
      font_variant: null,
      font_weight: null,
      text_color: null,
      text_decoration: null,
    },
    true,
  ),
  checkbox: styleSpec("CheckboxStyleModel", { background: null, description_width: "" }),
  text: styleSpec("TextStyleModel", { background: null, description_width: "", font_size: null, text_color: null }),
  html: styleSpec("HTMLStyleModel", { background: null, description_width: "", font_size: null, text_color: null }),
  label: styleSpec("LabelStyleModel", {
    background: null,
    description_width: "",
    font_family: null,
    font_size: null,
    font_style: null,
    font_variant: null,
    font_weight: null,
    text_color: null,
    text_decoration: null,
  }),
} as const;

export interface DOMWidgetOptions {
  layout?: Layout | LayoutOptions;
  /** CSS classes on the widget's element. */
  domClasses?: string[];
  tooltip?: string;
}

export const DOM_DEFAULTS = { _dom_classes: [] as string[], layout: null as Layout | null, tabbable: null, tooltip: null };

/** A widget with a view in the page: layout, CSS classes, tooltip. */
export abstract class DOMWidget extends Widget {
  protected constructor(spec: ModelSpec, state: Record<string, unknown>, options: DOMWidgetOptions = {}) {
    super(spec, {
      ...state,
      layout: options.layout instanceof Layout ? options.layout : new Layout(options.layout ?? {}),
      _dom_classes: options.domClasses,
      tooltip: options.tooltip,
    });
  }

  get layout(): Layout {
    return this.get<Layout>("layout");
  }

  /** Inline CSS of the layout for snapshots. */
  protected layoutCss(): string {
    const layout = this.get<Layout | null>("layout");
    return layout && typeof layout.css === "function" ? layout.css() : "";
  }
}

export interface DescriptionOptions extends DOMWidgetOptions {
  /** The label beside the control. */
  description?: string;
  /** Width of the label, e.g. "120px" (style `description_width`). */
  descriptionWidth?: string;
}

/** A labelled control. */
export abstract class DescriptionWidget extends DOMWidget {
  protected constructor(spec: ModelSpec, state: Record<string, unknown>, options: DescriptionOptions, style: ModelSpec = STYLE_SPECS.description) {
    const styleOptions = "description_width" in style.defaults && options.descriptionWidth ? { description_width: options.descriptionWidth } : {};
    super(spec, { description: options.description ?? "", style: new Style(style, styleOptions), ...state }, options);
  }

  get description(): string {
    return this.get<string>("description");
  }
  set description(text: string) {
    this.set({ description: text });
  }

  /** `<label>` for snapshots. */
  protected labelHtml(): string {
    const text = this.description;
    if (!text) return "";
    const style = this.get<Style | null>("style");
    const width = style && isWidget(style) ? style.get<string>("description_width") : "";
    return `<label style="display:inline-block;min-width:${width ? escapeHtml(width) : "80px"};margin-right:6px">${escapeHtml(text)}</label>`;
  }
}

/** A control holding a `value`. */
export abstract class ValueWidget<T> extends DescriptionWidget {
  get value(): T {
    return this.get<T>("value");
  }
  set value(value: T) {
    this.set({ value });
  }

  /** Call `listener(newValue)` after the value changes; returns a function that removes it. */
  onChange(listener: (value: T, change: WidgetChange<T>) => void): () => void {
    return this.observe("value", (change) => listener(change.new as T, change as WidgetChange<T>));
  }
}

export const DESCRIPTION_DEFAULTS = { ...DOM_DEFAULTS, description: "", description_allow_html: false, style: null as Style | null };
