// The human output of `oomlab diagnose` and `oomlab snapshot`: the verdict first, then the zones with
// units, the deciding arithmetic, the fragmentation indices the analysis computed (mm/vmstat.c
// unusable_free_index and __fragmentation_index, 6.18) and the victim. Prints data; computes nothing.

import type { DiagnosedReport, DiagnosedZone, Replay618 } from "../analyse/diagnose.js";
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

/** A per mille share as a whole percent ("<1%" for a small non-zero share). */
const pct = (pm: number | null) => (pm === null ? "-" : pm > 0 && pm < 5 ? "<1%" : `${Math.round(pm / 10)}%`);

function breakdownLines(r: DiagnosedReport): string[] {
  const b = r.memoryBreakdown;
  if (!b) return [];
  const rows = b.parts.map((p) => [p.name, String(p.kb), pct(p.ramPermille), p.fields]);
  rows.push(["unaccounted", String(b.unaccountedKb), pct(b.unaccountedPermille), "RAM - the parts above"]);
  const out = [
    `Where the memory went (RAM ${b.totalRamKb} kB = "pages RAM" x ${r.pageSizeKb} kB; counted ${b.countedKb} kB):`,
    ...tableLines([["part", "kB", "of RAM", "report fields"], ...rows]).map((l) => `  ${l}`),
    ...b.notes.map((n) => `  note: ${n}`),
  ];
  if (b.consumers.length) {
    const crow = b.consumers.map((c) => [
      c.name,
      String(c.tasks),
      String(c.rssKb),
      String(c.swapKb),
      String(c.pgtablesKb),
      String(c.totalKb),
      pct(c.ramPermille),
      pct(c.swapPermille),
    ]);
    out.push(
      "Top consumers (task dump, by name; rss + swap + page tables):",
      ...tableLines([
        ["name", "tasks", "rss kB", "swap kB", "page tables kB", "total kB", "of RAM", "of swap"],
        ...crow,
      ]).map((l) => `  ${l}`),
    );
  }
  return [...out, ""];
}

function rankingLines(r: DiagnosedReport): string[] {
  const k = r.victimRanking;
  if (!k) return [];
  const who = `pid ${k.chosenPid}${k.killedPid !== k.chosenPid ? ` (killed: pid ${k.killedPid})` : ""}`;
  const place = k.rank === null ? "not in the table" : `rank ${k.rank} of the table, ${k.points} points`;
  const score =
    k.printedScore !== null
      ? `; the kernel printed score ${k.printedScore}, recomputed ${figure(k.computedScore)}`
      : "";
  const out = [
    `Why this victim (${k.era}; chosen by ${k.eraFrom}; totalpages ${figure(k.totalpages)}):`,
    `  the kernel chose ${who}: ${place}${score}`,
    ...(k.reason ? [`  why not the top task: ${k.reason}`] : []),
    ...tableLines([
      ["rank", "pid", "name", "points"],
      ...k.top.map((t, i) => [String(i + 1), String(t.pid), t.name, String(t.points)]),
    ]).map((l) => `    ${l}`),
    ...(k.exempt ? [`  ${k.exempt} task(s) exempt (oom_score_adj -1000 or oom_adj -17) are not ranked`] : []),
    ...k.notes.map((n) => `  note: ${n}`),
  ];
  return [...out, ""];
}

const reclaimWords = (r: NonNullable<Replay618["reclaim"]>) =>
  r.alreadyMet ? "mark already met" : r.couldMeetMark ? "could meet the mark" : "could not meet the mark";

/** "Would it have helped": the 6.18 replay's answers, each with its numbers (analyse/replay618.ts). */
function replayLines(p: Replay618 | undefined, pad: string): string[] {
  if (!p) return [];
  if (!p.replayed) return [`${pad}Would it have helped (6.18 replay): not replayed: ${p.skipped}`];
  const q = p.request;
  const out = [
    `${pad}Would it have helped (the report rebuilt into the 6.18 model; order ${q?.order}, ${q?.gfpMask}(${q?.gfp})):`,
    `${pad}  outcome: ${p.outcome}, ${p.how}`,
  ];
  if (p.reclaim) out.push(`${pad}  reclaim: ${reclaimWords(p.reclaim)}: ${p.reclaim.why}`);
  if (p.compaction)
    out.push(
      `${pad}  compaction: ${p.compaction.applies ? "asked" : "not asked"}: ${p.compaction.why}` +
        `; ${p.compaction.movablePages} movable (LRU) pages`,
    );
  if (p.oom) out.push(`${pad}  OOM killer: ${p.oom.note}`);
  out.push(...p.assumptions.map((a) => `${pad}  assumed: ${a}`));
  return out;
}

function victimLine(r: DiagnosedReport): string {
  const v = r.victim;
  if (!v) return "";
  const parts = [
    v.anonRssKb !== undefined ? `anon-rss ${v.anonRssKb} kB` : "",
    v.fileRssKb !== undefined ? `file-rss ${v.fileRssKb} kB` : "",
    v.shmemRssKb !== undefined ? `shmem-rss ${v.shmemRssKb} kB` : "",
    v.pgtablesKb !== undefined ? `page tables ${v.pgtablesKb} kB` : "",
    v.oomScoreAdj !== undefined ? `oom_score_adj ${v.oomScoreAdj}` : "",
  ].filter(Boolean);
  const c = r.constraint ? `; ${r.constraint.constraint || "no constraint printed"}` : "";
  return `Victim: pid ${v.pid} (${v.comm})${parts.length ? `: ${parts.join(", ")}` : ""}${c}`;
}

function header(r: DiagnosedReport): string {
  const parts = [`${r.kind} at line ${r.line}`];
  if (r.kernelVersion) parts.push(`Linux ${r.kernelVersion}`);
  if (r.trigger) parts.push(`by ${r.trigger.comm}${r.trigger.pid !== null ? ` (pid ${r.trigger.pid})` : ""}`);
  if (r.order !== null) parts.push(`order ${r.order}`);
  if (r.gfpMask) parts.push(`gfp ${r.gfpMask}${r.gfpFlags.length ? `(${r.gfpFlags.join("|")})` : ""}`);
  return parts.join(", ");
}

/** "What to do": the actions, numbered, each with its computed effect and what computed it. */
function actionLines(r: DiagnosedReport): string[] {
  if (!r.actions?.length) return [];
  return [
    "What to do:",
    ...r.actions.flatMap((a, i) => [
      `  ${i + 1}. [${a.cause}] ${a.action}.`,
      `     effect: ${a.effect}.`,
      `     computed by: ${a.computedBy}`,
    ]),
    "",
  ];
}

export function renderReport(r: DiagnosedReport): string {
  const out = [`== ${header(r)}`, ""];
  if (r.summary) out.push(r.summary, "");
  out.push(...actionLines(r));
  if (r.verdict?.headline) out.push(r.verdict.headline);
  out.push(r.verdict ? `${r.verdict.cause ? `[${r.verdict.cause}] ` : ""}${r.verdict.summary}` : "No verdict.", "");
  if (r.zones.length) out.push(`Zones (page size ${r.pageSizeKb} kB):`, ...zoneRows(r.zones).map((l) => `  ${l}`), "");
  if (r.verdict?.steps.length) out.push("Watermark arithmetic (pages):", ...r.verdict.steps.map((s) => `  ${s}`), "");
  if (r.zones.some((z) => z.fragmentation))
    out.push(
      "Fragmentation indices per order (unusable free space index, extfrag index; x1000 in the kernel):",
      ...fragRows(r.zones),
      "",
    );
  out.push(...breakdownLines(r));
  if (r.victim) out.push(victimLine(r), "");
  out.push(...rankingLines(r));
  const replay = replayLines(r.replay618, "");
  if (replay.length) out.push(...replay, "");
  if (r.whatIf) {
    const s = r.whatIf.changes.settings;
    out.push(
      // as the user typed them: the sysctl's name (min_free_kbytes), a gfp mask in hex
      `What if ${Object.entries(s)
        .flatMap(([k, v]) =>
          typeof v === "object"
            ? Object.entries(v).map(([pid, adj]) => `oom_score_adj:${pid}=${adj}`)
            : [`${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}=${k === "gfp" ? `0x${v.toString(16)}` : v}`],
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
      ...replayLines(r.whatIf.replay618, "  "),
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
