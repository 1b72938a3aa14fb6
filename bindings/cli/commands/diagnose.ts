// `oomlab diagnose FILE...`: read each input ("-" is standard input), run the pure library
// (analyse/diagnose.ts), print the text report or one JSON object (each report with its file). Unreadable
// inputs are usage errors; no report in any input is exit status 1.

import { maxInputBytes, type ParsedArgs } from "../args.js";
import { printable, type CliIo } from "../io.js";
import { OomlabError } from "../../errors.js";
import { diagnoseFile, filedJson, type FiledReport } from "../../analyse/diagnose.js";
import { parseWhatIf } from "../../analyse/what_if.js";
import { renderReport } from "../../render/diagnose.js";

async function readInput(io: CliIo, path: string, maxBytes: number): Promise<string> {
  if (path !== "-") return io.readFile(path, maxBytes);
  if (!io.readStdin) throw new OomlabError("OOMLAB_USAGE", "standard input is not available here");
  return io.readStdin(maxBytes);
}

/** Exit status when no input held a report (files and standard input alike), as grep does for no match. */
export const NOTHING_FOUND_STATUS = 1;

export { parseWhatIf, type FiledReport };

export async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const files = args.positionals;
  const opts = args.options;
  const whatIf = parseWhatIf((opts["what-if"] as string[] | undefined) ?? []);
  const maxBytes = maxInputBytes(args);
  const replay = (opts.replay618 as string | undefined) ?? "auto";
  if (replay !== "auto" && replay !== "all" && replay !== "off")
    throw new OomlabError("OOMLAB_USAGE", `--replay618 ${printable(replay)}: expected auto, all or off`);
  const replayOpts = {
    replay618: replay !== "off",
    replayLimit: replay === "all" ? Number.POSITIVE_INFINITY : undefined,
  };
  const all: FiledReport[] = [];
  for (const f of files) {
    const filed = diagnoseFile(f, await readInput(io, f, maxBytes), { whatIf, ...replayOpts });
    if (!filed.length)
      io.err(`oomlab: ${printable(f)}: no OOM, allocation-failure, memcg, show_mem or /proc report found\n`);
    for (const r of filed) {
      all.push(r);
      if (!opts.json) io.out((files.length > 1 ? `${f}: ` : "") + renderReport(r) + "\n");
    }
  }
  if (opts.json) io.out(filedJson(all) + "\n");
  return all.length > 0 ? 0 : NOTHING_FOUND_STATUS;
}
