#!/usr/bin/env node
// The oomlab command line: parse the arguments (cli/args.ts), run one command (cli/commands/), map
// errors to exit codes in one place: 0 ok, 2 usage and input errors, 1 anything else, 130 on SIGINT.
// main() runs in-process (tests); the process entry below runs a command on a worker thread
// (cli/process.ts) so that SIGINT is heard while a simulation computes.

import { OomlabError, type OomlabErrorCode } from "../errors.js";
import { COMMANDS, helpText, parseArgs, type ParsedArgs } from "./args.js";
import { nodeIo, printable, type CliIo } from "./io.js";

export type { CliIo } from "./io.js";
export { COMMANDS };

const INPUT_ERRORS: ReadonlySet<OomlabErrorCode> = new Set<OomlabErrorCode>([
  "OOMLAB_USAGE",
  "OOMLAB_INPUT_TOO_LARGE",
  "OOMLAB_BAD_SPEC",
  "OOMLAB_BAD_ARGUMENT",
  "OOMLAB_OVERLAPPING_ZONES",
  "OOMLAB_TOO_BIG",
  "OOMLAB_BAD_ORDER",
  "OOMLAB_BAD_PFN",
]);

/** Exit status for an error: 2 for usage and input errors, 1 otherwise. */
export function exitCodeFor(e: unknown): number {
  return e instanceof OomlabError && INPUT_ERRORS.has(e.code) ? 2 : 1;
}

/** A command's implementation, loaded on demand so that `oomlab diagnose` never loads the simulator. It may
 * return an exit status other than 0 for an outcome that is not an error (diagnose: nothing found). */
type Command = (args: ParsedArgs, io: CliIo) => Promise<void> | Promise<number>;

export const COMMAND_MODULES: Record<string, () => Promise<{ run: Command }>> = {
  demo: () => import("./commands/demo.js"),
  "bench churn": () => import("./commands/bench.js"),
  replay: () => import("./commands/replay.js"),
  diagnose: () => import("./commands/diagnose.js"),
  snapshot: () => import("./commands/snapshot.js"),
  machine: () => import("./commands/machine.js"),
  "trace stats": () => import("./commands/trace.js"),
  sweep: () => import("./commands/sweep.js"),
  "sweep merge": () => import("./commands/sweep.js").then((m) => ({ run: m.runMerge })),
  "sweep report": () => import("./commands/sweep_report.js"),
  compare: () => import("./commands/compare.js"),
  "lab predict": () => import("./commands/lab.js"),
  "lab compare": () => import("./commands/lab.js").then((m) => ({ run: m.runCompare })),
};

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.version) {
      io.out("oomlab 0.1.0\n");
      return 0;
    }
    if (args.help || !args.command) {
      io.out(helpText(args.command, args.group));
      if (args.help) return 0;
      const group = args.group?.join(" ");
      io.err(`oomlab: ${group ? `'${group}' needs a subcommand (listed above)` : "no command given"}\n`);
      return 2;
    }
    const load = COMMAND_MODULES[args.command.path.join(" ")];
    if (!load) throw new OomlabError("OOMLAB_USAGE", `command '${args.command.path.join(" ")}' has no implementation`);
    return (await (await load()).run(args, io)) ?? 0;
  } catch (e) {
    // Messages echo what the user gave (argv, file names, file contents): never raw control characters.
    io.err(`oomlab: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    return exitCodeFor(e);
  }
}

const isEntry =
  typeof process !== "undefined" &&
  process.argv[1] &&
  (await import("node:worker_threads")).isMainThread &&
  import.meta.url ===
    (await import("node:url")).pathToFileURL((await import("node:fs")).realpathSync(process.argv[1])).href;
/** Whether argv runs a command; help, --version and usage errors answer at once, without a worker thread. */
function runsCommand(argv: string[]): boolean {
  try {
    const args = parseArgs(argv);
    return !args.help && !args.version && args.command !== null;
  } catch {
    return false;
  }
}

if (isEntry) {
  const argv = process.argv.slice(2);
  if (runsCommand(argv)) {
    const { runOnWorker } = await import("./process.js");
    process.exitCode = await runOnWorker(argv);
  } else process.exitCode = await main(argv, await nodeIo());
}
