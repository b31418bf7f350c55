/**
 * Entry point of the `numlab` Jupyter kernel: `node dist/kernel/main.js <connection_file>`
 * (kernel-setup/kernels/numlab/kernel.json starts it).
 */
import { guardTimers } from "./cell-scope";
import { ProcessExitRequest, exitProcess, interceptProcessExit } from "./exit";
import { InterruptWatchdog } from "./interrupt";
import { NumlabKernel, kernelLog } from "./server";

export function startKernel(connectionFile: string): NumlabKernel {
  const kernel = new NumlabKernel(connectionFile);
  // Interrupts arrive as SIGINT (interrupt_mode "signal"); a helper thread owns it (./interrupt.ts).
  const watchdog = new InterruptWatchdog({ onInterrupt: () => kernel.interrupt(), onTerminated: (waitedMs) => kernel.interruptTerminated(waitedMs) });
  kernel.useInterruptWatchdog(watchdog);
  void watchdog.whenReady().then((mode) => {
    if (mode !== "thread") kernelLog("interrupts are cooperative only (no helper thread): a cell that never yields cannot be interrupted");
  });
  // Timers set by an interrupted cell stop with it (./cell-scope.ts).
  guardTimers();
  // process.exit() in a cell restarts the kernel cleanly instead of killing it silently.
  interceptProcessExit((code) => kernel.requestExit(code));
  // Errors from callbacks that outlive their cell are reported where output currently goes.
  // (A ProcessExitRequest is process.exit() called outside a cell: the kernel is already exiting.)
  process.on("uncaughtException", (error) => {
    if (!(error instanceof ProcessExitRequest)) console.error("Uncaught exception:", error);
  });
  process.on("unhandledRejection", (reason) => {
    if (!(reason instanceof ProcessExitRequest)) console.error("Unhandled promise rejection:", reason);
  });
  kernel.init().catch((error: unknown) => {
    kernelLog("could not start:", error instanceof Error ? error.stack : error);
    watchdog.stop();
    exitProcess(1);
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
