import { parseArgs } from "util";
import type { Command } from "../command";
import { initBackend } from "../../backend";

export const backendCommand: Command = {
  name: "backend",
  summary: "pick the fastest working TensorFlow.js backend and report it",
  usage: "numlab backend [--json]\n\nHonours NUMLAB_BACKEND=tensorflow|wasm|cpu.",
  async run(args) {
    const { values } = parseArgs({ args, options: { json: { type: "boolean" } } });
    const info = await initBackend({ quiet: Boolean(values.json) });
    if (values.json) process.stdout.write(JSON.stringify(info) + "\n");
    return 0;
  },
};
