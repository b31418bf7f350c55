/**
 * After the interrupt watchdog terminated a cell's JavaScript, TensorFlow.js may have been stopped
 * inside an operation, a `tidy` or a gradient: its engine's counters then stay raised, and later
 * cells fail ("Cannot find a connection between any variable and the result of the loss function")
 * or track their tensors in a scope that never ends. Nothing runs at that moment, so the idle
 * values are the right ones: reset them. Tensors are left alone (a dropped scope's tensors are not
 * disposed; they may still be in use). The engine is found where TensorFlow.js keeps its single
 * instance, `globalThis._tfengine`, so this module does not load TensorFlow.js.
 */

interface EngineStateLike {
  gradientDepth: number;
  kernelDepth: number;
  scopeStack: unknown[];
  activeScope: unknown;
  activeTape: unknown;
  numDataMovesStack: unknown[];
}

/** Reset TensorFlow.js's engine to idle; what was not idle, in words (empty: nothing to do, or no TensorFlow.js). */
export function resetTfjsEngine(engine: unknown = (globalThis as { _tfengine?: unknown })._tfengine): string[] {
  const state = (engine as { state?: Partial<EngineStateLike> } | undefined)?.state;
  if (!state || typeof state.kernelDepth !== "number" || !Array.isArray(state.scopeStack)) return [];
  const fixed: string[] = [];
  if (state.kernelDepth !== 0) fixed.push(`inside ${state.kernelDepth} kernel call(s)`);
  if (state.gradientDepth) fixed.push(`inside ${state.gradientDepth} gradient computation(s)`);
  if (state.scopeStack.length) fixed.push(`inside ${state.scopeStack.length} tidy scope(s)`);
  state.kernelDepth = 0;
  state.gradientDepth = 0;
  state.activeTape = null;
  state.scopeStack = [];
  state.activeScope = null;
  if (Array.isArray(state.numDataMovesStack)) state.numDataMovesStack = [];
  return fixed;
}
