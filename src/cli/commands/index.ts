import type { Command } from "../command";
import { backendCommand } from "./backend";

/** Every `numlab` command. Add a command by importing it and listing it here. */
export const commands: Command[] = [
  backendCommand,
];
