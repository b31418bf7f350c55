import type { Command } from "../command";
import { backendCommand } from "./backend";
import { notebooksRunCommand } from "./notebooks";
import { probeCommand } from "./probe";
import { trainLstmCommand } from "./train-lstm";
import { oeisDownloadCommand, oeisSizesCommand, oeisStatsCommand } from "./oeis";
import { averageArithCommand, evalArithCommand, trainArithCommand } from "./arith";
import { evalPolyCommand, polyGenerateCommand, trainPolyCommand } from "./poly";
import { trainMakemoreCommand } from "./makemore";
import { evalNextTermCommand, guessCommand } from "./next-term";

/** Every `numlab` command. Add a command by importing it and listing it here. */
export const commands: Command[] = [
  backendCommand,
  notebooksRunCommand,
  probeCommand,
  trainLstmCommand,
  oeisStatsCommand,
  oeisSizesCommand,
  oeisDownloadCommand,
  trainArithCommand,
  evalArithCommand,
  averageArithCommand,
  trainPolyCommand,
  evalPolyCommand,
  polyGenerateCommand,
  trainMakemoreCommand,
  evalNextTermCommand,
  guessCommand,
];
