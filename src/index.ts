/**
 * numlab: the public API. Re-exports only; each area lives in its own folder.
 * data → datasets → models → training → evaluation → plots.
 */
export * from "./smoke";
export * from "./random";
export * from "./backend";
export * from "./display";
export * from "./train/run-dir";
