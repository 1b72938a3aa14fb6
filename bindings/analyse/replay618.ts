// "Would it have helped": a modern report's state rebuilt into the 6.18 kernel model (Kernel618) and its
// failing request run through 6.18's slow path (__alloc_pages: reclaim, compaction, the OOM killer).
// The rebuild:
// - zones from the zone lines: present and managed pages, the printed min/low/high less the boost as
//   explicit watermarks, the printed lowmem_reserve[]; zones laid out one after another from pfn 0,
//   each starting on a MAX_ORDER block;
// - pageblocks: a Movable run big enough for the zone's LRU pages and the free blocks on Movable lists,
//   the rest Unmovable (sweep/workloads/trace_state.ts pageblockRuns);
// - free blocks per order as printed, laid out so that no two buddies merge (trace_state.ts freeLayout):
//   an order whose migratetype letters include M goes to the Movable run, any other to the Unmovable run;
// - LRU folios (the zone line's active/inactive anon and file) on the allocated pages of the Movable
//   run first; anonymous ones owned by the task table's processes up to each one's rss_anon; reclaimable
//   slab (Mem-Info's slab_reclaimable) on the shrinker's list in the node's highest zone; every other
//   allocated page is unmovable kernel memory;
// - tasks with the table's rss, swap entries, page tables and oom_score_adj; swap total and used from
//   Mem-Info's swap lines.
// Memory cgroups, cpusets, per-CPU lists and MGLRU are not modelled (README: The 6.18 kernel). Pure.

import { Kernel618, OWNER_618 } from "../linux-6.18/kernel.js";
import { FolioKind, PG } from "../linux-6.18/include/linux/mm_inline.js";
import { GFP_618 } from "../linux-6.18/mm/page_alloc.js";
import { oomSystem618, selectBadProcess } from "../linux-6.18/mm/oom_kill.js";
import { oomRatelimitState } from "../linux-6.18/lib/ratelimit.js";
import { freeLayout, pageblockRuns } from "../sweep/workloads/trace_state.js";
import { MigrateType, ZONE_TYPES, type ZoneType } from "../include/linux/mmzone.js";
import { decodeGfp, gfpBitsFor, gfpEraForVersion, gfpZone } from "../include/linux/gfp.js";
import { parseRelease } from "../include/linux/version.js";
import type { MachineSpec, ZoneSpec } from "../include/machine.js";
import type { ParsedReport } from "../parse/reports.js";
import type { ParsedZone } from "../parse/show_mem.js";
import type { SimEvent, SimEventFields } from "../sim/events.js";
import { scaledLogLimits } from "../sim/log.js";

/** The largest machine rebuilt (pages): 16 Mi pages, 64 GiB of 4 KiB pages (16 bytes of folio
 *  bookkeeping a page: 256 MiB). */
export const MAX_REBUILD_PAGES = 2 ** 24;

/** Owner of anonymous folios no listed task holds (shmem, tasks left out of the table). */
const OWNER_UNLISTED_ANON = 0xfffffff9;
/** Owner of the rebuilt kernel's allocated pages that are not folios. */
const OWNER_REBUILT = 0xfffffff8;

/** What the replay changes from the report (diagnose --what-if). */
export interface Replay618Settings {
  /** Swap added, kB (the what-if's swap=). */
  swapAddKb?: number;
  /** vm.extfrag_threshold (default 500). */
  extfragThreshold?: number;
  /** CONFIG_COMPACTION (default true). */
  compaction?: boolean;
  /** oom_score_adj changed per pid. */
  oomScoreAdj?: Record<number, number>;
  /** The pid killed before the request (the report's victim killed earlier): its memory freed as
   *  the OOM killer's kill and the reaper free it (Kernel618.killTask). */
  killedFirst?: number;
}

/** One zone of the rebuilt machine (pages). */
export interface Replay618Zone {
  node: number;
  name: string;
  freePages: number;
  minPages: number;
  anonLruPages: number;
  fileLruPages: number;
  /** zone_reclaimable_pages: file LRU, plus anon LRU when swap has room. */
  reclaimablePages: number;
  /** Pages of printed free blocks that did not fit the layout (0 when every block was placed). */
  unplacedFreePages: number;
}

/** One answer of compaction_suitable: the fields of its simulation event. */
export type Replay618Compaction = SimEventFields["compaction_suitable"];

export interface Replay618 {
  /** false: not replayed (skipped says why). */
  replayed: boolean;
  skipped?: string;
  /** The request as the 6.18 model runs it. */
  request?: { order: number; gfpMask: string; gfp: string; comm: string | null };
  settings: Replay618Settings;
  assumptions: string[];
  zones: Replay618Zone[];
  swap?: { totalPages: number; freePages: number };
  reclaim?: {
    /** should_reclaim_retry's checks (the first), or null when the slow path never reached it. */
    retry: { zone: string; reclaimable: number; free: number; available: number; min: number; ok: boolean }[] | null;
    /** Direct reclaim's total progress (pages). */
    progress: number;
    /** Of it, pages the slab shrinker freed. */
    slabPages: number;
    /** Could reclaim have met the min mark: a zone with reclaimable + free above it (should_reclaim_retry's
     *  answer when the slow path reached it). */
    couldMeetMark: boolean;
    /** Free pages alone already pass a zone's order-0 min mark + lowmem_reserve. */
    alreadyMet: boolean;
    why: string;
  };
  compaction?: {
    /** Whether the slow path asks compaction at all for this request. */
    applies: boolean;
    why: string;
    suitable: Replay618Compaction[];
    attempts: { early: boolean; priority: string; result: string; ok: boolean }[];
    /** LRU pages (the movable pages compaction's migrate scanner may isolate). */
    movablePages: number;
  };
  oom?: {
    victim: { pid: number; comm: string; points: number } | null;
    /** true: the replayed slow path ran out_of_memory and killed it; false: select_bad_process's pick. */
    killed: boolean;
    reportVictim: { pid: number; comm: string } | null;
    /** null: one side has no victim. */
    agrees: boolean | null;
    note: string;
  };
  outcome?: "success" | "failed" | "panic";
  /** nopage's reason, or how the page came ("after an OOM kill", "after reclaim", ...). */
  how?: string;
  /** The task killed before the request (settings.killedFirst) and the pages its kill freed. */
  killedFirst?: { pid: number; comm: string; freedPages: number; swapEntries: number } | null;
}

const pages = (kb: number | null | undefined, pageKb: number) => Math.floor((kb ?? 0) / pageKb);

/** Whether diagnose tries the replay: an OOM or allocation failure report of a 5.x or 6.x kernel. */
export function replayApplies(r: ParsedReport): boolean {
  const rel = parseRelease(r.kernelVersion);
  return rel !== null && rel.major >= 5 && (r.kind === "oom" || r.kind === "alloc-failure" || r.kind === "memcg-oom");
}

/** Why a report cannot be replayed on 6.18, or null. */
export function notReplayable(r: ParsedReport): string | null {
  if (r.kind === "memcg-oom" || r.constraint?.constraint === "CONSTRAINT_MEMCG" || r.memcg)
    return "a memory cgroup's limit decided this OOM: memory cgroups are not modelled in 6.18 (README)";
  if (r.kind !== "oom" && r.kind !== "alloc-failure") return `a ${r.kind} report has no failing request`;
  const rel = parseRelease(r.kernelVersion);
  if (!rel) return "no kernel version printed: the replay is for 5.x and 6.x reports";
  if (rel.major < 5) return `Linux ${rel.major}.${rel.minor}: the replay is for 5.x and 6.x reports`;
  if (r.order === null || r.order < 0) return "no allocation order printed (a manual kill or a page fault)";
  if (r.gfpMask === null) return "no gfp mask printed";
  const zones = r.zones.filter((z) => (z.managedKb ?? 0) > 0);
  if (zones.length === 0) return "no zone with managed pages printed";
  const bad = zones.find(
    (z) =>
      !(ZONE_TYPES as readonly string[]).includes(z.name) ||
      z.presentKb === null ||
      z.minKb === null ||
      z.lowKb === null ||
      z.highKb === null ||
      z.freeAreas.length === 0,
  );
  if (bad) return `zone ${bad.name}: a zone type, size, watermark or per-order free line the model lacks`;
  const total = zones.reduce((s, z) => s + pages(z.presentKb, z.pageSizeKb), 0);
  if (total > MAX_REBUILD_PAGES) return `${total} pages present: above the rebuild's limit of ${MAX_REBUILD_PAGES}`;
  return null;
}

/** The printed mask in 6.18's bits, flag by flag (bit values moved between releases; composite names
 *  such as GFP_NOWAIT changed meaning, so single __GFP_ flags are translated). */
function gfp618Of(r: ParsedReport, notes: string[]): { mask: number; names: string } {
  const era = gfpEraForVersion(r.kernelVersion) ?? "6.18";
  const printed = Number.parseInt(r.gfpMask as string, 16);
  const src = gfpBitsFor(era);
  const dst = gfpBitsFor("6.18");
  let mask = 0;
  let known = 0;
  for (const [name, bit] of Object.entries(src)) {
    if (!name.startsWith("__GFP_") || bit === 0 || (bit & (bit - 1)) !== 0 || (printed & bit) === 0) continue;
    known |= bit;
    if (dst[name] !== undefined) mask |= dst[name];
    else notes.push(`gfp flag ${name} of ${era} has no 6.18 counterpart: left out`);
  }
  if ((printed & ~known) >>> 0) notes.push(`gfp bits 0x${((printed & ~known) >>> 0).toString(16)} unknown: left out`);
  mask >>>= 0;
  return { mask, names: decodeGfp(mask, "6.18").text };
}

/** The order's free blocks are on the CMA list alone (letter C only). */
const cmaOnly = (z: ParsedZone, o: number) => z.migratetypes?.[o] === "C";

interface ZonePlan {
  z: ParsedZone;
  spec: ZoneSpec;
  lru: { activeAnon: number; inactiveAnon: number; activeFile: number; inactiveFile: number };
}

function lruOf(z: ParsedZone, pageKb: number) {
  const f = z.fieldsKb;
  return {
    activeAnon: pages(f.active_anon, pageKb),
    inactiveAnon: pages(f.inactive_anon, pageKb),
    activeFile: pages(f.active_file, pageKb),
    inactiveFile: pages(f.inactive_file, pageKb),
  };
}

/** The zone's per-order counts, cut from order 0 up to the zone line's free pages when the per-order
 *  line counts more (per-CPU lists and frees racing the printout): the watermark checks read
 *  NR_FREE_PAGES, which the zone line prints. */
function trimmedAreas(z: ParsedZone, pageKb: number, notes: string[]): number[] {
  const areas = [...z.freeAreas];
  const listed = areas.reduce((a, n, o) => a + n * 2 ** o, 0);
  const free = z.freeKb === null ? listed : pages(z.freeKb, pageKb);
  let over = listed - free;
  if (over <= 0) return areas;
  for (let o = 0; o < areas.length && over > 0; o++) {
    const take = Math.min(areas[o], Math.ceil(over / 2 ** o));
    areas[o] -= take;
    over -= take * 2 ** o;
  }
  notes.push(
    `${z.name}: the per-order line lists ${listed} free pages, the zone line ${free}: the difference is taken ` +
      "from the smallest orders (the watermark checks read the zone's free count)",
  );
  return areas;
}

/** The machine of the report's printed zones (see the header). */
function machineOf(
  r: ParsedReport,
  pageKb: number,
  maxOrder: number,
  pbo: number,
): { m: MachineSpec; plans: ZonePlan[] } {
  const align = 2 ** (maxOrder - 1);
  let at = 0;
  const plans: ZonePlan[] = [];
  const nodes: { zones: ZoneSpec[] }[] = [];
  const zones = r.zones
    .filter((z) => (z.managedKb ?? 0) > 0)
    .sort((a, b) => a.node - b.node || ZONE_TYPES.indexOf(a.name as ZoneType) - ZONE_TYPES.indexOf(b.name as ZoneType));
  for (const z of zones) {
    const present = pages(z.presentKb, pageKb);
    const managed = Math.min(present, pages(z.managedKb, pageKb));
    // the zone ends on a MAX_ORDER block, so that the managed pages (the engine reserves present -
    // managed at the start) hold the largest free blocks
    const start = Math.ceil((at + present) / align) * align - present;
    const spec: ZoneSpec = {
      type: z.name as ZoneType,
      startPfn: start,
      spannedPages: present,
      presentPages: present,
      managedPages: managed,
      watermarks: {
        min: pages(z.minKb, pageKb),
        low: pages(z.lowKb, pageKb),
        high: pages(z.highKb, pageKb),
      },
    };
    if (z.lowmemReserve) spec.lowmemReserve = [...z.lowmemReserve];
    // orders listed on the CMA list alone get a CMA area at the zone's end, room for their blocks and
    // their allocated buddies (CMA pageblocks serve movable requests only)
    const top = maxOrder - 1;
    const cmaSpan = z.freeAreas.reduce((a, n, o) => a + (cmaOnly(z, o) ? n * 2 ** (o < top ? o + 1 : o) : 0), 0);
    const ppb = 2 ** pbo;
    const cmaPages = Math.ceil(cmaSpan / ppb) * ppb;
    const cmaStart = Math.floor((start + present - cmaPages) / ppb) * ppb;
    if (cmaPages > 0 && cmaStart >= start + present - managed)
      spec.cma = [{ startPfn: cmaStart, pages: start + present - cmaStart }];
    at = start + present;
    while (nodes.length <= z.node) nodes.push({ zones: [] });
    nodes[z.node].zones.push(spec);
    plans.push({ z, spec, lru: lruOf(z, pageKb) });
  }
  for (const n of nodes) if (n.zones.length === 0) n.zones.push({ type: "Normal", startPfn: at, spannedPages: 0 });
  return {
    m: { era: "6.18", nodes, pageSize: pageKb * 1024, maxOrder, pageblockOrder: pbo },
    plans,
  };
}

/** Rebuilds the report into a Kernel618 (no request run yet); the zones and notes of the rebuild. */
export function rebuild618(
  r: ParsedReport,
  s: Replay618Settings = {},
): { k: Kernel618; zones: Replay618Zone[]; assumptions: string[]; triggerPid: number | null } {
  const pageKb = r.zones.find((z) => (z.managedKb ?? 0) > 0)?.pageSizeKb ?? r.pageSizeKb ?? 4;
  const maxOrder = Math.max(...r.zones.map((z) => z.freeAreas.length));
  const pbo = Math.min(9, maxOrder - 1);
  const assumptions: string[] = [
    "zones laid out one after another, each ending on a MAX_ORDER block; the printed min/low/high (with any " +
      "boost, as the kernel checked them) are the watermarks",
    "pageblocks: one Movable run holding the zone's LRU pages and the free blocks of orders listed on a " +
      "Movable list (letter M), a CMA area at the zone's end for orders listed on the CMA list alone (C), the " +
      "rest Unmovable; the report prints no per-migratetype counts",
    "movable pages are the zone's LRU pages (anon and file), placed on the Movable run first; every other " +
      "allocated page is unmovable kernel memory",
    "MGLRU, memory cgroups, cpusets and per-CPU lists are not modelled",
  ];
  const { m, plans } = machineOf(r, pageKb, maxOrder, pbo);
  const mi = r.memInfo;
  const swapTotal = pages(mi?.swapTotalKb, pageKb) + pages(s.swapAddKb, pageKb);
  const swapUsed = Math.max(0, pages(mi?.swapTotalKb, pageKb) - pages(mi?.swapFreeKb, pageKb));
  const k = new Kernel618(m, {
    swapTotalPages: swapTotal,
    extfragThreshold: s.extfragThreshold,
    configCompaction: s.compaction,
    compactionProactiveness: 0,
    logLimits: scaledLogLimits(r.taskTable?.tasks.length ?? 0),
  });
  k.swap.usedPages = Math.min(swapUsed, swapTotal);
  // tasks
  const anonWanted = new Map<number, number>();
  for (const t of r.taskTable?.tasks ?? []) {
    if (k.task(t.pid)) continue;
    const anon = t.rssAnonPages ?? t.rssPages;
    k.addTask({
      pid: t.pid,
      comm: t.name,
      uid: t.uid,
      tgid: t.tgid,
      mm: t.tgid,
      totalVm: t.totalVmPages,
      rssAnon: anon,
      rssFile: t.rssFilePages ?? 0,
      rssShmem: t.rssShmemPages ?? 0,
      swapents: t.swapEntries ?? 0,
      pgtablesBytes: t.pgtablesBytes ?? (t.nrPtes ?? 0) * pageKb * 1024,
      oomScoreAdj: s.oomScoreAdj?.[t.pid] ?? t.oomScoreAdj,
    });
    anonWanted.set(t.pid, anon);
  }
  if (r.taskTable?.tasks.some((t) => t.rssAnonPages === undefined))
    assumptions.push("a task table without rss_anon: each task's rss counted as anonymous");
  const owners = [...anonWanted.entries()];
  let ownerAt = 0;
  const nextAnonOwner = (): number => {
    while (ownerAt < owners.length && owners[ownerAt][1] <= 0) ownerAt++;
    if (ownerAt >= owners.length) return OWNER_UNLISTED_ANON;
    owners[ownerAt][1]--;
    return owners[ownerAt][0];
  };
  // zones: pages, pageblocks, free blocks, folios
  const rm = k.machine.machine;
  const top = maxOrder - 1;
  const ppb = 2 ** pbo;
  const out: Replay618Zone[] = [];
  // Mem-Info's counters are the machine's: when the printed zones hold far less free memory than
  // Mem-Info's free (a report filtered to the request's zones), its slab is not theirs
  const zonesFree = r.zones.reduce((a, z) => a + pages(z.freeKb, pageKb), 0);
  const partial = (mi?.pages.free ?? 0) > 2 * zonesFree + 1024;
  if (partial)
    assumptions.push(
      `the report prints only some zones (Mem-Info free ${mi?.pages.free} pages, the zones ${zonesFree}): ` +
        "Mem-Info's slab is left out",
    );
  let slabLeft = partial ? 0 : (mi?.pages.slab_reclaimable ?? 0);
  const lastSlotOfNode = new Map<number, number>();
  // slab is kernel memory: lowmem, never HighMem or Movable
  for (const z of rm.zones)
    if (z.managedPages > 0 && z.type !== "HighMem" && z.type !== "Movable") lastSlotOfNode.set(z.node, z.slot);
  for (const p of plans) {
    const rz = rm.zones.find((z) => z.node === p.z.node && z.type === p.spec.type);
    if (!rz) continue;
    const first = rz.startPfn + (rz.presentPages - rz.managedPages);
    const end = rz.startPfn + rz.presentPages;
    const letters = p.z.migratetypes;
    const areas = trimmedAreas(p.z, pageKb, assumptions);
    const cma = p.spec.cma?.[0] ?? null;
    const onCma = areas.map((_, o) => cma !== null && cmaOnly(p.z, o));
    const onMovable = areas.map((_, o) => !onCma[o] && (letters === null || (letters[o] ?? "").includes("M")));
    const movableCounts = areas.map((n, o) => (onMovable[o] ? n : 0));
    const otherCounts = areas.map((n, o) => (onMovable[o] || onCma[o] ? 0 : n));
    const cmaCounts = areas.map((n, o) => (onCma[o] ? n : 0));
    const lruPages = p.lru.activeAnon + p.lru.inactiveAnon + p.lru.activeFile + p.lru.inactiveFile;
    const movableFree = movableCounts.reduce((a, n, o) => a + n * 2 ** o, 0);
    const present = cma ? cma.startPfn - rz.startPfn : rz.presentPages;
    const blocks = Math.ceil((present + (rz.startPfn % ppb)) / ppb);
    // the reserved pages at the zone start, and one pageblock of slack for the layout's alignment
    const reserved = rz.presentPages - rz.managedPages + (rz.startPfn % ppb);
    // a free block below the top order needs its buddy allocated (else they would merge): twice its pages
    const movableSpan = movableCounts.reduce((a, n, o) => a + n * 2 ** (o < top ? o + 1 : o), 0);
    const movablePages = Math.max(lruPages + movableFree, movableSpan);
    const movableBlocks =
      lruPages + movableFree === 0 ? 0 : Math.min(blocks, Math.ceil((reserved + movablePages) / ppb) + 1);
    const byType = [blocks - movableBlocks, movableBlocks, 0, 0, 0, 0];
    const runs = pageblockRuns({ startPfn: rz.startPfn, present, blocksByType: byType }, pbo);
    k.machine.allocAllOrder0(rz.slot, MigrateType.Unmovable, OWNER_REBUILT);
    for (const run of runs) {
      const s0 = Math.ceil(run.start / ppb) * ppb;
      const e0 = Math.min(Math.ceil(run.end / ppb) * ppb, Math.floor((rz.startPfn + rz.spannedPages) / ppb) * ppb);
      if (e0 > s0) k.machine.engineExports.zoneSetPageblocks(rz.slot, s0 - rm.basePfn, (e0 - s0) / ppb, run.mt);
    }
    // the CMA area's pageblocks are CMA from boot (Machine.create)
    if (cma) runs.push({ mt: MigrateType.CMA, start: cma.startPfn, end });
    const free = new Uint8Array(end - rz.startPfn);
    let unplaced = 0;
    for (const run of runs) {
      const counts =
        run.mt === MigrateType.Movable ? movableCounts : run.mt === MigrateType.CMA ? cmaCounts : otherCounts;
      if (!counts.some((n) => n > 0)) continue;
      const lay = freeLayout(Math.max(first, run.start), Math.min(end, run.end), counts, top);
      for (const [pfn, order] of lay.blocks) {
        k.machine.freeStrided(pfn, 1, 2 ** order, 2 ** order);
        free.fill(1, pfn - rz.startPfn, pfn - rz.startPfn + 2 ** order);
      }
      unplaced += lay.missing.reduce((a, n, o) => a + n * 2 ** o, 0);
    }
    // folios on allocated pages, the Movable run first, then CMA (movable allocations only)
    const rank = (mt: number) => (mt === MigrateType.Movable ? 0 : mt === MigrateType.CMA ? 1 : 2);
    const order = [...runs].sort((a, b) => rank(a.mt) - rank(b.mt));
    const want: [number, number, number][] = [
      [p.lru.inactiveAnon, FolioKind.Anon, PG.mapped],
      [p.lru.activeAnon, FolioKind.Anon, PG.mapped | PG.active],
      [p.lru.inactiveFile, FolioKind.File, 0],
      [p.lru.activeFile, FolioKind.File, PG.active],
    ];
    let w = 0;
    const isSlabZone = lastSlotOfNode.get(rz.node) === rz.slot;
    const done = () => w >= want.length && (!isSlabZone || slabLeft === 0);
    for (const run of order) {
      for (let pfn = Math.max(first, run.start); pfn < Math.min(end, run.end) && !done(); pfn++) {
        if (free[pfn - rz.startPfn]) continue;
        while (w < want.length && want[w][0] === 0) w++;
        if (w < want.length) {
          const [, kind, flags] = want[w];
          k.adoptFolio(pfn, 0, kind, kind === FolioKind.Anon ? nextAnonOwner() : OWNER_618.pagecache, flags);
          want[w][0]--;
        } else if (isSlabZone && slabLeft > 0) {
          k.adoptFolio(pfn, 0, FolioKind.SlabReclaimable, OWNER_618.slab);
          slabLeft--;
        }
      }
    }
    const lruLeft = want.reduce((a, x) => a + x[0], 0);
    if (lruLeft > 0) assumptions.push(`${p.z.name}: ${lruLeft} LRU pages found no allocated page to sit on`);
    out.push({
      node: rz.node,
      name: rz.type,
      freePages: k.machine.counters(rz.slot).freePages,
      minPages: p.spec.watermarks?.min ?? 0,
      anonLruPages: p.lru.activeAnon + p.lru.inactiveAnon,
      fileLruPages: p.lru.activeFile + p.lru.inactiveFile,
      reclaimablePages: k.zoneReclaimablePages(rz.slot),
      unplacedFreePages: unplaced,
    });
  }
  if (slabLeft > 0) assumptions.push(`${slabLeft} reclaimable slab pages found no room`);
  else if (!partial && (mi?.pages.slab_reclaimable ?? 0) > 0)
    assumptions.push("reclaimable slab (Mem-Info's slab_reclaimable) placed in each node's highest zone");
  const trig = r.trigger?.pid ?? null;
  return { k, zones: out, assumptions, triggerPid: trig !== null && k.task(trig) ? trig : null };
}

type EventOf<K extends SimEvent["kind"]> = Extract<SimEvent, { kind: K }>;
const eventsOf = <K extends SimEvent["kind"]>(ev: SimEvent[], kind: K) =>
  ev.filter((e): e is EventOf<K> => e.kind === kind && e.ctx === undefined);

/** Replays the report's failing request on 6.18 (see the header); replayed false with the reason when
 *  the report cannot be. */
export function replay618(r: ParsedReport, s: Replay618Settings = {}): Replay618 {
  const skip = notReplayable(r);
  const base: Replay618 = { replayed: false, settings: s, assumptions: [], zones: [] };
  if (skip) return { ...base, skipped: skip };
  const notes: string[] = [];
  const gfp = gfp618Of(r, notes);
  const order = r.order as number;
  const { k, zones, assumptions, triggerPid } = rebuild618(r, s);
  assumptions.push(...notes);
  const comm = r.trigger?.comm ?? null;
  const first = s.killedFirst === undefined ? undefined : killFirst(k, s.killedFirst, triggerPid, assumptions);
  const task = triggerPid === null || first?.pid === triggerPid ? null : (k.task(triggerPid) ?? null);
  k.current = task;
  const movable = (gfp.mask & GFP_618.__GFP_MOVABLE) !== 0;
  const direct = (gfp.mask & GFP_618.__GFP_DIRECT_RECLAIM) !== 0;
  const swapBefore = { totalPages: k.swapTotalPages, freePages: k.swapFreePages };
  let pfn = -1;
  try {
    pfn = k.allocFolio(gfp.mask, order, triggerPid ?? OWNER_618.kernel, movable ? FolioKind.Anon : FolioKind.Kernel);
  } finally {
    k.current = null;
  }
  const ev = k.log.events;
  const retry = eventsOf(ev, "should_reclaim_retry")[0]?.zones ?? null;
  const progress = eventsOf(ev, "__alloc_pages_direct_reclaim").reduce((a, e) => a + e.progress, 0);
  const reclaimable = zones.reduce((a, z) => a + z.reclaimablePages, 0);
  // without should_reclaim_retry's check: the zone's free + reclaimable pages against its min mark and
  // the lowmem_reserve of the request's highest zone, at order 0 (reclaim frees order-0 pages)
  // lowmem_reserve[] as a 64-bit kernel prints it: DMA, DMA32, Normal, Movable (no HighMem)
  const hz = Math.max(0, ["DMA", "DMA32", "Normal", "Movable"].indexOf(gfpZone(gfp.mask, "6.18")));
  const reserveOf = (name: string) =>
    r.zones.find((z) => z.name === name && (z.managedKb ?? 0) > 0)?.lowmemReserve?.[hz] ?? 0;
  const markOf = (z: Replay618Zone) => z.minPages + reserveOf(z.name);
  const sumWords = (z: Replay618Zone) => `${z.name} ${z.reclaimablePages} + ${z.freePages} vs ${markOf(z)}`;
  const alreadyMet = zones.some((z) => z.freePages > markOf(z));
  const couldMeet = retry ? retry.some((z) => z.ok) : zones.some((z) => z.reclaimablePages + z.freePages > markOf(z));
  const slab = eventsOf(ev, "shrink_node").reduce((a, e) => a + (e.who === "direct" ? e.slab : 0), 0);
  const swapWords = swapBefore.freePages > 0 ? " and anon, swap has room" : "; anon not: no free swap";
  const reclaimWhy =
    (retry
      ? `should_reclaim_retry: ${retry
          .map((z) => `${z.zone} ${z.reclaimable} reclaimable + ${z.free} free = ${z.available} vs min ${z.min}`)
          .join("; ")}`
      : alreadyMet
        ? `free pages alone pass a zone's min mark + lowmem_reserve at order 0 (${zones
            .filter((z) => z.freePages > markOf(z))
            .map((z) => `${z.name} ${z.freePages} > ${markOf(z)}`)
            .join(", ")}): reclaim is not what was missing; reclaimable ${reclaimable} pages (file LRU${swapWords})`
        : `reclaimable ${reclaimable} pages (file LRU${swapWords}) + free against each zone's min mark and ` +
          `lowmem_reserve (${zones.map(sumWords).join(", ")})`) +
    (progress > 0 ? `; direct reclaim freed ${progress} pages, ${slab} of them slab` : "") +
    (order > 0 ? `; reclaim frees order-0 pages: an order-${order} block also needs them to merge, or compaction` : "");
  // compaction_suitable's distinct answers (the slow path asks again on every round)
  const seen = new Set<string>();
  const suitable = eventsOf(ev, "compaction_suitable")
    .map(({ t: _t, kind: _k, ctx: _c, ...c }) => c)
    .filter((c) => {
      const key = JSON.stringify(c);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const attempts = eventsOf(ev, "__alloc_pages_direct_compact").map((e) => ({
    early: e.early,
    priority: e.priority,
    result: e.result,
    ok: e.ok,
  }));
  const applies = order > 0 && k.configCompaction && direct;
  const compWhy =
    order === 0
      ? "order 0: compaction never runs for order 0 (try_to_compact_pages, should_compact_retry)"
      : !k.configCompaction
        ? "CONFIG_COMPACTION off"
        : !direct
          ? "no __GFP_DIRECT_RECLAIM: the request cannot compact directly"
          : suitable.length
            ? suitable.map((c) => `${c.zone}: ${suitableWords(c)}`).join("; ")
            : "compaction_suitable was not asked (the request passed or left before compaction)";
  const kills = eventsOf(ev, "out_of_memory");
  // whom out_of_memory would pick: the slow path's kill, else select_bad_process on the rebuilt
  // tasks (the report's OOM ran on a state the printout no longer holds)
  const picked = kills[0] ?? selectedVictim(k, gfp.mask, order);
  const v = picked ? { pid: picked.pid, comm: picked.comm, points: picked.points } : null;
  const rv = r.victim ? { pid: r.victim.pid, comm: r.victim.comm } : null;
  const agrees = v && rv ? v.pid === rv.pid : null;
  const via = kills.length ? "the slow path's out_of_memory kills" : "select_bad_process on the rebuilt tasks picks";
  const changed = [
    first ? `with ${first.comm} (${first.pid}) killed first` : "",
    s.oomScoreAdj && Object.keys(s.oomScoreAdj).length
      ? `with oom_score_adj ${Object.entries(s.oomScoreAdj)
          .map(([pid, adj]) => `${adj} for pid ${pid}`)
          .join(", ")}`
      : "",
  ].filter(Boolean);
  const oomNote =
    v === null
      ? "no task the OOM killer could pick (no task table, or every task unkillable)"
      : agrees === false && changed.length
        ? `${changed.join(" and ")}, ${via} ${v.comm} (${v.pid}, ${v.points} points) instead of the report's ` +
          `${rv?.comm} (${rv?.pid})`
        : agrees === false
          ? `${via} ${v.comm} (${v.pid}, ${v.points} points), the report killed ${rv?.comm} (${rv?.pid}): ` +
            "tasks left out of the table, memory cgroups or a task already exiting can explain it"
          : agrees
            ? `${via} the report's victim, ${v.comm} (${v.pid}), with ${v.points} points`
            : `${via} ${v.comm} (${v.pid}, ${v.points} points); the report killed nobody`;
  const nopage = eventsOf(ev, "nopage")[0]?.why;
  return {
    replayed: true,
    request: { order, gfpMask: `0x${gfp.mask.toString(16)}`, gfp: gfp.names, comm },
    settings: s,
    assumptions,
    zones,
    swap: swapBefore,
    reclaim: {
      retry: retry ? retry.map((z) => ({ ...z })) : null,
      progress,
      slabPages: slab,
      couldMeetMark: couldMeet,
      alreadyMet,
      why: reclaimWhy,
    },
    compaction: {
      applies,
      why: compWhy,
      suitable,
      attempts,
      movablePages: zones.reduce((a, z) => a + z.anonLruPages + z.fileLruPages, 0),
    },
    oom: { victim: v, killed: kills.length > 0, reportVictim: rv, agrees, note: oomNote },
    outcome: k.panicked ? "panic" : pfn >= 0 ? "success" : "failed",
    how:
      pfn >= 0
        ? kills.length
          ? `after ${kills.length} OOM kill${kills.length > 1 ? "s" : ""}`
          : attempts.some((a) => a.ok)
            ? `after ${attempts.find((a) => a.ok)?.early ? "early async" : "direct"} compaction`
            : progress > 0
              ? "after direct reclaim"
              : first
                ? `at once, without reclaim, compaction or a kill: the free lists with ${first.comm}'s ` +
                  `${first.freedPages} freed pages pass the slow path's mark`
                : "at once, without reclaim, compaction or a kill: the printed free lists already pass the slow " +
                  "path's mark (the report is printed after the last attempt; frees in between, per-CPU lists)"
        : (nopage ?? "no page"),
    ...(first !== undefined ? { killedFirst: first } : {}),
  };
}

/** The report's victim killed before the request (the what-if victim_killed_earlier): Kernel618.killTask
 *  frees every block it owns and releases its swap entries, as exit_mmap and the oom reaper do after
 *  __oom_kill_process (mm/oom_kill.c, 6.18). null when the pid is not in the rebuilt task list. */
function killFirst(k: Kernel618, pid: number, triggerPid: number | null, notes: string[]) {
  const t = k.task(pid);
  if (!t) {
    notes.push(`pid ${pid} is not in the task table: nobody was killed before the request`);
    return null;
  }
  const swapEntries = t.swapents;
  const freedPages = k.killTask(t);
  notes.push(
    `${t.comm} (${pid}) killed before the request: ${freedPages} pages of its rss freed (the anonymous folios ` +
      `the rebuild gave it) and ${swapEntries} swap entries released`,
  );
  if (pid === triggerPid)
    notes.push(
      `${t.comm} (${pid}) is also the requesting task: killed first it would not ask; the request is run ` +
        "without a current task to show what the freed memory does",
    );
  return { pid, comm: t.comm, freedPages, swapEntries };
}

/** select_bad_process over the kernel's tasks, as out_of_memory would call it (mm/oom_kill.c 6.18:
 *  totalpages = totalram_pages() + total_swap_pages for an unconstrained OOM). */
function selectedVictim(k: Kernel618, gfpMask: number, order: number) {
  const sys = oomSystem618(k, oomRatelimitState(k.hz));
  const sel = selectBadProcess(sys, { gfpMask, order, nodemask: null }, k.totalramPages + k.swapTotalPages);
  if (sel.chosen === null || sel.chosen === "abort") return null;
  return { pid: sel.chosen.pid, comm: sel.chosen.comm, points: sel.chosenPoints ?? 0 };
}

/** compaction_suitable's arithmetic in words. */
export function suitableWords(c: Replay618Compaction): string {
  const cmp = c.usable > c.mark + c.reserve ? ">" : "<=";
  const wm = `${c.usable} usable free pages ${cmp} mark ${c.mark} + reserve ${c.reserve}`;
  if (c.fragindex === null || c.fragindex === undefined) return `${c.result} (${wm})`;
  return `${c.result} (${wm}; fragmentation index ${c.fragindex} vs extfrag_threshold ${c.extfragThreshold})`;
}
