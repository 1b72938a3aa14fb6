// `oomlab diagnose FILE...`: read each input ("-" is standard input), run the pure library
// (analyse/diagnose.ts), print the text report or one JSON object (each report with its file). Unreadable
// inputs are usage errors; no report in any input is exit status 1.

import { maxInputBytes, type ParsedArgs } from "../args.js";
import { printable, type CliIo } from "../io.js";
import { OomlabError } from "../../errors.js";
import { diagnose, type DiagnosedReport, type WhatIf } from "../../analyse/diagnose.js";
import { OOM_SCORE_ADJ_SETTING, WHAT_IF_SETTINGS, type WhatIfSetting } from "../../analyse/what_if.js";
import type { ScalarWhatIf } from "../../analyse/report.js";
import { renderReport } from "../../render/diagnose.js";

/** The --what-if keys, as the kernel names them, by WhatIf field. */
const WHAT_IF_KEYS = Object.fromEntries(
  (Object.entries(WHAT_IF_SETTINGS) as [ScalarWhatIf, WhatIfSetting][]).map(([field, s]) => [s.key, field]),
) as Record<string, ScalarWhatIf>;

/** A decimal or 0x hex integer within the range, or a usage error naming `what` and the range. */
function intArg(raw: string, s: { min: number; max: number; expected: string }, what: string): number {
  const v = /^0x[0-9a-f]+$/i.test(raw) ? Number.parseInt(raw, 16) : /^[-+]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(Number.isSafeInteger(v) && v >= s.min && v <= s.max)) {
    const why = Number.isNaN(v) ? `'${raw}' is not ${s.expected}` : `${raw} is out of range: ${s.expected}`;
    throw new OomlabError("OOMLAB_USAGE", `--what-if ${what}: ${why}`);
  }
  return v;
}

/** "--what-if min_free_kbytes=600" -> { minFreeKbytes: 600 }. VALUE is a decimal or 0x hex integer
 *  within the key's range (what_if.ts); anything else is a usage error naming the key's range. */
export function parseWhatIf(items: string[]): WhatIf {
  const w: WhatIf = {};
  const adj = OOM_SCORE_ADJ_SETTING;
  for (const it of items) {
    // oom_score_adj:PID=VALUE: one task's oom_score_adj
    const a = new RegExp(`^${adj.key}:([^=]*)=(.*)$`, "is").exec(it);
    if (a) {
      const pid = intArg(a[1], adj.pid, `${adj.key}:PID`);
      w.oomScoreAdj = { ...w.oomScoreAdj, [pid]: intArg(a[2], adj.value, `${adj.key}:${pid}`) };
      continue;
    }
    const m = /^([a-z_]+)=(.*)$/is.exec(it);
    const key = m && Object.hasOwn(WHAT_IF_KEYS, m[1]) ? WHAT_IF_KEYS[m[1]] : undefined;
    if (!m || !key) {
      const keys = [...Object.keys(WHAT_IF_KEYS), `${adj.key}:PID`].join(", ");
      throw new OomlabError("OOMLAB_USAGE", `--what-if needs KEY=VALUE with KEY one of ${keys}, got '${it}'`);
    }
    const s = WHAT_IF_SETTINGS[key];
    w[key] = intArg(m[2], s, s.key);
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
