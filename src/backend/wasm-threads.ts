/**
 * Multi-threaded WASM in Node.
 *
 * tfjs-backend-wasm ships a pthread + SIMD build (tfjs-backend-wasm-threaded-simd.wasm) but never
 * uses it in Node: its feature flag WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false there,
 * and its loader hands Emscripten `blob:` URLs, which `worker_threads` cannot load. The Emscripten
 * output itself supports Node workers, so we register our own factory for the "wasm" backend that
 *  - writes the pthread worker script to a real file (Node workers need a path),
 *  - passes the module's own JS file as the script each worker evaluates,
 *  - instantiates the binary itself so it can answer `emscripten_num_logical_cores`: the C++ side
 *    divides the logical core count by two ("hyper-threading") and caps the pool at that, so on a
 *    2-core machine it would otherwise always choose one thread.
 * The pool then really runs XNNPACK on `threads` threads (the calling thread plus workers).
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

type WasmPackage = typeof import("@tensorflow/tfjs-backend-wasm");

interface EmscriptenImports {
  env: Record<string, unknown>;
}
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: unknown[]) => unknown;
  tfjs?: Record<string, unknown>;
  PThread?: { runningWorkers?: { unref?: () => void }[]; unusedWorkers?: { unref?: () => void }[] };
}
type ModuleFactory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

/** The bit of the WebAssembly JS API we use (the project's lib settings carry no DOM types). */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: unknown): Promise<{ instance: unknown; module: unknown }>;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Where the package's Emscripten outputs live. */
function wasmOutDir(): string {
  return path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "..", "wasm-out");
}

/** Write `text` to a temp file named by its hash (atomic rename, safe across processes). */
function tempScript(stem: string, text: string): string {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  const file = path.join(os.tmpdir(), `numlab-tfjs-wasm-${stem}-${(hash >>> 0).toString(16)}.js`);
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

/**
 * The module's JS with its pthread pool sized for `threads` (Emscripten pre-starts 8 workers,
 * each a Node isolate evaluating the module: slow to start, and we need only threads - 1).
 */
function moduleScriptFile(jsFile: string, threads: number): string {
  const text = fs.readFileSync(jsFile, "utf8").replace("var pthreadPoolSize=8;", `var pthreadPoolSize=${threads - 1};`);
  return tempScript("module", text);
}

/** The pthread worker script as a file (Node workers need a path, not a blob URL). */
function workerScriptFile(dir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file inside the installed wasm package
  const { wasmWorkerContents } = require(path.join(dir, "tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  // The package stores the script in a template literal, which turned its "\n" escapes into real
  // newlines inside string literals; restore them (the browser loader does the same).
  return tempScript("pthread-worker", wasmWorkerContents.replace(/\n/g, "\\n"));
}

/**
 * Threads to use: NUMLAB_WASM_THREADS, else the caller's `preferred` count, else 1 (at most 8).
 * One thread is the default because the models of these walkthroughs are small: handing their
 * small matmuls to a second thread costs more than it saves (3-7x slower per makemore step on
 * 2 cores), and a thread pool collapses when the other cores are busy. Large models gain up to
 * ~1.7x from 2 threads: ask for them with `initBackend({ threads: n })` or NUMLAB_WASM_THREADS.
 */
export function requestedWasmThreads(preferred?: number): number {
  const raw = process.env.NUMLAB_WASM_THREADS?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`NUMLAB_WASM_THREADS must be a positive integer; got "${raw}"`);
    return Math.min(n, 8);
  }
  if (preferred === undefined) return 1;
  if (!Number.isInteger(preferred) || preferred < 1) throw new Error(`initBackend: threads must be a positive integer; got ${preferred}`);
  return Math.min(preferred, 8, Math.max(1, os.cpus().length));
}

/**
 * Replace the registered "wasm" backend factory by one that loads the threaded SIMD build with
 * `threads` threads. Must run before `tf.setBackend("wasm")`. Returns false (and leaves the stock
 * factory in place) when threads are not possible here.
 */
export function registerThreadedWasmBackend(wasmPkg: WasmPackage, threads: number): boolean {
  if (threads <= 1 || typeof SharedArrayBuffer === "undefined") return false;
  // Someone already started the stock WASM backend: replacing it would drop its tensors.
  if ((tf.engine() as unknown as { registry: Record<string, unknown> }).registry["wasm"]) return false;
  const dir = wasmOutDir();
  const jsFile = path.join(dir, "tfjs-backend-wasm-threaded-simd.js");
  const wasmFile = path.join(dir, "tfjs-backend-wasm-threaded-simd.wasm");
  if (!fs.existsSync(jsFile) || !fs.existsSync(wasmFile)) return false;
  const stockFactory = tf.findBackendFactory("wasm");
  const stockPriority = 2;

  const threadedFactory = async (): Promise<tf.KernelBackend> => {
    const moduleFile = moduleScriptFile(jsFile, threads);
    const listenersBefore = {
      uncaughtException: process.listeners("uncaughtException"),
      unhandledRejection: process.listeners("unhandledRejection"),
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the patched Emscripten module written just above
    const factory = require(moduleFile) as ModuleFactory;
    const workerFile = workerScriptFile(dir);
    let failInit: (err: Error) => void = () => undefined;
    const initFailed = new Promise<never>((_, reject) => (failInit = reject));
    const module = await Promise.race([
      initFailed,
      factory({
        locateFile: (p: string, prefix: string) => (p.endsWith(".worker.js") ? workerFile : p.endsWith(".wasm") ? wasmFile : prefix + p),
        mainScriptUrlOrBlob: moduleFile,
        instantiateWasm: (imports: EmscriptenImports, receive: (instance: unknown, module: unknown) => void) => {
          // The C++ side uses min(requested, cores / 2): report 2 * threads "logical cores".
          imports.env.emscripten_num_logical_cores = () => 2 * threads;
          WebAssemblyApi.instantiate(fs.readFileSync(wasmFile), imports).then(
            (r) => receive(r.instance, r.module),
            (err: unknown) => failInit(new Error(`instantiating ${path.basename(wasmFile)}: ${String(err)}`)),
          );
          return {};
        },
        onAbort: (what: unknown) => failInit(new Error(`aborted: ${String(what)}`)),
      }),
    ]);
    module.tfjs = {
      init: module.cwrap("init", null, []),
      initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
      getThreadsCount: module.cwrap("get_threads_count", "number", []),
      registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
      disposeData: module.cwrap("dispose_data", null, ["number"]),
      dispose: module.cwrap("dispose", null, []),
    };
    // Emscripten installs process handlers that rethrow every uncaught error from inside its
    // minified source (printing a megabyte-long line); Node's defaults do the same job: remove them.
    const emitter = process as unknown as { listeners(e: string): unknown[]; removeListener(e: string, l: unknown): void };
    for (const event of ["uncaughtException", "unhandledRejection"] as const) {
      for (const listener of emitter.listeners(event)) {
        if (!(listenersBefore[event] as unknown[]).includes(listener)) emitter.removeListener(event, listener);
      }
    }
    wasmPkg.setThreadsCount(threads);
    const Backend = wasmPkg.BackendWasm as unknown as new (m: ThreadedModule) => tf.KernelBackend;
    const backend = new Backend(module);
    // The pool threads live forever (parked on a futex); Emscripten ref()s their workers, which
    // would keep Node from exiting. They hold no work of their own between kernels: unref them.
    const pthreads = module.PThread;
    for (const w of [...(pthreads?.runningWorkers ?? []), ...(pthreads?.unusedWorkers ?? [])]) w.unref?.();
    return backend;
  };

  tf.removeBackend("wasm");
  tf.registerBackend(
    "wasm",
    async () => {
      try {
        return await threadedFactory();
      } catch (err) {
        threadedFailure = (err as Error).message ?? String(err);
        if (!stockFactory) throw err;
        return stockFactory();
      }
    },
    stockPriority,
  );
  return true;
}

let threadedFailure: string | null = null;

/** Why the threaded build could not start (null if it did or was not tried). */
export function wasmThreadsFailure(): string | null {
  return threadedFailure;
}
