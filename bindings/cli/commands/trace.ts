// `oomlab trace stats FILE [--json]`: count the kmem events of an ftrace text capture (plain, .gz or .xz,
// told apart by their first bytes) as they stream past (analyse/trace_stats.ts). Warnings about lines go to
// stderr, file:line first. A file that cannot be read, a damaged compressed stream, or a file with lines but
// no event among them (not an ftrace capture) is an input error (exit 2).

import type { ParsedArgs } from "../args.js";
import type { CliIo } from "../io.js";
import { OomlabError } from "../../errors.js";
import { traceStats } from "../../analyse/trace_stats.js";
import { renderTraceStats } from "../../render/trace_stats.js";
import { printable } from "../io.js";

async function* linesOfText(io: CliIo, path: string): AsyncGenerator<string[]> {
  yield (await io.readFile(path)).split("\n");
}

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const path = args.positionals[0];
  const stats = await traceStats(io.readLines ? io.readLines(path) : linesOfText(io, path));
  const p = stats.parse;
  const otherEvents = Object.values(p.otherEvents).reduce((a, b) => a + b, 0);
  if (stats.counts.events === 0 && otherEvents === 0 && p.comments === 0) {
    const why = p.malformed ? `${p.malformed} lines, none an ftrace event line` : "it is empty";
    const first = p.warnings[0] ? ` (line ${p.warnings[0].line}: ${p.warnings[0].message})` : "";
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `${path} is not an ftrace capture: ${why}${first}`);
  }
  for (const w of p.warnings) io.err(printable(`oomlab: ${path}:${w.line}: ${w.message}\n`));
  if (p.warningsOmitted)
    io.err(`oomlab: ${p.warningsOmitted} more warning${p.warningsOmitted === 1 ? "" : "s"} not shown\n`);
  io.out(args.options.json ? JSON.stringify(stats.counts) + "\n" : renderTraceStats(path, stats));
}
