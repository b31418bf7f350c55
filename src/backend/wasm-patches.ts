/** Kernel patches for the WASM backend (filled in by the backend work). */
export function installWasmPatches(): void {
  // intentionally empty until the patches land
}
