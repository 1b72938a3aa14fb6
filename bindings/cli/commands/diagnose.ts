// The diagnose and snapshot commands: read the inputs through CliIo, run the pure library, print.
// Inputs the command cannot read are usage errors (exit 2); missing /proc files are warnings.

import type { CliIo } from "../main.js";
import { diagnose, type WhatIf } from "../../analyse/diagnose.js";
import { procReport } from "../../analyse/proc.js";
import { renderReport, renderSnapshot, type FragIndices } from "../../render/diagnose.js";
import { OomlabError } from "../../errors.js";
import { snapshotFromFiles, type SnapshotFiles } from "../../analyse/snapshot.js";

/** The indices of §9.1 (mm/vmstat.c), from bindings/fragmentation.ts. */
async function fragIndices(): Promise<FragIndices | null> {
  const { unusableFreeIndex, extfragIndex } = await import("../../mm/fragmentation.js");
  return { unusableFreeIndex: (n, o) => unusableFreeIndex(n, o), extfragIndex: (n, o) => extfragIndex(n, o) };
}

const WHAT_IF_KEYS: Record<string, keyof WhatIf> = { min_free_kbytes: "minFreeKbytes", watermark_scale_factor: "watermarkScaleFactor", order: "order", gfp: "gfp" };

/** "--what-if min_free_kbytes=600" -> { minFreeKbytes: 600 }. */
export function parseWhatIf(items: string[]): WhatIf {
  const w: WhatIf = {};
  for (const it of items) {
    const m = /^([a-z_]+)=(0x[0-9a-f]+|\d+)$/i.exec(it);
    const key = m ? WHAT_IF_KEYS[m[1]] : undefined;
    if (!m || !key) throw new OomlabError("OOMLAB_USAGE", `--what-if needs KEY=VALUE with KEY one of ${Object.keys(WHAT_IF_KEYS).join(", ")}, got '${it}'`);
    const v = /^0x/i.test(m[2]) ? Number.parseInt(m[2], 16) : Number(m[2]);
    if (!Number.isSafeInteger(v) || (key === "order" && v > 15)) throw new OomlabError("OOMLAB_USAGE", `--what-if ${it}: value out of range`);
    w[key] = v;
  }
  return w;
}

async function readInput(io: CliIo, path: string): Promise<string> {
  if (path !== "-") return io.readFile(path);
  if (!io.readStdin) throw new OomlabError("OOMLAB_USAGE", "standard input is not available here");
  return io.readStdin();
}

export async function runDiagnose(files: string[], opts: Record<string, unknown>, io: CliIo): Promise<void> {
  const whatIf = parseWhatIf((opts["what-if"] as string[] | undefined) ?? []);
  const frag = opts.json ? null : await fragIndices();
  const all = [];
  for (const f of files) {
    const res = diagnose(await readInput(io, f), { whatIf });
    if (!res.reports.length) io.err(`oomlab: ${f}: no OOM, allocation-failure, memcg, show_mem or /proc report found\n`);
    for (const r of res.reports) {
      all.push(r);
      if (!opts.json) io.out((files.length > 1 ? `${f}: ` : "") + renderReport(r, frag) + "\n");
    }
  }
  if (opts.json) io.out(JSON.stringify({ reports: all }) + "\n");
}

async function optional(io: CliIo, path: string, missing: string[]): Promise<string | undefined> {
  try {
    return await io.readFile(path);
  } catch {
    missing.push(path);
    return undefined;
  }
}

export async function runSnapshot(opts: Record<string, unknown>, io: CliIo): Promise<void> {
  const dir = String(opts.proc ?? "/proc").replace(/\/+$/, "") || "/";
  if (io.isDirectory && !(await io.isDirectory(dir))) throw new OomlabError("OOMLAB_USAGE", `--proc ${dir} is not a directory`);
  const missing: string[] = [];
  const at = (p: string) => optional(io, `${dir}/${p}`, missing);
  const version = (await at("sys/kernel/osrelease")) ?? (await at("version"))?.replace(/^Linux version (\S+).*$/s, "$1");
  if (version !== undefined) missing.splice(0, missing.length); // one of osrelease / version suffices
  const sysVm: Record<string, string> = {};
  for (const k of ["min_free_kbytes", "watermark_scale_factor", "lowmem_reserve_ratio"]) {
    const v = await at(`sys/vm/${k}`);
    if (v !== undefined) sysVm[k] = v;
  }
  const files: SnapshotFiles = { version: version?.trim(), buddyinfo: await at("buddyinfo"), zoneinfo: await at("zoneinfo"), pagetypeinfo: await at("pagetypeinfo"), sysVm };
  const snap = snapshotFromFiles(files);
  for (const m of missing) snap.warnings.push({ file: m, line: 0, message: "missing or unreadable" });
  const have = files.buddyinfo !== undefined || files.zoneinfo !== undefined || files.pagetypeinfo !== undefined;
  const diag = have ? procReport("zoneinfo", { version: files.version ?? null, buddyinfo: files.buddyinfo, zoneinfo: files.zoneinfo, pagetypeinfo: files.pagetypeinfo }) : null;
  if (opts.json) io.out(JSON.stringify({ ...snap, diagnosis: diag }) + "\n");
  else io.out(renderSnapshot(snap, diag, await fragIndices()));
}
