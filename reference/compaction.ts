// The reference compact_zone: the pass assembly/compaction.ts runs, written again in plain
// TypeScript over the reference model (reference/model.ts), in pfns, straight from mm/compaction.c
// (6.18) for the differential tests. Same scope as the engine: linear scanners (no
// fast_find_migrateblock or fast_isolate_freepages), no per-CPU lists, no contention, migration
// fails only for want of a target.

import { OomlabError } from "../bindings/errors.js";
import { MigrateType, PAGE_ALLOC_COSTLY_ORDER } from "../bindings/include/linux/mmzone.js";
import {
  COMPACT_RESULT_NAMES,
  CompactResult,
  MIGRATE_MODE_BY_NAME,
  MigrateMode,
  type CompactZoneOptions,
  type CompactZoneResult,
} from "../bindings/include/linux/compaction.js";
import { AllocFlags } from "../bindings/mm/internal.js";
import type { RefMachine, RefZone } from "./model.js";

const COMPACT_CLUSTER_MAX = 32;

/** The options of Machine.compactZone (include/linux/compaction.ts CompactZoneOptions). */
export type RefCompactOptions = CompactZoneOptions;

/** What refCompactZone returns (include/linux/compaction.ts CompactZoneResult). */
export type RefCompactResult = CompactZoneResult;

/** struct compact_control for one pass. */
class Control {
  migratePfn = 0;
  freePfn = 0;
  nrMigratepages = 0;
  nrFreepages = 0;
  finishPageblock = false;
  /** cc->migratepages: list_add puts each new one first. */
  migratepages: number[] = [];
  /** cc->freepages[order]: pfns, first = list head. */
  freepages: number[][];
  migrateScanned = 0;
  freeScanned = 0;
  isolated = 0;
  success = 0;
  fail = 0;
  moves: number[] = [];
  captured = -1;
  constructor(
    readonly m: RefMachine,
    readonly z: RefZone,
    readonly order: number,
    readonly mt: number,
    readonly mode: MigrateMode,
    public wholeZone: boolean,
    readonly ignoreSkipHint: boolean,
    readonly ignoreBlockSuitable: boolean,
    readonly direct: boolean,
    readonly capture: boolean,
    readonly owner: number,
    readonly proactive: { wmarkLow: number } | null,
    readonly hpageOrder: number,
  ) {
    this.freepages = Array.from({ length: m.maxOrder }, () => []);
  }
}

/** One compact_zone pass on the reference model: Machine.compactZone's twin. */
export function refCompactZone(m: RefMachine, slot: number, opts: RefCompactOptions): RefCompactResult {
  if (m.machine.era !== "6.18") throw new OomlabError("OOMLAB_BAD_ARGUMENT", "compaction needs a 6.18 machine");
  const z = m.zoneRecord(slot);
  const mode = MIGRATE_MODE_BY_NAME[opts.mode];
  const cc = new Control(
    m,
    z,
    opts.order,
    opts.migratetype ?? MigrateType.Movable,
    mode,
    opts.wholeZone ?? false,
    opts.ignoreSkipHint ?? false,
    opts.ignoreBlockSuitable ?? false,
    opts.direct ?? true,
    opts.capture ?? false,
    opts.owner ?? 0,
    opts.proactive ?? null,
    opts.hpageOrder ?? m.pbOrder,
  );
  m.capture = (pfn, order, mt) => compactionCapture(cc, pfn, order, mt);
  try {
    const result = compactZone(cc, opts.resetSkip ?? false);
    return {
      result,
      resultName: COMPACT_RESULT_NAMES[result],
      moves: Int32Array.from(cc.moves),
      counters: {
        compactMigrateScanned: cc.migrateScanned,
        compactFreeScanned: cc.freeScanned,
        compactIsolated: cc.isolated,
        pgmigrateSuccess: cc.success,
        pgmigrateFail: cc.fail,
      },
      capturedPfn: cc.captured,
      migratePfn: cc.migratePfn,
      freePfn: cc.freePfn,
    };
  } finally {
    m.capture = null;
  }
}

// ---- small helpers ----

function zoneStart(cc: Control): number {
  return cc.z.start;
}
function zoneEnd(cc: Control): number {
  return cc.z.spanEnd;
}
function pbStart(m: RefMachine, pfn: number): number {
  return m.base + Math.floor((pfn - m.base) / m.pbPages) * m.pbPages;
}
function pbEnd(m: RefMachine, pfn: number): number {
  return pbStart(m, pfn) + m.pbPages;
}
function pbAligned(m: RefMachine, pfn: number): boolean {
  return (pfn - m.base) % m.pbPages === 0;
}

/** The head pfn of the free or allocated block holding pfn, or -1. */
function headOf(m: RefMachine, pfn: number): number {
  for (let o = 0; o < m.maxOrder; o++) {
    const h = m.base + Math.floor((pfn - m.base) / 2 ** o) * 2 ** o;
    const i = m.idx(h);
    if ((m.isFreeHead(h) || m.isAllocatedHead(h)) && h + 2 ** m.order[i] > pfn) return h;
  }
  return -1;
}

function lruPage(m: RefMachine, pfn: number): boolean {
  const h = headOf(m, pfn);
  return h >= 0 && m.isMovable(h);
}

function skipPersistent(m: RefMachine, pfn: number): boolean {
  const h = headOf(m, pfn);
  if (h < 0 || !m.isAllocatedHead(h)) return false;
  const o = m.order[m.idx(h)];
  return o > 0 && o >= m.pbOrder;
}

function isolationSuitable(cc: Control, pfn: number): boolean {
  return cc.ignoreSkipHint || !cc.m.pageblockSkip(pfn);
}

function isMigrateMovable(mt: number): boolean {
  return mt === MigrateType.Movable || mt === MigrateType.CMA;
}

function suitableMigrationSource(cc: Control, pfn: number): boolean {
  if (skipPersistent(cc.m, pfn)) return false;
  if (cc.mode !== MigrateMode.ASYNC || !cc.direct) return true;
  const blockMt = cc.m.pageblockType(pfn);
  return cc.mt === MigrateType.Movable ? isMigrateMovable(blockMt) : blockMt === cc.mt;
}

function suitableMigrationTarget(cc: Control, pfn: number): boolean {
  const m = cc.m;
  if (m.isFreeHead(pfn)) {
    const order = cc.order > 0 ? cc.order : m.pbOrder;
    if (m.order[m.idx(pfn)] >= order) return false;
  }
  if (cc.ignoreBlockSuitable) return true;
  return isMigrateMovable(m.pageblockType(pfn));
}

function skipIsolationOnOrder(cc: Control, order: number): boolean {
  if (cc.order !== -1 && order >= cc.order) return true;
  return order >= cc.m.pbOrder;
}

// ---- skip hints and cached positions ----

function resetCachedPositions(cc: Control): void {
  const c = cc.z.compact;
  c.cachedMigrate = [zoneStart(cc), zoneStart(cc)];
  c.cachedFree = pbStart(cc.m, zoneEnd(cc) - 1);
}

function testAndSetSkip(cc: Control, pfn: number): boolean {
  if (cc.ignoreSkipHint) return false;
  const was = cc.m.pageblockSkip(pfn);
  if (!was) cc.m.setPageblockSkip(pfn, true);
  return was;
}

function updateCachedMigrate(cc: Control, pfn: number): void {
  const end = pbEnd(cc.m, pfn);
  const c = cc.z.compact;
  if (end > c.cachedMigrate[0]) c.cachedMigrate[0] = end;
  if (cc.mode !== MigrateMode.ASYNC && end > c.cachedMigrate[1]) c.cachedMigrate[1] = end;
}

function updatePageblockSkip(cc: Control, pfn: number, cachedPfn: number): void {
  cc.m.setPageblockSkip(pfn, true);
  if (cachedPfn < cc.z.compact.cachedFree) cc.z.compact.cachedFree = cachedPfn;
}

function resetIsolationPfn(m: RefMachine, z: RefZone, pfn: number, source: boolean, target: boolean): boolean {
  if (skipPersistent(m, pfn)) return false;
  if (source && target && !m.pageblockSkip(pfn)) return true;
  if (!source && target && m.pageblockType(pfn) !== MigrateType.Movable) return false;
  const first = Math.max(pbStart(m, pfn), z.start);
  const last = Math.min(pbEnd(m, pfn) - 1, z.spanEnd - 1);
  for (let p = first; p <= last; p += 2 ** PAGE_ALLOC_COSTLY_ORDER) {
    if (source && lruPage(m, p)) {
      m.setPageblockSkip(p, false);
      return true;
    }
    if (target && m.isFreeHead(p)) {
      m.setPageblockSkip(p, false);
      return true;
    }
  }
  return false;
}

/** __reset_isolation_suitable. */
export function refResetIsolationSuitable(m: RefMachine, slot: number): void {
  const z = m.zoneRecord(slot);
  const c = z.compact;
  if (!c.blockskipFlush) return;
  c.blockskipFlush = false;
  let migrate = z.start;
  let free = z.spanEnd - 1;
  let resetMigrate = free;
  let resetFree = migrate;
  let sourceSet = false;
  let freeSet = false;
  for (; migrate < free; migrate += m.pbPages, free -= m.pbPages) {
    if (resetIsolationPfn(m, z, migrate, true, sourceSet) && migrate < resetMigrate) {
      sourceSet = true;
      resetMigrate = migrate;
      c.initMigrate = migrate;
      c.cachedMigrate = [migrate, migrate];
    }
    if (resetIsolationPfn(m, z, free, freeSet, true) && free > resetFree) {
      freeSet = true;
      resetFree = free;
      c.initFree = free;
      c.cachedFree = free;
    }
  }
  if (resetMigrate >= resetFree) {
    c.cachedMigrate = [migrate, migrate];
    c.cachedFree = free;
  }
}

// ---- capture and freeing ----

function compactionCapture(cc: Control, pfn: number, order: number, mt: number): boolean {
  if (!cc.capture || cc.captured >= 0 || cc.order < 0 || order !== cc.order) return false;
  if (mt === MigrateType.CMA || mt === MigrateType.Isolate) return false;
  if (order < cc.m.pbOrder && mt === MigrateType.Movable && cc.mt !== MigrateType.Movable) return false;
  cc.captured = pfn;
  cc.m.recordAllocated(pfn, order, cc.mt, cc.owner);
  return true;
}

/** __free_pages of a block whose head state is already cleared: split_large_buddy -> __free_one_page. */
function freePages(cc: Control, pfn: number, order: number): void {
  cc.m.splitLargeBuddy(cc.z, pfn, order, false);
}

// ---- the free scanner ----

function isolateFreePage(cc: Control, pfn: number, order: number): number {
  const m = cc.m;
  const z = cc.z;
  const mt = m.pageblockType(pfn);
  if (mt !== MigrateType.Isolate) {
    const mark = z.cfg.watermarks.min + 2 ** order;
    if (!m.zoneWatermarkOk618(z, 0, mark, 0, AllocFlags.CMA, z.freePages)) return 0;
  }
  m.delFromFreeList(z, pfn, order);
  m.accountFreepages(z, -(2 ** order), mt);
  if (order >= m.pbOrder - 1) {
    const endpage = pfn + 2 ** order - 1;
    for (let p = pfn; p < endpage; p += m.pbPages) {
      const pmt = m.pageblockType(p);
      if (pmt >= 3) continue; // migratetype_is_mergeable
      const prep = m.prepMoveFreepagesBlock(z, p);
      if (!prep) continue;
      m.moveFreepagesBlock(z, prep.start, pmt, MigrateType.Movable);
      m.setPageblockType(prep.start, MigrateType.Movable);
    }
  }
  return 2 ** order;
}

/** isolate_freepages_block: returns [pages isolated, where the scan stopped]. */
function isolateFreepagesBlock(cc: Control, start: number, end: number, stride: number): [number, number] {
  const m = cc.m;
  let pfn = start;
  let scanned = 0;
  let total = 0;
  for (; pfn < end; pfn += stride) {
    scanned++;
    if (m.isAllocatedHead(pfn)) {
      const n = 2 ** m.order[m.idx(pfn)];
      if (pfn + n <= end) {
        pfn += n - 1;
        scanned += n - 1;
      }
      continue;
    }
    if (!m.isFreeHead(pfn)) continue;
    const order = m.order[m.idx(pfn)];
    const got = isolateFreePage(cc, pfn, order);
    if (got === 0) break;
    scanned += got - 1;
    total += got;
    cc.nrFreepages += got;
    cc.freepages[order].push(pfn);
    if (cc.nrMigratepages <= cc.nrFreepages) {
      pfn += got;
      break;
    }
    pfn += got - 1;
  }
  if (pfn > end) pfn = end;
  cc.freeScanned += scanned;
  cc.isolated += total;
  return [total, pfn];
}

function isolateFreepages(cc: Control): void {
  const m = cc.m;
  let isolateStart = cc.freePfn;
  let blockStart = pbStart(m, isolateStart);
  let blockEnd = Math.min(blockStart + m.pbPages, zoneEnd(cc));
  const low = pbEnd(m, cc.migratePfn);
  let stride = cc.mode === MigrateMode.ASYNC ? COMPACT_CLUSTER_MAX : 1;
  while (blockStart >= low) {
    let next = true;
    if (suitableMigrationTarget(cc, blockStart) && isolationSuitable(cc, blockStart)) {
      const [n, stop] = isolateFreepagesBlock(cc, isolateStart, blockEnd, stride);
      isolateStart = stop;
      if (isolateStart === blockEnd) updatePageblockSkip(cc, blockStart, blockStart - m.pbPages);
      if (cc.nrFreepages >= cc.nrMigratepages) {
        if (isolateStart >= blockEnd) isolateStart = blockStart - m.pbPages;
        next = false;
      } else if (isolateStart < blockEnd) {
        next = false;
      } else if (n > 0) {
        stride = 1;
      } else {
        stride = Math.min(COMPACT_CLUSTER_MAX, stride * 2);
      }
    }
    if (!next) break;
    blockEnd = blockStart;
    blockStart -= m.pbPages;
    isolateStart = blockStart;
  }
  cc.freePfn = isolateStart;
}

// ---- the migrate scanner ----

function isolateMigratepagesBlock(cc: Control, low: number, end: number): void {
  const m = cc.m;
  const skipOnFailure = cc.direct && cc.mode === MigrateMode.ASYNC && cc.order >= 0;
  const orderBlockEnd = (pfn: number) => (Math.floor(pfn / 2 ** cc.order) + 1) * 2 ** cc.order;
  let nextSkip = skipOnFailure ? orderBlockEnd(low) : 0;
  let valid = -1;
  let skipUpdated = false;
  let scanned = 0;
  let isolated = 0;
  let aborted = false;
  for (; low < end; low++) {
    if (skipOnFailure && low >= nextSkip) {
      if (isolated) break;
      nextSkip = orderBlockEnd(low);
    }
    scanned++;
    if (valid < 0 && (pbAligned(m, low) || low === zoneStart(cc))) {
      if (!isolationSuitable(cc, low)) {
        low = end;
        aborted = true;
        break;
      }
      valid = low;
    }
    if (m.isFreeHead(low)) {
      const n = 2 ** m.order[m.idx(low)];
      low += n - 1;
      scanned += n - 1;
      continue;
    }
    let success = false;
    if (m.isAllocatedHead(low)) {
      const o = m.order[m.idx(low)];
      const n = 2 ** o;
      if (o > 0 && skipIsolationOnOrder(cc, o)) {
        low += n - 1;
        scanned += n - 1;
      } else if (m.isMovable(low)) {
        if (!skipUpdated && valid >= 0) {
          skipUpdated = true;
          if (testAndSetSkip(cc, valid) && !cc.finishPageblock) {
            low = end;
            aborted = true;
            break;
          }
        }
        if (!(o === 0 && skipIsolationOnOrder(cc, 0))) {
          cc.migratepages.unshift(low);
          cc.nrMigratepages += n;
          isolated += n;
          scanned += n - 1;
          low += n - 1;
          success = true;
          if (cc.nrMigratepages >= COMPACT_CLUSTER_MAX && !cc.finishPageblock) {
            low++;
            break;
          }
        }
      }
    }
    if (success || !skipOnFailure) continue;
    if (isolated) {
      cc.migratepages = [];
      cc.nrMigratepages = 0;
      isolated = 0;
    }
    if (low < nextSkip) {
      low = nextSkip - 1;
      nextSkip += 2 ** cc.order;
    }
  }
  if (!aborted && low > end) low = end;
  if (low === end && (!isolated || cc.finishPageblock)) {
    if (valid >= 0 && !skipUpdated) m.setPageblockSkip(valid, true);
    updateCachedMigrate(cc, low);
  }
  cc.migrateScanned += scanned;
  cc.isolated += isolated;
  cc.migratePfn = low;
}

function isolateMigratepages(cc: Control): boolean {
  const m = cc.m;
  let low = cc.migratePfn;
  let blockStart = Math.max(pbStart(m, low), zoneStart(cc));
  let blockEnd = pbEnd(m, low);
  for (; blockEnd <= cc.freePfn; blockStart = blockEnd, blockEnd += m.pbPages) {
    if ((pbAligned(m, low) || low === zoneStart(cc)) && !isolationSuitable(cc, blockStart)) {
      cc.migratePfn = low = blockEnd;
      continue;
    }
    if (!suitableMigrationSource(cc, blockStart)) {
      updateCachedMigrate(cc, blockEnd);
      cc.migratePfn = low = blockEnd;
      continue;
    }
    isolateMigratepagesBlock(cc, low, blockEnd);
    break;
  }
  return cc.nrMigratepages > 0;
}

// ---- migration ----

function compactionAlloc(cc: Control, order: number): number {
  let triedIsolating = false;
  for (;;) {
    let start = order;
    while (start < cc.m.maxOrder && cc.freepages[start].length === 0) start++;
    if (start === cc.m.maxOrder) {
      if (triedIsolating) return -1;
      isolateFreepages(cc);
      triedIsolating = true;
      continue;
    }
    const page = cc.freepages[start].shift() as number;
    while (start > order) {
      start--;
      cc.freepages[start].unshift(page + 2 ** start);
    }
    cc.nrFreepages -= 2 ** order;
    cc.nrMigratepages -= 2 ** order;
    return page;
  }
}

/** migrate_pages: false on -ENOMEM (no target for a folio). */
function migratePages(cc: Control): boolean {
  const m = cc.m;
  const list = cc.migratepages;
  cc.migratepages = [];
  for (const src of list) {
    const i = m.idx(src);
    const order = m.order[i];
    const dst = compactionAlloc(cc, order);
    if (dst < 0) {
      cc.fail += 2 ** order;
      cc.nrMigratepages = 0;
      return false;
    }
    const j = m.idx(dst);
    const owner = m.owner[i];
    const mt = m.allocMt[i];
    const movable = m.movable[i];
    m.clearHead(src);
    m.state[j] = 2; // PAGE_ALLOCATED
    m.order[j] = order;
    m.allocMt[j] = mt;
    m.movable[j] = movable;
    m.owner[j] = owner;
    freePages(cc, src, order);
    cc.moves.push(src, dst, order);
    cc.success += 2 ** order;
  }
  return true;
}

/** release_free_list: returns the highest pfn released, or -1. */
function releaseFreeList(cc: Control): number {
  let high = -1;
  for (let o = 0; o < cc.m.maxOrder; o++) {
    const list = cc.freepages[o];
    cc.freepages[o] = [];
    for (const pfn of list) {
      freePages(cc, pfn, o);
      high = Math.max(high, pfn);
    }
  }
  cc.nrFreepages = 0;
  return high;
}

// ---- __compact_finished and compact_zone ----

function extfragForOrder(z: RefZone, order: number): number {
  let free = 0;
  let suitable = 0;
  z.nrFree.forEach((n, o) => {
    free += n * 2 ** o;
    if (o >= order) suitable += n * 2 ** (o - order);
  });
  if (free === 0) return 0;
  return Math.floor(((free - suitable * 2 ** order) * 100) / free);
}

function scannersMet(cc: Control): boolean {
  const m = cc.m;
  return Math.floor((cc.freePfn - m.base) / m.pbPages) <= Math.floor((cc.migratePfn - m.base) / m.pbPages);
}

function compactFinished(cc: Control): number {
  const m = cc.m;
  if (scannersMet(cc)) {
    resetCachedPositions(cc);
    if (cc.direct) cc.z.compact.blockskipFlush = true;
    return cc.wholeZone ? CompactResult.COMPLETE : CompactResult.PARTIAL_SKIPPED;
  }
  if (cc.proactive) {
    const score = extfragForOrder(cc.z, cc.hpageOrder);
    return score > cc.proactive.wmarkLow ? CompactResult.CONTINUE : CompactResult.SUCCESS;
  }
  if (cc.order === -1) return CompactResult.CONTINUE;
  if (!pbAligned(m, cc.migratePfn)) return CompactResult.CONTINUE;
  for (let o = cc.order; o < m.maxOrder; o++) {
    if (!m.listEmpty(cc.z, o, cc.mt)) return CompactResult.SUCCESS;
    if (cc.mt === MigrateType.Movable && !m.listEmpty(cc.z, o, MigrateType.CMA)) return CompactResult.SUCCESS;
    if (m.findSuitableFallback(cc.z, o, cc.mt, true) >= 0) return CompactResult.SUCCESS;
  }
  return CompactResult.NO_SUITABLE_PAGE;
}

function compactZone(cc: Control, resetSkip: boolean): number {
  const m = cc.m;
  const z = cc.z;
  const c = z.compact;
  if (resetSkip) refResetIsolationSuitable(m, z.cfg.slot);
  const start = zoneStart(cc);
  const end = zoneEnd(cc);
  const sync = cc.mode !== MigrateMode.ASYNC;
  if (cc.wholeZone) {
    cc.migratePfn = start;
    cc.freePfn = pbStart(m, end - 1);
  } else {
    cc.migratePfn = c.cachedMigrate[sync ? 1 : 0];
    cc.freePfn = c.cachedFree;
    if (cc.freePfn < start || cc.freePfn >= end) {
      cc.freePfn = pbStart(m, end - 1);
      c.cachedFree = cc.freePfn;
    }
    if (cc.migratePfn < start || cc.migratePfn >= end) {
      cc.migratePfn = start;
      c.cachedMigrate = [start, start];
    }
    if (cc.migratePfn <= c.initMigrate) cc.wholeZone = true;
  }
  // last_migrated_pfn: the kernel's 0 ("none", which is also pfn 0) is m.base here
  let lastMigrated = m.base;
  let updateCached = !sync && c.cachedMigrate[0] === c.cachedMigrate[1];
  let ret: number = CompactResult.CONTINUE;
  outer: for (;;) {
    ret = compactFinished(cc);
    if (ret === CompactResult.NO_SUITABLE_PAGE) ret = CompactResult.CONTINUE;
    if (ret !== CompactResult.CONTINUE) break;
    cc.finishPageblock = pbStart(m, lastMigrated) === pbStart(m, cc.migratePfn);
    for (;;) {
      if (!isolateMigratepages(cc)) {
        if (updateCached) c.cachedMigrate[1] = c.cachedMigrate[0];
        break;
      }
      updateCached = false;
      lastMigrated = Math.max(start, pbStart(m, cc.migratePfn - 1));
      if (!migratePages(cc)) {
        if (!scannersMet(cc)) {
          ret = CompactResult.CONTENDED;
          break outer;
        }
        if (!pbAligned(m, cc.migratePfn) && !cc.ignoreSkipHint && !cc.finishPageblock && cc.mode < MigrateMode.SYNC) {
          cc.finishPageblock = true;
          if (cc.order === cc.hpageOrder) lastMigrated = m.base;
          continue;
        }
      }
      if (cc.captured >= 0) {
        ret = CompactResult.SUCCESS;
        break outer;
      }
      break;
    }
    if (cc.order > 0 && lastMigrated !== m.base) {
      const blockStart = m.base + Math.floor((cc.migratePfn - m.base) / 2 ** cc.order) * 2 ** cc.order;
      if (lastMigrated < blockStart) lastMigrated = m.base;
    }
  }
  if (cc.nrFreepages > 0) {
    const high = releaseFreeList(cc);
    if (high >= 0) {
      const freePfn = pbStart(m, high);
      if (freePfn > c.cachedFree) c.cachedFree = freePfn;
    }
  }
  return ret;
}
