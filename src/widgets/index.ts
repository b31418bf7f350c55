/**
 * Interactive widgets for the numlab kernel, speaking the @jupyter-widgets protocol (2.1 for
 * JupyterLab 4 and nbclient, version 1 for the classic Notebook's jupyter-js-widgets 2.1).
 */
export {
  Widget,
  DOMWidget,
  DescriptionWidget,
  ValueWidget,
  Layout,
  Style,
  isWidget,
  widgetStates,
  widgetStateDocument,
  currentWidgetProtocol,
  snapshotPage,
  type WidgetChange,
  type WidgetObserver,
  type LayoutOptions,
  type DOMWidgetOptions,
  type DescriptionOptions,
} from "./widget";
export {
  IntSlider,
  FloatSlider,
  IntText,
  Dropdown,
  Text,
  Textarea,
  Checkbox,
  Button,
  HTML,
  Label,
  Box,
  HBox,
  VBox,
  type SliderOptions,
  type IntTextOptions,
  type DropdownOptions,
  type DropdownChoices,
  type TextOptions,
  type TextareaOptions,
  type CheckboxOptions,
  type ButtonOptions,
  type HTMLOptions,
  type BoxOptions,
} from "./controls";
export { Output, type NotebookOutput, type CaptureOptions } from "./output";
export { interact, Interactive, type Control, type ControlValues, type InteractOptions } from "./interact";
export {
  nextIntegerExplorer,
  nextIntegerRows,
  parseSequence,
  factorizationExplorer,
  factorizationRows,
  factorizationRange,
  nameSampler,
  sampleNamesWithTemperature,
  polynomialExpander,
  polynomialExpansionRows,
  type PolynomialExpanderOptions,
  type PolynomialRunLike,
  type NextIntegerExplorerOptions,
  type FactorizationExplorerOptions,
  type FactorizationRunLike,
  type NameSamplerOptions,
} from "./walkthroughs";
export { kernelLink, type KernelCommLink, type WidgetProtocolInfo, type WidgetProtocolMajor } from "./link";
export { WIDGET_VIEW_MIME, WIDGET_STATE_MIME, PROTOCOL_VERSION, LEGACY_FRONTEND_RANGE } from "./protocol";
