// Where the memory went: Mem-Info's counters in kB, a breakdown of RAM into what the report counts and
// what it leaves unaccounted, the top consumers of the task dump by rss + swap + page tables, and the
// one sentence that says it (mm/show_mem.c __show_mem and mm/oom_kill.c dump_task, 6.18; older
// releases print subsets of the same counters, parse/meminfo.ts).
//
// The arithmetic: RAM = "pages RAM" (present pages). Counted: "pages reserved" (present - managed:
// the kernel image, memmap, firmware), free (NR_FREE_PAGES) and free_pcp (pages on the per-CPU
// lists, not in NR_FREE_PAGES), the LRU lists (active/inactive anon and file, isolated, unevictable;
// shmem and the swap cache are on them and are not added again), slab (reclaimable and not),
// kernel stacks (the per-node line, else the zone lines), page tables (pagetables, sec_pagetables),
// bounce, and the hugetlb pools (hugepages_total x hugepages_size: pool pages are neither free nor on
// an LRU). Unaccounted = RAM - counted: vmalloc, percpu, drivers' pages (and CMA areas devices hold),
// page cache not on an LRU, or counters read at different moments.

import type { ParsedReport, ParsedTask } from "../parse/reports.js";
import { printable } from "../include/printable.js";

/** Mem-Info's counters in kB; a counter the report does not print is left out. */
export interface MemoryCounters {
  totalRamKb?: number;
  reservedKb?: number;
  highmemKb?: number;
  cmaReservedKb?: number;
  freeKb?: number;
  freePcpKb?: number;
  freeCmaKb?: number;
  anonKb?: number;
  fileKb?: number;
  /** Active + inactive of the single LRU of 2.6.0 .. 2.6.27. */
  lruKb?: number;
  isolatedKb?: number;
  unevictableKb?: number;
  shmemKb?: number;
  mappedKb?: number;
  slabReclaimableKb?: number;
  slabUnreclaimableKb?: number;
  /** One slab counter (2.6.0 .. 2.6.27). */
  slabKb?: number;
  kernelStackKb?: number;
  pagetablesKb?: number;
  secPagetablesKb?: number;
  bounceKb?: number;
  hugetlbKb?: number;
  hugetlbFreeKb?: number;
  swapTotalKb?: number;
  swapFreeKb?: number;
  swapCacheKb?: number;
  pagecacheKb?: number;
  /** RAM less every counted part (MemoryBreakdown): present only when RAM and free are printed. */
  unaccountedKb?: number;
}

/** One part of RAM and the report fields it is read from. */
export interface MemoryPart {
  name: string;
  kb: number;
  /** Per mille of RAM. */
  ramPermille: number;
  fields: string;
}

export interface Consumer {
  name: string;
  /** Processes of this name in the table. */
  tasks: number;
  pids: number[];
  rssKb: number;
  swapKb: number;
  pgtablesKb: number;
  totalKb: number;
  /** Per mille of RAM (rss + page tables) and of total swap; null when the report prints no total. */
  ramPermille: number | null;
  swapPermille: number | null;
}

export interface MemoryBreakdown {
  totalRamKb: number;
  parts: MemoryPart[];
  countedKb: number;
  unaccountedKb: number;
  unaccountedPermille: number;
  /** Counters the arithmetic would use that the report does not print. */
  missing: string[];
  /** The task dump's processes by name, largest first (at most TOP_CONSUMERS). */
  consumers: Consumer[];
  /** What a reader should take away, in one sentence. */
  sentence: string;
  notes: string[];
}

export const TOP_CONSUMERS = 5;

const permille = (kb: number, of: number): number => (of > 0 ? Math.round((kb * 1000) / of) : 0);
/** "81%" from a per mille figure; "<1%" for a small non-zero share. */
export const percent = (pm: number): string => (pm > 0 && pm < 5 ? "<1%" : `${Math.round(pm / 10)}%`);

function sum(values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}

/** Mem-Info's counters of a report in kB (page counts times the report's page size). */
export function memoryCounters(r: ParsedReport): MemoryCounters {
  const m = r.memInfo;
  const ps = r.pageSizeKb ?? 4;
  const out: MemoryCounters = {};
  if (!m) return out;
  const p = m.pages;
  const pg = (...names: string[]): number | undefined => {
    const v = sum(names.map((n) => p[n]));
    return v === undefined ? undefined : v * ps;
  };
  const set = <K extends keyof MemoryCounters>(k: K, v: number | undefined | null) => {
    if (v !== undefined && v !== null) out[k] = v;
  };
  set("totalRamKb", m.ramPages !== null ? m.ramPages * ps : null);
  set("reservedKb", m.reservedPages !== null ? m.reservedPages * ps : null);
  set("highmemKb", m.highmemPages !== null ? m.highmemPages * ps : null);
  set("cmaReservedKb", m.cmaReservedPages !== null ? m.cmaReservedPages * ps : null);
  set("freeKb", pg("free"));
  set("freePcpKb", pg("free_pcp"));
  set("freeCmaKb", pg("free_cma"));
  if ("active_anon" in p || "Active_anon" in p || "inactive_anon" in p) {
    // "Active_anon" is 2.6.28 .. 2.6.31's spelling of active_anon
    set("anonKb", pg("active_anon", "Active_anon", "inactive_anon"));
    set("fileKb", pg("active_file", "inactive_file"));
  } else set("lruKb", pg("Active", "active", "inactive"));
  set("isolatedKb", pg("isolated_anon", "isolated_file"));
  set("unevictableKb", pg("unevictable"));
  set("shmemKb", pg("shmem"));
  set("mappedKb", pg("mapped"));
  set("slabReclaimableKb", pg("slab_reclaimable"));
  set("slabUnreclaimableKb", pg("slab_unreclaimable"));
  set("slabKb", pg("slab"));
  // kernel stacks: the per-node line (4.8+), else the zone lines (2.6.32 .. 4.7)
  const nodes = Object.values(m.nodesKb);
  const stackNodes = sum(nodes.map((n) => n.kernel_stack));
  set("kernelStackKb", stackNodes ?? sum(r.zones.map((z) => z.fieldsKb.kernel_stack)));
  set("pagetablesKb", pg("pagetables"));
  set("secPagetablesKb", pg("sec_pagetables"));
  set("bounceKb", pg("bounce"));
  // hugetlb pools: the per-node lines when printed (they repeat the global one on older kernels)
  const perNode = m.hugepages.filter((h) => h.node !== null);
  const pools = perNode.length ? perNode : m.hugepages;
  if (pools.length) {
    set("hugetlbKb", sum(pools.map((h) => h.total * h.sizeKb)));
    set("hugetlbFreeKb", sum(pools.map((h) => h.free * h.sizeKb)));
  }
  set("swapTotalKb", m.swapTotalKb);
  set("swapFreeKb", m.swapFreeKb);
  set("swapCacheKb", m.swapCachePages !== null ? m.swapCachePages * ps : null);
  set("pagecacheKb", m.pagecachePages !== null ? m.pagecachePages * ps : null);
  return out;
}

/** The parts of RAM the counters account for, in the order the breakdown prints them. */
const PARTS: { name: string; keys: (keyof MemoryCounters)[]; fields: string }[] = [
  { name: "reserved (kernel image, memmap, firmware)", keys: ["reservedKb"], fields: "pages reserved" },
  { name: "free", keys: ["freeKb"], fields: "free" },
  { name: "free on per-CPU lists", keys: ["freePcpKb"], fields: "free_pcp" },
  { name: "anonymous LRU (incl. shmem, swap cache)", keys: ["anonKb"], fields: "active_anon + inactive_anon" },
  { name: "file LRU (page cache)", keys: ["fileKb"], fields: "active_file + inactive_file" },
  { name: "LRU (active + inactive)", keys: ["lruKb"], fields: "active + inactive" },
  { name: "isolated from the LRU", keys: ["isolatedKb"], fields: "isolated_anon + isolated_file" },
  { name: "unevictable", keys: ["unevictableKb"], fields: "unevictable" },
  { name: "slab, reclaimable", keys: ["slabReclaimableKb"], fields: "slab_reclaimable" },
  { name: "slab, unreclaimable", keys: ["slabUnreclaimableKb"], fields: "slab_unreclaimable" },
  { name: "slab", keys: ["slabKb"], fields: "slab" },
  { name: "kernel stacks", keys: ["kernelStackKb"], fields: "kernel_stack" },
  { name: "page tables", keys: ["pagetablesKb", "secPagetablesKb"], fields: "pagetables + sec_pagetables" },
  { name: "bounce buffers", keys: ["bounceKb"], fields: "bounce" },
  { name: "hugetlb pools", keys: ["hugetlbKb"], fields: "hugepages_total x hugepages_size" },
];

/** rss, swap and page tables of a task in kB (page tables: pgtables_bytes, else nr_ptes + nr_pmds). */
export function taskFootprintKb(t: ParsedTask, ps: number): { rssKb: number; swapKb: number; pgtablesKb: number } {
  const pgtablesKb =
    t.pgtablesBytes !== undefined ? Math.floor(t.pgtablesBytes / 1024) : ((t.nrPtes ?? 0) + (t.nrPmds ?? 0)) * ps;
  return { rssKb: t.rssPages * ps, swapKb: (t.swapEntries ?? 0) * ps, pgtablesKb };
}

/** The table's processes by name, largest rss + swap + page tables first. */
export function topConsumers(r: ParsedReport, ramKb: number | null, swapKb: number | null): Consumer[] {
  const ps = r.pageSizeKb ?? 4;
  const byName = new Map<string, Consumer>();
  for (const t of r.taskTable?.tasks ?? []) {
    const f = taskFootprintKb(t, ps);
    let c = byName.get(t.name);
    if (!c) {
      c = {
        name: t.name,
        tasks: 0,
        pids: [],
        rssKb: 0,
        swapKb: 0,
        pgtablesKb: 0,
        totalKb: 0,
        ramPermille: null,
        swapPermille: null,
      };
      byName.set(t.name, c);
    }
    c.tasks++;
    c.pids.push(t.pid);
    c.rssKb += f.rssKb;
    c.swapKb += f.swapKb;
    c.pgtablesKb += f.pgtablesKb;
    c.totalKb += f.rssKb + f.swapKb + f.pgtablesKb;
  }
  const list = [...byName.values()].sort((a, b) => b.totalKb - a.totalKb || a.name.localeCompare(b.name));
  for (const c of list) {
    c.ramPermille = ramKb ? permille(c.rssKb + c.pgtablesKb, ramKb) : null;
    c.swapPermille = swapKb ? permille(c.swapKb, swapKb) : null;
  }
  return list.slice(0, TOP_CONSUMERS);
}

function swapWords(c: Consumer): string {
  const pm = c.swapPermille;
  if (pm === null || c.swapKb === 0) return "";
  if (pm >= 995 && pm <= 1005) return " and all of swap";
  if (pm > 1005)
    return ` and swap entries adding up to ${percent(pm)} of swap (an entry shared after fork counts in each process)`;
  return ` and ${percent(pm)} of swap`;
}

/** The sentence for a memcg OOM without RAM's counters (cgroup OOMs print none): the top consumer's
 *  share of the cgroup's limit, or null. */
export function memcgSentence(r: ParsedReport): string | null {
  const limit = r.kind === "memcg-oom" ? (r.memcg?.limitKb ?? null) : null;
  const top = topConsumers(r, null, null)[0];
  if (!limit || !top) return null;
  const pm = permille(top.rssKb + top.pgtablesKb, limit);
  const who = top.tasks > 1 ? `${printable(top.name)} (${top.tasks} processes)` : printable(top.name);
  return `${who} held ${percent(pm)} of the memory cgroup's limit (${limit} kB).`;
}

/** The sentence at the top of the verdict. */
function sentenceOf(r: ParsedReport, b: Omit<MemoryBreakdown, "sentence">): string {
  const top = b.consumers[0];
  const memcg = memcgSentence(r);
  if (memcg) return memcg;
  if (top && top.ramPermille !== null && top.ramPermille >= 100) {
    const who = top.tasks > 1 ? `${printable(top.name)} (${top.tasks} processes)` : printable(top.name);
    const rest =
      b.missing.length === 0 && b.unaccountedPermille >= 250
        ? `; ${percent(b.unaccountedPermille)} of RAM is in no counter`
        : "";
    return `${who} held ${percent(top.ramPermille)} of RAM${swapWords(top)}${rest}.`;
  }
  const biggest = [...b.parts].sort((x, y) => y.kb - x.kb)[0];
  const countedPermille = permille(b.countedKb, b.totalRamKb);
  if (b.missing.length && countedPermille < 500)
    return (
      `The counters this report prints account for ${percent(countedPermille)} of RAM (it does not print ` +
      `${b.missing.join(", ")}): where the rest went cannot be told from it.`
    );
  if (b.missing.length === 0 && b.unaccountedPermille >= 250 && (!biggest || b.unaccountedKb > biggest.kb))
    return (
      `${percent(b.unaccountedPermille)} of RAM (${b.unaccountedKb} kB) is in no counter the report prints: ` +
      "kernel memory outside slab, stacks and page tables (vmalloc, percpu, drivers)."
    );
  if (biggest) {
    const who = top ? `; the largest process, ${printable(top.name)}, held ${percent(top.ramPermille ?? 0)}` : "";
    const gaps = b.missing.length ? ` (the report does not print ${b.missing.join(", ")})` : "";
    if (biggest.fields === "free")
      return (
        `${percent(biggest.ramPermille)} of RAM was free${who}: the verdict says why the request could not use ` +
        `it${gaps}.`
      );
    return `The ${biggest.name} held ${percent(biggest.ramPermille)} of RAM${who}${gaps}.`;
  }
  return "The report prints too few counters to say where the memory went.";
}

/** The breakdown of RAM, or null when the report prints no RAM total ("pages RAM"). */
export function memoryBreakdown(r: ParsedReport, c: MemoryCounters): MemoryBreakdown | null {
  const ram = c.totalRamKb;
  if (ram === undefined || ram === 0) return null;
  const parts: MemoryPart[] = [];
  const missing: string[] = [];
  for (const p of PARTS) {
    const v = sum(p.keys.map((k) => c[k]));
    if (v === undefined) continue;
    parts.push({ name: p.name, kb: v, ramPermille: permille(v, ram), fields: p.fields });
  }
  if (c.freeKb === undefined) missing.push("free");
  if (c.anonKb === undefined && c.lruKb === undefined) missing.push("the LRU counters");
  else if (c.anonKb !== undefined) {
    const p = r.memInfo?.pages ?? {};
    for (const n of ["inactive_anon", "active_file", "inactive_file"]) if (!(n in p)) missing.push(n);
    if (!("active_anon" in p) && !("Active_anon" in p)) missing.push("active_anon");
  }
  if (c.slabKb === undefined && c.slabReclaimableKb === undefined) missing.push("slab");
  if (c.reservedKb === undefined) missing.push("pages reserved");
  const countedKb = parts.reduce((s, p) => s + p.kb, 0);
  const unaccountedKb = ram - countedKb;
  const notes: string[] = [];
  if (unaccountedKb < 0)
    notes.push(
      `the counted parts exceed RAM by ${-unaccountedKb} kB: the counters were read at different moments ` +
        "(or a reserved page is counted twice)",
    );
  const cmaHeld = (c.cmaReservedKb ?? 0) - (c.freeCmaKb ?? 0);
  if (cmaHeld > 0 && unaccountedKb > 0 && c.freeCmaKb !== undefined)
    notes.push(
      `${c.cmaReservedKb} kB of RAM is reserved for CMA and ${cmaHeld} kB of it is not free (free_cma ` +
        `${c.freeCmaKb} kB): CMA pages a device driver holds are in no counter and count as unaccounted ` +
        "(movable pages placed there are on the LRU)",
    );
  if (missing.length) notes.push(`not printed, so counted as unaccounted: ${missing.join(", ")}`);
  const base = {
    totalRamKb: ram,
    parts,
    countedKb,
    unaccountedKb,
    unaccountedPermille: permille(unaccountedKb, ram),
    missing,
    consumers: topConsumers(r, ram, c.swapTotalKb ?? null),
    notes,
  };
  return { ...base, sentence: sentenceOf(r, base) };
}
