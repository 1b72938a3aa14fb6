// The human output of `oomlab diagnose` and `oomlab snapshot`: the verdict first, then the zones with
// units, the deciding arithmetic, the fragmentation indices the analysis computed (mm/vmstat.c
// unusable_free_index and __fragmentation_index, 6.18) and the victim. Prints data; computes nothing.

import type { DiagnosedReport, DiagnosedZone } from "../analyse/diagnose.js";
import type { SnapshotReport } from "../analyse/snapshot.js";
import { printableLines } from "../include/printable.js";
import { tableLines } from "./table.js";

const kb = (v: number | null) => (v === null ? "-" : `${v} kB`);
/** A figure that may be missing: "-" rather than "null" in prose. */
const figure = (v: number | null | undefined) => (v === null || v === undefined ? "-" : String(v));

/** The text with whatever it echoes of the input made printable, its line feeds kept. */
const printableText = printableLines;

/** The line that stands for warnings left out. */
const omittedLine = (n: number | undefined) =>
  n ? [`warning: ${n} more warning${n === 1 ? "" : "s"} not shown (only the first ones are kept)`] : [];
/** An index kept x1000, printed as "%d.%03d" of its absolute value with the sign in front. */
const milli = (v: number) =>
  `${v < 0 ? "-" : ""}${Math.floor(Math.abs(v) / 1000)}.${String(Math.abs(v) % 1000).padStart(3, "0")}`;

function zoneRows(zones: DiagnosedZone[]): string[] {
  const head = ["zone", "free", "min", "low", "high", "lowmem_reserve (pages)", "free blocks per order"];
  const rows = zones.map((z) => [
    `${z.node} ${z.name}`,
    kb(z.freeKb),
    kb(z.minKb),
    kb(z.lowKb),
    kb(z.highKb),
    z.lowmemReserve?.join(" ") ?? "-",
    z.freeAreas.length
      ? z.freeAreas.map((n, o) => `${n}${z.migratetypes?.[o] ? `(${z.migratetypes[o]})` : ""}`).join(" ")
      : "-",
  ]);
  return tableLines([head, ...rows]);
}

function fragRows(zones: DiagnosedZone[]): string[] {
  const out: string[] = [];
  for (const z of zones) {
    if (!z.fragmentation) continue;
    out.push(`  ${z.node} ${z.name} unusable: ${z.fragmentation.unusableFreeIndex.map(milli).join(" ")}`);
    out.push(`  ${z.node} ${z.name} extfrag:  ${z.fragmentation.extfragIndex.map(milli).join(" ")}`);
  }
  return out;
}

function header(r: DiagnosedReport): string {
  const parts = [`${r.kind} at line ${r.line}`];
  if (r.kernelVersion) parts.push(`Linux ${r.kernelVersion}`);
  if (r.trigger) parts.push(`by ${r.trigger.comm}${r.trigger.pid !== null ? ` (pid ${r.trigger.pid})` : ""}`);
  if (r.order !== null) parts.push(`order ${r.order}`);
  if (r.gfpMask) parts.push(`gfp ${r.gfpMask}${r.gfpFlags.length ? `(${r.gfpFlags.join("|")})` : ""}`);
  return parts.join(", ");
}

export function renderReport(r: DiagnosedReport): string {
  const out = [`== ${header(r)}`, ""];
  out.push(r.verdict ? `${r.verdict.cause ? `[${r.verdict.cause}] ` : ""}${r.verdict.summary}` : "No verdict.", "");
  if (r.zones.length) out.push(`Zones (page size ${r.pageSizeKb} kB):`, ...zoneRows(r.zones).map((l) => `  ${l}`), "");
  if (r.verdict?.steps.length) out.push("Watermark arithmetic (pages):", ...r.verdict.steps.map((s) => `  ${s}`), "");
  if (r.zones.some((z) => z.fragmentation))
    out.push(
      "Fragmentation indices per order (unusable free space index, extfrag index; x1000 in the kernel):",
      ...fragRows(r.zones),
      "",
    );
  if (r.victim) out.push(`Victim: pid ${r.victim.pid} (${r.victim.comm})`, "");
  if (r.whatIf) {
    const s = r.whatIf.changes.settings;
    out.push(
      // as the user typed them: the sysctl's name (min_free_kbytes), a gfp mask in hex
      `What if ${Object.entries(s)
        .map(
          ([k, v]) => `${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}=${k === "gfp" ? `0x${v.toString(16)}` : v}`,
        )
        .join(", ")}:`,
    );
    for (const m of r.whatIf.changes.marks) {
      const b = m.before;
      out.push(
        `  ${m.node} ${m.name}: min/low/high ${figure(b.minKb)}/${figure(b.lowKb)}/${figure(b.highKb)} kB ` +
          `-> ${m.after.minKb}/${m.after.lowKb}/${m.after.highKb} kB`,
      );
    }
    const v = r.whatIf.verdict;
    out.push(
      v ? `  ${v.cause ? `[${v.cause}] ` : ""}${v.summary}` : "  no verdict",
      ...(v?.steps ?? []).map((l) => `    ${l}`),
      ...(r.whatIf.notes ?? []).map((n) => `  note: ${n}`),
      "",
    );
  }
  for (const w of r.warnings) out.push(`warning: line ${w.line}: ${w.message}`);
  out.push(...omittedLine(r.warningsOmitted));
  return printableText(out.join("\n").trimEnd() + "\n");
}

export function renderSnapshot(s: SnapshotReport, diag: DiagnosedReport | null): string {
  const out = [`Kernel ${s.version ?? "(unknown)"}; formulas ${s.era ?? "not recomputed"}`, ""];
  const rows = s.zones.map((z) => {
    const k = z.kernel;
    const c = z.computed;
    const f = (a: number | null, b: number | null | undefined) =>
      b === undefined || b === null || a === b ? String(a ?? "-") : `${a ?? "-"} (computed ${b})`;
    return [
      `${z.node} ${z.name}`,
      String(z.managed),
      f(k.min, c?.min),
      f(k.low, c?.low),
      f(k.high, c?.high),
      f(k.promo, c?.promo),
      k.protection?.join(" ") ?? "-",
    ];
  });
  if (s.zones.length)
    out.push(...tableLines([["zone", "managed", "min", "low", "high", "promo", "protection"], ...rows]), "");
  out.push(comparedLine(s));
  for (const d of s.differences)
    out.push(`  node ${d.node} ${d.zone} ${d.field}: kernel ${figure(d.kernel)}, computed ${figure(d.computed)}`);
  if (s.notCompared.length) out.push("Not compared:", ...s.notCompared.map((n) => `  ${n}`));
  out.push(
    `min_free_kbytes: ${s.minFreeKbytes.value ?? "?"} (${s.minFreeKbytes.origin}): ${s.minFreeKbytes.explanation}`,
    "",
  );
  // the snapshot lists the files' warnings with their file names: the diagnosis repeats none of them
  if (diag) out.push(renderReport({ ...diag, warnings: [], warningsOmitted: undefined }));
  for (const n of s.notes) out.push(`note: ${n}`);
  // line 0: the file as a whole (one that could not be read)
  for (const w of s.warnings) out.push(`warning: ${w.file}${w.line > 0 ? ` line ${w.line}` : ""}: ${w.message}`);
  out.push(...omittedLine(s.warningsOmitted));
  return printableText(out.join("\n").trimEnd() + "\n");
}

/** What the comparison covered: a match is claimed only for values compared. */
function comparedLine(s: SnapshotReport): string {
  const n = s.compared;
  const values = `${n} value${n === 1 ? "" : "s"} compared (min, low, high, promo, protection)`;
  if (n === 0) return "Nothing compared with the formulas.";
  if (!s.differences.length) return `${values}: all match the formulas.`;
  return `${values}: ${s.differences.length} differ from the formulas:`;
}
