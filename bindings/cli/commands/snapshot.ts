// `oomlab snapshot [--proc DIR]`: read a running system's /proc (or a copy laid out like it), compare
// its watermarks and protection with the formulas (analyse/snapshot.ts) and check every order.
// Missing /proc files are warnings; a --proc that is not a directory, or a file over the input cap, is a
// usage error.

import { maxInputBytes, type ParsedArgs } from "../args.js";
import type { CliIo } from "../io.js";
import { OomlabError } from "../../errors.js";
import { procReport } from "../../analyse/proc.js";
import { snapshotFromFiles, type SnapshotFiles } from "../../analyse/snapshot.js";
import { renderSnapshot } from "../../render/diagnose.js";

/** The /proc/sys/vm settings the formulas read. */
const SYS_VM_KEYS = ["min_free_kbytes", "watermark_scale_factor", "lowmem_reserve_ratio"];

/** A /proc file's text, or undefined (noted in missing) when it cannot be read; one over the cap is an error. */
async function optional(io: CliIo, path: string, maxBytes: number, missing: string[]): Promise<string | undefined> {
  try {
    return await io.readFile(path, maxBytes);
  } catch (e) {
    if (e instanceof OomlabError && e.code === "OOMLAB_INPUT_TOO_LARGE") throw e;
    missing.push(path);
    return undefined;
  }
}

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const opts = args.options;
  const dir = String(opts.proc ?? "/proc").replace(/\/+$/, "") || "/";
  if (io.isDirectory && !(await io.isDirectory(dir)))
    throw new OomlabError("OOMLAB_USAGE", `--proc ${dir} is not a directory`);
  const missing: string[] = [];
  const maxBytes = maxInputBytes(args);
  const at = (p: string) => optional(io, `${dir}/${p}`, maxBytes, missing);
  const version =
    (await at("sys/kernel/osrelease")) ?? (await at("version"))?.replace(/^Linux version (\S+).*$/s, "$1");
  if (version !== undefined) missing.splice(0, missing.length); // one of osrelease / version suffices
  const sysVm: Record<string, string> = {};
  for (const k of SYS_VM_KEYS) {
    const v = await at(`sys/vm/${k}`);
    if (v !== undefined) sysVm[k] = v;
  }
  const files: SnapshotFiles = {
    version: version?.trim(),
    buddyinfo: await at("buddyinfo"),
    zoneinfo: await at("zoneinfo"),
    pagetypeinfo: await at("pagetypeinfo"),
    sysVm,
    missing,
  };
  const snap = snapshotFromFiles(files);
  const have = files.buddyinfo !== undefined || files.zoneinfo !== undefined || files.pagetypeinfo !== undefined;
  const procTexts = {
    version: files.version ?? null,
    buddyinfo: files.buddyinfo,
    zoneinfo: files.zoneinfo,
    pagetypeinfo: files.pagetypeinfo,
  };
  const diag = have ? procReport("zoneinfo", procTexts) : null;
  if (opts.json) io.out(JSON.stringify({ ...snap, diagnosis: diag }) + "\n");
  else io.out(renderSnapshot(snap, diag));
}
