// `oomlab diagnose FILE...`: read each input ("-" is standard input), run the pure library
// (analyse/diagnose.ts), print the text report or one JSON object (each report with its file). Unreadable
// inputs are usage errors; no report in any input is exit status 1.

import { maxInputBytes, type ParsedArgs } from "../args.js";
import { printable, type CliIo } from "../io.js";
import { OomlabError } from "../../errors.js";
import { diagnose, type DiagnosedReport, type WhatIf } from "../../analyse/diagnose.js";
import { renderReport } from "../../render/diagnose.js";

const WHAT_IF_KEYS: Record<string, keyof WhatIf> = {
  min_free_kbytes: "minFreeKbytes",
  watermark_scale_factor: "watermarkScaleFactor",
  order: "order",
  gfp: "gfp",
};
/** MAX_ORDER is at most 16 in any kernel oomlab reads (the engine's limit too). */
const MAX_WHAT_IF_ORDER = 15;

/** "--what-if min_free_kbytes=600" -> { minFreeKbytes: 600 }. */
export function parseWhatIf(items: string[]): WhatIf {
  const w: WhatIf = {};
  for (const it of items) {
    const m = /^([a-z_]+)=(0x[0-9a-f]+|\d+)$/i.exec(it);
    const key = m ? WHAT_IF_KEYS[m[1]] : undefined;
    if (!m || !key) {
      const keys = Object.keys(WHAT_IF_KEYS).join(", ");
      throw new OomlabError("OOMLAB_USAGE", `--what-if needs KEY=VALUE with KEY one of ${keys}, got '${it}'`);
    }
    const v = /^0x/i.test(m[2]) ? Number.parseInt(m[2], 16) : Number(m[2]);
    if (!Number.isSafeInteger(v) || (key === "order" && v > MAX_WHAT_IF_ORDER)) {
      throw new OomlabError("OOMLAB_USAGE", `--what-if ${it}: value out of range`);
    }
    w[key] = v;
  }
  return w;
}

async function readInput(io: CliIo, path: string, maxBytes: number): Promise<string> {
  if (path !== "-") return io.readFile(path, maxBytes);
  if (!io.readStdin) throw new OomlabError("OOMLAB_USAGE", "standard input is not available here");
  return io.readStdin(maxBytes);
}

/** Exit status when no input held a report (files and standard input alike), as grep does for no match. */
export const NOTHING_FOUND_STATUS = 1;

/** A report with the input it came from: the path as given, "-" for standard input. */
export type FiledReport = { file: string } & DiagnosedReport;

export async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const files = args.positionals;
  const opts = args.options;
  const whatIf = parseWhatIf((opts["what-if"] as string[] | undefined) ?? []);
  const maxBytes = maxInputBytes(args);
  const all: FiledReport[] = [];
  for (const f of files) {
    const res = diagnose(await readInput(io, f, maxBytes), { whatIf });
    if (!res.reports.length)
      io.err(`oomlab: ${printable(f)}: no OOM, allocation-failure, memcg, show_mem or /proc report found\n`);
    for (const r of res.reports) {
      all.push({ file: f, ...r });
      if (!opts.json) io.out((files.length > 1 ? `${f}: ` : "") + renderReport(r) + "\n");
    }
  }
  if (opts.json) io.out(JSON.stringify({ reports: all }) + "\n");
  return all.length > 0 ? 0 : NOTHING_FOUND_STATUS;
}
