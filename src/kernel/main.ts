/**
 * Entry point of the `numlab` Jupyter kernel: `node dist/kernel/main.js <connection_file>`
 * (kernel-setup/kernels/numlab/kernel.json starts it).
 */
import { NumlabKernel, kernelLog } from "./server";

export function startKernel(connectionFile: string): NumlabKernel {
  const kernel = new NumlabKernel(connectionFile);
  // Interrupts arrive as SIGINT (interrupt_mode "signal"); tslab's executor stops the cell.
  process.on("SIGINT", () => kernel.runner.interrupt());
  // Errors from callbacks that outlive their cell are reported where output currently goes.
  process.on("uncaughtException", (error) => console.error("Uncaught exception:", error));
  process.on("unhandledRejection", (reason) => console.error("Unhandled promise rejection:", reason));
  kernel.init().catch((error: unknown) => {
    kernelLog("could not start:", error instanceof Error ? error.stack : error);
    process.exit(1);
  });
  return kernel;
}

if (require.main === module) {
  const connectionFile = process.argv[2];
  if (!connectionFile) {
    process.stderr.write("usage: node dist/kernel/main.js <connection_file>\n");
    process.exit(2);
  }
  startKernel(connectionFile);
}
