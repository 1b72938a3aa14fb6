// `oomlab diagnose FILE...`: read each input ("-" is standard input), run the pure library
// (analyse/diagnose.ts), print the text report or one JSON object (each report with its file). Unreadable
// inputs are usage errors; no report in any input is exit status 1.

import { maxInputBytes, type ParsedArgs } from "../args.js";
import { printable, type CliIo } from "../io.js";
import { OomlabError } from "../../errors.js";
import { diagnose, type DiagnosedReport, type WhatIf } from "../../analyse/diagnose.js";
import { WHAT_IF_SETTINGS, type WhatIfSetting } from "../../analyse/what_if.js";
import { renderReport } from "../../render/diagnose.js";

/** The --what-if keys, as the kernel names them, by WhatIf field. */
const WHAT_IF_KEYS = Object.fromEntries(
  (Object.entries(WHAT_IF_SETTINGS) as [keyof WhatIf, WhatIfSetting][]).map(([field, s]) => [s.key, field]),
) as Record<string, keyof WhatIf>;

/** "--what-if min_free_kbytes=600" -> { minFreeKbytes: 600 }. VALUE is a decimal or 0x hex integer
 *  within the key's range (what_if.ts); anything else is a usage error naming the key's range. */
export function parseWhatIf(items: string[]): WhatIf {
  const w: WhatIf = {};
  for (const it of items) {
    const m = /^([a-z_]+)=(.*)$/is.exec(it);
    const key = m && Object.hasOwn(WHAT_IF_KEYS, m[1]) ? WHAT_IF_KEYS[m[1]] : undefined;
    if (!m || !key) {
      const keys = Object.keys(WHAT_IF_KEYS).join(", ");
      throw new OomlabError("OOMLAB_USAGE", `--what-if needs KEY=VALUE with KEY one of ${keys}, got '${it}'`);
    }
    const s = WHAT_IF_SETTINGS[key];
    const raw = m[2];
    const v = /^0x[0-9a-f]+$/i.test(raw) ? Number.parseInt(raw, 16) : /^[-+]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(Number.isSafeInteger(v) && v >= s.min && v <= s.max)) {
      const what = Number.isNaN(v) ? `'${raw}' is not ${s.expected}` : `${raw} is out of range: ${s.expected}`;
      throw new OomlabError("OOMLAB_USAGE", `--what-if ${s.key}: ${what}`);
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
  const replay = (opts.replay618 as string | undefined) ?? "auto";
  if (replay !== "auto" && replay !== "all" && replay !== "off")
    throw new OomlabError("OOMLAB_USAGE", `--replay618 ${printable(replay)}: expected auto, all or off`);
  const replayOpts = {
    replay618: replay !== "off",
    replayLimit: replay === "all" ? Number.POSITIVE_INFINITY : undefined,
  };
  const all: FiledReport[] = [];
  for (const f of files) {
    const res = diagnose(await readInput(io, f, maxBytes), { whatIf, ...replayOpts });
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
