/**
 * The controls: sliders, number and text boxes, dropdown, checkbox, button, HTML/label and boxes.
 * Attribute names and defaults follow the ipywidgets 8 model schema (@jupyter-widgets/controls
 * 2.0.0); each class says what differs for version-1 front-ends (jupyter-js-widgets 2.1).
 */
import { escapeHtml } from "../display/html";
import type { Buffers } from "./link";
import {
  DESCRIPTION_DEFAULTS,
  DOM_DEFAULTS,
  DOMWidget,
  DOMWidgetOptions,
  DescriptionOptions,
  DescriptionWidget,
  ModelSpec,
  STYLE_SPECS,
  Style,
  ValueWidget,
  Widget,
  isWidget,
} from "./widget";

function controlSpec(name: string, defaults: Record<string, unknown>, extra: Partial<ModelSpec> = {}): ModelSpec {
  return { name, model: `${name}Model`, view: `${name}View`, module: "controls", defaults, ...extra };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** d3-format's ".2f" and "d", the formats sliders use by default. */
function formatReadout(value: number, format: string): string {
  const fixed = /^\.(\d+)f$/.exec(format);
  if (fixed) return value.toFixed(Number(fixed[1]));
  if (format === "d") return String(Math.round(value));
  return String(value);
}

const SLIDER_DEFAULTS = {
  ...DESCRIPTION_DEFAULTS,
  behavior: "drag-tap",
  continuous_update: true,
  disabled: false,
  max: 100,
  min: 0,
  orientation: "horizontal",
  readout: true,
  readout_format: "d",
  step: 1,
  value: 0,
};

export interface SliderOptions<T extends number = number> extends DescriptionOptions {
  value?: T;
  min?: T;
  max?: T;
  step?: T;
  /** Send values while dragging (default true); false sends on release only. */
  continuousUpdate?: boolean;
  orientation?: "horizontal" | "vertical";
  /** Show the value beside the slider (default true). */
  readout?: boolean;
  /** d3-format of the readout ("d" for IntSlider, ".2f" for FloatSlider). */
  readoutFormat?: string;
  disabled?: boolean;
  /** Color of the handle (style `handle_color`). */
  handleColor?: string;
}

abstract class Slider extends ValueWidget<number> {
  protected constructor(spec: ModelSpec, options: SliderOptions, integer: boolean) {
    const min = options.min ?? 0;
    const max = options.max ?? 100;
    if (!(min <= max)) throw new Error(`${spec.name}: min (${min}) must not exceed max (${max})`);
    const step = options.step ?? (integer ? 1 : 0.1);
    if (!(step > 0)) throw new Error(`${spec.name}: step must be positive, got ${step}`);
    super(
      spec,
      {
        min,
        max,
        step,
        value: clamp(integer ? Math.round(options.value ?? min) : (options.value ?? min), min, max),
        continuous_update: options.continuousUpdate,
        orientation: options.orientation,
        readout: options.readout,
        readout_format: options.readoutFormat,
        disabled: options.disabled,
      },
      options,
      STYLE_SPECS.slider,
    );
    if (options.handleColor) this.get<Style>("style").set({ handle_color: options.handleColor });
  }

  get min(): number {
    return this.get<number>("min");
  }
  get max(): number {
    return this.get<number>("max");
  }
  get step(): number {
    return this.get<number>("step");
  }

  protected abstract integer(): boolean;

  protected override coerce(name: string, value: unknown): unknown {
    if (name !== "value" && name !== "min" && name !== "max" && name !== "step") return value;
    let v = Number(value);
    if (!Number.isFinite(v)) return this.get(name);
    if (this.integer()) v = Math.round(v);
    if (name === "value") v = clamp(v, this.min, this.max);
    return v;
  }

  protected override summary(): string {
    const d = this.description ? `, description=${JSON.stringify(this.description)}` : "";
    return `value=${this.value}, min=${this.min}, max=${this.max}, step=${this.step}${d}`;
  }

  override snapshotHtml(): string {
    const readout = this.get<boolean>("readout")
      ? ` <span style="font-family:monospace">${escapeHtml(formatReadout(this.value, this.get<string>("readout_format")))}</span>`
      : "";
    return (
      `<div style="display:flex;align-items:center;${this.layoutCss()}">${this.labelHtml()}` +
      `<input type="range" disabled min="${this.min}" max="${this.max}" step="${this.step}" value="${this.value}" style="vertical-align:middle">${readout}</div>`
    );
  }
}

const INT_SLIDER_SPEC = controlSpec("IntSlider", SLIDER_DEFAULTS);

/** An integer slider (IntSliderModel). */
export class IntSlider extends Slider {
  constructor(options: SliderOptions = {}) {
    super(INT_SLIDER_SPEC, options, true);
  }
  protected integer(): boolean {
    return true;
  }
}

const FLOAT_SLIDER_SPEC = controlSpec("FloatSlider", { ...SLIDER_DEFAULTS, readout_format: ".2f", step: 0.1, max: 100.0 });

/** A slider over real numbers (FloatSliderModel); the value is a multiple of `step` away from `min`. */
export class FloatSlider extends Slider {
  constructor(options: SliderOptions = {}) {
    super(FLOAT_SLIDER_SPEC, { readoutFormat: ".2f", ...options }, false);
  }
  protected integer(): boolean {
    return false;
  }
}

export interface IntTextOptions extends DescriptionOptions {
  value?: number;
  step?: number;
  /** Send the value while typing (default false: on Enter or when the box loses focus). */
  continuousUpdate?: boolean;
  disabled?: boolean;
}

const INT_TEXT_SPEC = controlSpec("IntText", { ...DESCRIPTION_DEFAULTS, continuous_update: false, disabled: false, step: 1, value: 0 });

/** A box for an integer (IntTextModel). Range checks belong to whoever reads it. */
export class IntText extends ValueWidget<number> {
  constructor(options: IntTextOptions = {}) {
    super(
      INT_TEXT_SPEC,
      { value: Math.round(options.value ?? 0), step: options.step, continuous_update: options.continuousUpdate, disabled: options.disabled },
      options,
    );
  }

  protected override coerce(name: string, value: unknown): unknown {
    if (name !== "value") return value;
    const v = Number(value);
    return Number.isFinite(v) ? Math.round(v) : this.value;
  }

  protected override summary(): string {
    return `value=${this.value}${this.description ? `, description=${JSON.stringify(this.description)}` : ""}`;
  }

  override snapshotHtml(): string {
    return `<div style="display:flex;align-items:center;${this.layoutCss()}">${this.labelHtml()}<input type="number" disabled value="${this.value}"></div>`;
  }
}

export type DropdownChoices<T> = readonly T[] | readonly (readonly [string, T])[] | Readonly<Record<string, T>>;

export interface DropdownOptions<T> extends DescriptionOptions {
  /** Values (labelled with `String(value)`), `[label, value]` pairs, or `{label: value}`. */
  options: DropdownChoices<T>;
  /** The selected value (default: the first option). */
  value?: T;
  disabled?: boolean;
}

function choices<T>(options: DropdownChoices<T>): Array<[string, T]> {
  if (Array.isArray(options)) {
    return options.map((o) => (Array.isArray(o) && o.length === 2 && typeof o[0] === "string" ? [o[0], o[1] as T] : [String(o), o as T]));
  }
  return Object.entries(options as Record<string, T>);
}

const DROPDOWN_SPEC = controlSpec("Dropdown", { ...DESCRIPTION_DEFAULTS, _options_labels: [], disabled: false, index: null });

/**
 * A drop-down list (DropdownModel). The front-end knows the labels; the values stay in the kernel.
 * Version 1 front-ends select by label (`value`), version 2 by `index`.
 */
export class Dropdown<T = string> extends DescriptionWidget {
  private choices: Array<[string, T]>;

  constructor(options: DropdownOptions<T>) {
    const list = choices(options.options);
    let index: number | null = list.length ? 0 : null;
    if (options.value !== undefined) {
      index = list.findIndex(([, v]) => Object.is(v, options.value) || JSON.stringify(v) === JSON.stringify(options.value));
      if (index < 0) throw new Error(`Dropdown: value ${String(options.value)} is not one of the options`);
    }
    super(DROPDOWN_SPEC, { _options_labels: list.map(([label]) => label), index, disabled: options.disabled }, options);
    this.choices = list;
  }

  /** The selected value (null when nothing is selected). */
  get value(): T | null {
    const i = this.index;
    return i === null ? null : this.choices[i][1];
  }
  set value(value: T | null) {
    if (value === null) {
      this.index = null;
      return;
    }
    const i = this.choices.findIndex(([, v]) => Object.is(v, value) || JSON.stringify(v) === JSON.stringify(value));
    if (i < 0) throw new Error(`Dropdown: value ${String(value)} is not one of the options`);
    this.index = i;
  }

  get index(): number | null {
    return this.get<number | null>("index");
  }
  set index(index: number | null) {
    this.set({ index });
  }

  get label(): string | null {
    const i = this.index;
    return i === null ? null : this.choices[i][0];
  }

  get labels(): string[] {
    return this.choices.map(([label]) => label);
  }

  /** Replace the options; the selection moves to `value` or the first option. */
  setOptions(options: DropdownChoices<T>, value?: T): void {
    const list = choices(options);
    this.choices = list;
    const i = value === undefined ? (list.length ? 0 : null) : list.findIndex(([, v]) => Object.is(v, value));
    this.set({ _options_labels: list.map(([label]) => label), index: i === -1 ? null : i });
  }

  /** Call `listener(value)` after the selection changes. */
  onChange(listener: (value: T | null) => void): () => void {
    return this.observe("index", () => listener(this.value));
  }

  protected override coerce(name: string, value: unknown): unknown {
    if (name !== "index" || value === null) return value;
    const i = Number(value);
    return Number.isInteger(i) && i >= 0 && i < (this.choices?.length ?? this.get<string[]>("_options_labels").length) ? i : this.index;
  }

  protected override legacyWireState(state: Record<string, unknown>, full: boolean): Record<string, unknown> {
    const out = super.legacyWireState(state, full);
    if ("index" in out) {
      const i = out.index as number | null;
      const labels = this.get<string[]>("_options_labels");
      out.value = i === null ? null : labels[i];
      delete out.index;
    }
    return out;
  }

  protected override fromLegacyWireState(state: Record<string, unknown>): Record<string, unknown> {
    const out = { ...state };
    if ("value" in out) {
      const labels = this.get<string[]>("_options_labels");
      const i = labels.indexOf(out.value as string);
      out.index = i < 0 ? null : i;
      delete out.value;
    }
    return out;
  }

  protected override summary(): string {
    return `value=${JSON.stringify(this.label)}, options=${JSON.stringify(this.labels)}`;
  }

  override snapshotHtml(): string {
    const options = this.labels.map((label, i) => `<option${i === this.index ? " selected" : ""}>${escapeHtml(label)}</option>`).join("");
    return `<div style="display:flex;align-items:center;${this.layoutCss()}">${this.labelHtml()}<select disabled>${options}</select></div>`;
  }
}

export interface TextOptions extends DescriptionOptions {
  value?: string;
  placeholder?: string;
  /** Send the value while typing (default true). */
  continuousUpdate?: boolean;
  disabled?: boolean;
}

const TEXT_DEFAULTS = { ...DESCRIPTION_DEFAULTS, continuous_update: true, disabled: false, placeholder: "\u200b", value: "" };
const TEXT_SPEC = controlSpec("Text", TEXT_DEFAULTS);

/** A one-line text box (TextModel). */
export class Text extends ValueWidget<string> {
  constructor(options: TextOptions = {}) {
    super(TEXT_SPEC, textState(options), options, STYLE_SPECS.text);
  }

  protected override coerce(name: string, value: unknown): unknown {
    return name === "value" ? String(value ?? "") : value;
  }

  protected override summary(): string {
    return `value=${JSON.stringify(this.value)}${this.description ? `, description=${JSON.stringify(this.description)}` : ""}`;
  }

  override snapshotHtml(): string {
    return (
      `<div style="display:flex;align-items:center;${this.layoutCss()}">${this.labelHtml()}` +
      `<input type="text" disabled value="${escapeHtml(this.value)}" size="${Math.max(20, this.value.length + 2)}"></div>`
    );
  }
}

function textState(options: TextOptions): Record<string, unknown> {
  return { value: options.value, placeholder: options.placeholder, continuous_update: options.continuousUpdate, disabled: options.disabled };
}

export interface TextareaOptions extends TextOptions {
  /** Visible rows. */
  rows?: number;
}

const TEXTAREA_SPEC = controlSpec("Textarea", { ...TEXT_DEFAULTS, rows: null });

/** A multi-line text box (TextareaModel). */
export class Textarea extends ValueWidget<string> {
  constructor(options: TextareaOptions = {}) {
    super(TEXTAREA_SPEC, { ...textState(options), rows: options.rows }, options, STYLE_SPECS.text);
  }

  protected override coerce(name: string, value: unknown): unknown {
    return name === "value" ? String(value ?? "") : value;
  }

  protected override summary(): string {
    return `value=${JSON.stringify(this.value)}`;
  }

  override snapshotHtml(): string {
    const rows = this.get<number | null>("rows") ?? Math.max(2, this.value.split("\n").length);
    return `<div style="display:flex;align-items:flex-start;${this.layoutCss()}">${this.labelHtml()}<textarea disabled rows="${rows}" cols="40">${escapeHtml(this.value)}</textarea></div>`;
  }
}

export interface CheckboxOptions extends DescriptionOptions {
  value?: boolean;
  /** Leave room for a description on the left (default true). */
  indent?: boolean;
  disabled?: boolean;
}

const CHECKBOX_SPEC = controlSpec("Checkbox", { ...DESCRIPTION_DEFAULTS, disabled: false, indent: true, value: false });

/** A checkbox (CheckboxModel). */
export class Checkbox extends ValueWidget<boolean> {
  constructor(options: CheckboxOptions = {}) {
    super(CHECKBOX_SPEC, { value: options.value, indent: options.indent, disabled: options.disabled }, options, STYLE_SPECS.checkbox);
  }

  protected override coerce(name: string, value: unknown): unknown {
    return name === "value" ? Boolean(value) : value;
  }

  protected override summary(): string {
    return `value=${this.value}${this.description ? `, description=${JSON.stringify(this.description)}` : ""}`;
  }

  override snapshotHtml(): string {
    return `<label style="${this.layoutCss()}"><input type="checkbox" disabled${this.value ? " checked" : ""}> ${escapeHtml(this.description)}</label>`;
  }
}

export interface ButtonOptions extends DOMWidgetOptions {
  /** The button's label. */
  description?: string;
  buttonStyle?: "primary" | "success" | "info" | "warning" | "danger" | "";
  /** Font Awesome icon name without "fa-". */
  icon?: string;
  disabled?: boolean;
  /** Background color (style `button_color`). */
  buttonColor?: string;
}

const BUTTON_SPEC = controlSpec("Button", { ...DOM_DEFAULTS, button_style: "", description: "", disabled: false, icon: "", style: null });

/** A button (ButtonModel); `onClick` handlers run as small cells when it is clicked. */
export class Button extends DOMWidget {
  private readonly handlers = new Set<(button: Button) => unknown>();

  constructor(options: ButtonOptions = {}) {
    super(
      BUTTON_SPEC,
      {
        description: options.description,
        button_style: options.buttonStyle,
        icon: options.icon,
        disabled: options.disabled,
        style: new Style(STYLE_SPECS.button, options.buttonColor ? { button_color: options.buttonColor } : {}),
      },
      options,
    );
  }

  get description(): string {
    return this.get<string>("description");
  }
  set description(text: string) {
    this.set({ description: text });
  }

  /** Run `handler` on every click (awaited before the kernel takes the next message); returns a remover. */
  onClick(handler: (button: Button) => unknown): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Run the click handlers as a click in the front-end would. Errors are printed, not thrown. */
  async click(): Promise<void> {
    for (const handler of [...this.handlers]) {
      try {
        await handler(this);
      } catch (error) {
        process.stderr.write(`${this.toString()} click handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      }
    }
  }

  protected override async onCustomMessage(content: unknown, _buffers: Buffers): Promise<void> {
    if (content && typeof content === "object" && (content as Record<string, unknown>).event === "click") await this.click();
  }

  protected override legacyWireState(state: Record<string, unknown>, full: boolean): Record<string, unknown> {
    const out = super.legacyWireState(state, full);
    if ("tooltip" in out && out.tooltip === null) out.tooltip = "";
    return out;
  }

  protected override summary(): string {
    return `description=${JSON.stringify(this.description)}`;
  }

  override snapshotHtml(): string {
    return `<button disabled style="${this.layoutCss()}">${escapeHtml(this.description)}</button>`;
  }
}

export interface HTMLOptions extends DescriptionOptions {
  /** HTML to show (not sanitized by numlab: front-ends sanitize or trust it as they do cell output). */
  value?: string;
}

const HTML_SPEC = controlSpec("HTML", { ...DESCRIPTION_DEFAULTS, placeholder: "\u200b", value: "" });

/** A piece of HTML that code can change (HTMLModel). */
export class HTML extends ValueWidget<string> {
  constructor(options: HTMLOptions = {}) {
    super(HTML_SPEC, { value: options.value }, options, STYLE_SPECS.html);
  }

  protected override summary(): string {
    return `value=${JSON.stringify(this.value.length > 60 ? this.value.slice(0, 60) + "…" : this.value)}`;
  }

  override snapshotHtml(): string {
    return `<div style="${this.layoutCss()}">${this.labelHtml()}${this.value}</div>`;
  }
}

const LABEL_SPEC = controlSpec("Label", { ...DESCRIPTION_DEFAULTS, placeholder: "\u200b", value: "" });

/** A line of plain text (LabelModel). */
export class Label extends ValueWidget<string> {
  constructor(options: { value?: string } & DescriptionOptions = {}) {
    super(LABEL_SPEC, { value: options.value }, options, STYLE_SPECS.label);
  }

  protected override summary(): string {
    return `value=${JSON.stringify(this.value)}`;
  }

  override snapshotHtml(): string {
    return `<span style="${this.layoutCss()}">${escapeHtml(this.value)}</span>`;
  }
}

export interface BoxOptions extends DOMWidgetOptions {
  boxStyle?: "success" | "info" | "warning" | "danger" | "";
}

const BOX_DEFAULTS = { ...DOM_DEFAULTS, box_style: "", children: [] as Widget[] };

/** Widgets side by side (HBox), one under another (VBox), or as the layout says (Box). */
export class Box extends DOMWidget {
  constructor(children: readonly Widget[] = [], options: BoxOptions = {}, spec: ModelSpec = controlSpec("Box", BOX_DEFAULTS)) {
    for (const child of children) if (!isWidget(child)) throw new Error(`${spec.name}: children must be widgets, got ${String(child)}`);
    super(spec, { children: [...children], box_style: options.boxStyle }, options);
  }

  get children(): readonly Widget[] {
    return this.get<Widget[]>("children");
  }
  set children(children: readonly Widget[]) {
    this.set({ children: [...children] });
  }

  protected direction(): "row" | "column" {
    return "row";
  }

  protected override summary(): string {
    return `children=[${this.children.map((c) => c.toString()).join(", ")}]`;
  }

  override snapshotHtml(): string {
    const dir = this.direction();
    const inner = this.children.map((c) => `<div>${c.snapshotHtml()}</div>`).join("");
    return `<div style="display:flex;flex-direction:${dir};gap:4px 12px;${dir === "row" ? "align-items:center;flex-wrap:wrap;" : ""}${this.layoutCss()}">${inner}</div>`;
  }
}

const HBOX_SPEC = controlSpec("HBox", BOX_DEFAULTS);
const VBOX_SPEC = controlSpec("VBox", BOX_DEFAULTS);

export class HBox extends Box {
  constructor(children: readonly Widget[] = [], options: BoxOptions = {}) {
    super(children, options, HBOX_SPEC);
  }
}

export class VBox extends Box {
  constructor(children: readonly Widget[] = [], options: BoxOptions = {}) {
    super(children, options, VBOX_SPEC);
  }
  protected override direction(): "row" | "column" {
    return "column";
  }
}
