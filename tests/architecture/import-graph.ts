/**
 * The import graph of `src/` and the two rules it must keep: no import cycles between files, and no
 * import upward through the layers. A module is a top-level folder of `src/` (`data`, `train`, ...)
 * or a file directly in it (`random`, `index`). Imports are read with TypeScript's own scanner
 * (`import`, `import type`, `export ... from`, `import()`, `require()`); type-only imports count,
 * since a type is a dependency too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

/**
 * The layers, lowest first. A file may import from its own module, from a module of the same layer
 * or from a lower layer, never from a higher one. `data` (where bytes come from: files, downloads,
 * generated pairs and smoke-mode stand-ins) sits below `datasets`, which shapes them for models. `eval` and `embeddings` sit below `train`,
 * whose evaluation hooks and embedding snapshots use them; `viz` and `widgets` present results.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["smoke", "random", "cancel"],
  ["math", "tokenizers"],
  ["backend"],
  ["display"],
  ["data"],
  ["datasets"],
  ["models"],
  ["eval", "embeddings"],
  ["train"],
  ["viz", "widgets"],
  ["notebooks", "kernel"],
  ["cli"],
  ["index"],
  ["internal"],
];

/** One relative import between two source files (paths relative to the repository, `/`-separated). */
export interface ImportEdge {
  from: string;
  to: string;
  specifier: string;
  line: number;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
}

/** Every `.ts` file under `dir`, as `/`-separated paths relative to `root`, sorted. */
export function sourceFiles(root: string, dir = "src"): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** The import graph of `sources` (path → text); relative specifiers resolve like TypeScript's `node` resolution (`x.ts`, `x/index.ts`). */
export function buildImportGraph(sources: ReadonlyMap<string, string>): ImportGraph {
  const files = [...sources.keys()].sort();
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = sources.get(from) ?? "";
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const specifier = ref.fileName;
      if (!specifier.startsWith(".")) continue; // a package
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
      const to = [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => sources.has(candidate));
      if (to === undefined) continue; // outside the tree (package.json) or not TypeScript
      const line = text.slice(0, ref.pos).split("\n").length;
      edges.push({ from, to, specifier, line });
    }
  }
  return { files, edges };
}

/** Read `src/` of the repository at `root` and build its import graph. */
export function readImportGraph(root: string): ImportGraph {
  return buildImportGraph(new Map(sourceFiles(root).map((file) => [file, fs.readFileSync(path.join(root, file), "utf8")])));
}

/** The module of a `src/...` file: its top-level folder, or its name without `.ts` for a file directly in `src/`. */
export function moduleOf(file: string): string {
  const parts = file.split("/").slice(1);
  return parts.length === 1 ? parts[0].replace(/\.ts$/, "") : parts[0];
}

/** Index of `module` in `layers` (0 = lowest), or -1 when no layer names it. */
export function layerIndex(module: string, layers: readonly (readonly string[])[] = LAYERS): number {
  return layers.findIndex((layer) => layer.includes(module));
}

/** Modules of `files` that no layer names. */
export function unlayeredModules(files: readonly string[], layers: readonly (readonly string[])[] = LAYERS): string[] {
  return [...new Set(files.map(moduleOf))].filter((m) => layerIndex(m, layers) < 0).sort();
}

/** One message per import from a higher layer, naming the file and line, the import and both layers. */
export function layerViolations(graph: ImportGraph, layers: readonly (readonly string[])[] = LAYERS): string[] {
  const out: string[] = [];
  for (const edge of graph.edges) {
    const fromModule = moduleOf(edge.from);
    const toModule = moduleOf(edge.to);
    const fromLayer = layerIndex(fromModule, layers);
    const toLayer = layerIndex(toModule, layers);
    if (fromLayer < 0 || toLayer < 0 || toLayer <= fromLayer) continue;
    out.push(
      `${edge.from}:${edge.line} imports "${edge.specifier}" (${edge.to}): ${fromModule} (layer ${fromLayer}: ${layers[fromLayer].join(", ")}) ` +
        `must not import from ${toModule} (layer ${toLayer}: ${layers[toLayer].join(", ")}), a higher layer`,
    );
  }
  return out;
}

/** Every import cycle between files: one path `a → b → … → a` per strongly connected component (Tarjan). */
export function findCycles(graph: ImportGraph): string[][] {
  const next = new Map<string, string[]>(graph.files.map((f) => [f, []]));
  for (const e of graph.edges) next.get(e.from)?.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const f of graph.files) if (!index.has(f)) visit(f);
  // One concrete cycle per component: the shortest path from its first file back to itself.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0];
    const parent = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i];
      for (const w of next.get(at) ?? []) {
        if (w === start) {
          const cycle = [start];
          for (let v: string | undefined = at; v !== undefined && v !== start; v = parent.get(v)) cycle.splice(1, 0, v);
          return [...cycle, start];
        }
        if (members.has(w) && !parent.has(w)) {
          parent.set(w, at);
          queue.push(w);
        }
      }
    }
    return [...component, component[0]]; // unreachable: a component is strongly connected
  });
}
