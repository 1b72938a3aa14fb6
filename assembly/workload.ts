// workload: loops that run many allocator operations per call so JavaScript crosses into WASM once
// per batch, not once per page. Two entry points:
//
//  - batchRun(n): n operation records from the IO buffer (the generic mechanism sweeps use);
//  - the churn benchmark (churnInit / churnPrefill / churnRun) exactly as
//    docs/churn-benchmark.md defines it, with its own xorshift32 stream.
//
// Batch record (BATCH_RECORD_BYTES, IO buffer, up to IO_BYTES / BATCH_RECORD_BYTES records):
//
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   zonelist    |  migratetype  |     order     |      op       |     0  BR_OP
// +---------------+---------------+---------------+---------------+
// |           OP_ALLOC: ALLOC_* flags; OP_FREE: idx               |     4  BR_ARG
// +---------------------------------------------------------------+
// |               owner (OP_ALLOC, OP_FREE_OWNER)                 |     8  BR_OWNER
// +---------------------------------------------------------------+
// |                        result (i32)                           |    12  BR_RESULT
// +---------------------------------------------------------------+
//                                                                      16  BATCH_RECORD_BYTES
//
//   OP_ALLOC       get_page_from_freelist(zonelist, order, migratetype, flags, owner) -> idx or -1 (NIL)
//   OP_FREE        frees the allocated block at idx -> 0 or an E_* code (the batch stops there)
//   OP_FREE_OWNER  frees every block of owner -> pages freed

import {
  NIL, STATE_FREE, STATE_ALLOC, STATE_TAIL, TAIL_INFO, ioOff, IO_BYTES, MAX_ZONES, Z_START, Z_END, Z_MANAGED,
  Z_POPULATED, Z_FREE_PAGES, Z_FREE_CMA, Z_FREE_HIGHATOMIC, MIGRATE_TYPES, LIST_HEAD, LIST_TAIL, headerOff, H_CHURN,
  CHURN_STATE_SIZE,
  listAddr, pageNext, zset, setPageInfo, nrFreeOff, maxOrder, nrPages, scratchOff, ensureMemory, zoneAddr, zget,
  pageInfo, infoState, infoOrder, pageOwner, zoneOfIdx, zoneSpans, setPageNext, markDirty,
} from "./mmzone";
import { E_BAD_ZONE, E_NO_MEMORY, E_OK } from "./mm_init";
import { getPageFromFreelist, freePages, rmqueue, markAllocated } from "./page_alloc";
import { zoneAllows } from "./watermark";
import { pcpEnabled, freeFrozenPages } from "./pcp";

export const BR_OP: u32 = 0;
export const BR_ARG: u32 = 4;
export const BR_OWNER: u32 = 8;
export const BR_RESULT: u32 = 12;
export const BATCH_RECORD_BYTES: u32 = 16;
// The fields of the BR_OP word (one byte each).
export const BR_OP_SHIFT: u32 = 0;
export const BR_ORDER_SHIFT: u32 = 8;
export const BR_MT_SHIFT: u32 = 16;
export const BR_ZONELIST_SHIFT: u32 = 24;
export const BR_FIELD_MASK: u32 = 0xff;

export const OP_ALLOC: u32 = 1;
export const OP_FREE: u32 = 2;
export const OP_FREE_OWNER: u32 = 3;

export const E_NOT_ALLOCATED: i32 = -10; // free of a pfn that is not an allocated block head
export const E_OUT_OF_RANGE: i32 = -11; // pfn outside every zone
export const E_BAD_ORDER: i32 = -12; // order >= MAX_ORDER
export const E_BAD_OP: i32 = -13;

/** Allocation with validation; returns idx, -1 on failure, or an E_* code (<= -10). */
export function allocPages(zl: u32, order: u32, mt: u32, flags: u32, owner: u32): i32 {
  if (order >= maxOrder()) return E_BAD_ORDER;
  return <i32>getPageFromFreelist(zl, order, mt, flags, owner);
}

/** A kernel caller's free (__free_pages, folio_put): through the per-CPU lists when the machine has
 *  them (free_frozen_pages), else straight to the buddy lists. The rebuild helpers below (freeRange,
 *  freeStrided) and the churn benchmark always free to the buddy lists. */
// @ts-ignore: decorator
@inline function freeKernelPages(z: usize, idx: u32, order: u32): void {
  if (pcpEnabled()) freeFrozenPages(z, idx, order);
  else freePages(z, idx, order);
}

/** Frees an allocated block head; rejects anything else before touching state. */
export function freeBlock(idx: u32): i32 {
  if (idx >= nrPages()) return E_OUT_OF_RANGE;
  const slot = zoneOfIdx(idx);
  if (slot < 0) return E_OUT_OF_RANGE;
  if (infoState(pageInfo(idx)) != STATE_ALLOC) return E_NOT_ALLOCATED;
  freeKernelPages(zoneAddr(<u32>slot), idx, infoOrder(pageInfo(idx)));
  return E_OK;
}

/** Allocates every free page of a zone as an order-0 block (CMA and highatomic pages too) and returns
 *  how many: the first step of rebuilding a zone from a report's free lists. Walks the free lists
 *  once and rewrites the pages directly: O(free pages), no buddy splitting. */
export function allocAllOrder0(slot: u32, mt: u32, owner: u32): i32 {
  if (slot >= MAX_ZONES || !zget(zoneAddr(slot), Z_POPULATED)) return E_BAD_ZONE;
  const z = zoneAddr(slot);
  let n: i32 = 0;
  const top = maxOrder();
  for (let o: u32 = 0; o < top; o++) {
    for (let t: u32 = 0; t < MIGRATE_TYPES; t++) {
      const l = listAddr(z, o, t);
      let cur = load<u32>(l, LIST_HEAD);
      while (cur != NIL) {
        const next = pageNext(cur);
        const size: u32 = 1 << o;
        for (let p = cur; p < cur + size; p++) markAllocated(p, 0, mt, owner);
        n += <i32>size;
        cur = next;
      }
      store<u32>(l, NIL, LIST_HEAD);
      store<u32>(l, NIL, LIST_TAIL);
    }
    zset(z, nrFreeOff(o), 0);
  }
  zset(z, Z_FREE_PAGES, 0);
  zset(z, Z_FREE_CMA, 0);
  zset(z, Z_FREE_HIGHATOMIC, 0);
  return n;
}

/** Frees `count` aligned blocks of `pages` (a power of two) order-0 pages each, `step` pages apart,
 *  from idx: each run's pages must be allocated order-0 heads; they become one free block, freed as
 *  the kernel frees a block of that order (merging with free buddies). Returns the pages freed. */
export function freeStrided(idx: u32, count: u32, step: u32, pages: u32): u32 {
  if (pages == 0 || (pages & (pages - 1)) != 0) return 0;
  const order = <u32>ctz(pages);
  if (order >= maxOrder()) return 0;
  let done: u32 = 0;
  for (let r: u32 = 0; r < count; r++) {
    const head = idx + r * step;
    if (<u64>head + <u64>pages > <u64>nrPages() || (head & (pages - 1)) != 0) return done;
    const slot = zoneOfIdx(head);
    if (slot < 0) return done;
    const z = zoneAddr(<u32>slot);
    if (!zoneSpans(z, head + pages - 1)) return done;
    for (let p = head; p < head + pages; p++) {
      const info = pageInfo(p);
      if (infoState(info) != STATE_ALLOC || infoOrder(info) != 0) return done;
    }
    for (let p = head + 1; p < head + pages; p++) setPageInfo(p, TAIL_INFO);
    freePages(z, head, order);
    done += pages;
  }
  return done;
}

/** Frees count consecutive order-0 blocks from idx; stops at the first page that is not an
 *  allocated order-0 head and returns how many were freed. */
export function freeRange(idx: u32, count: u32): u32 {
  let z: usize = 0;
  for (let i: u32 = 0; i < count; i++) {
    const p = idx + i;
    if (p >= nrPages()) return i;
    const info = pageInfo(p);
    if (infoState(info) != STATE_ALLOC || infoOrder(info) != 0) return i;
    if (z == 0 || !zoneSpans(z, p)) {
      const slot = zoneOfIdx(p);
      if (slot < 0) return i;
      z = zoneAddr(<u32>slot);
    }
    freePages(z, p, 0);
  }
  return count;
}

/** Gives an allocated block head a new owner. */
export function setOwner(idx: u32, owner: u32): i32 {
  if (idx >= nrPages() || infoState(pageInfo(idx)) != STATE_ALLOC) return E_NOT_ALLOCATED;
  setPageNext(idx, owner);
  return E_OK;
}

/** Walks every zone's blocks; frees (or only counts) the allocated ones owned by owner. */
export function ownerWalk(owner: u32, doFree: bool): u32 {
  let pages: u32 = 0;
  for (let s: u32 = 0; s < MAX_ZONES; s++) {
    const z = zoneAddr(s);
    if (!zget(z, Z_POPULATED)) continue;
    const end = zget(z, Z_END);
    let p = zget(z, Z_START);
    while (p < end) {
      const info = pageInfo(p);
      const st = infoState(info);
      if (st == STATE_TAIL) {
        p++; // a tail of a block that merged during this walk
        continue;
      }
      const size: u32 = st == STATE_ALLOC || st == STATE_FREE ? 1 << infoOrder(info) : 1;
      if (st == STATE_ALLOC && pageOwner(p) == owner) {
        pages += size;
        if (doFree) freeKernelPages(z, p, infoOrder(info));
      }
      p += size;
    }
  }
  return pages;
}

export function batchRun(n: u32): u32 {
  const max = IO_BYTES / BATCH_RECORD_BYTES;
  if (n > max) n = max;
  for (let i: u32 = 0; i < n; i++) {
    const r = ioOff() + <usize>(i * BATCH_RECORD_BYTES);
    const w0 = load<u32>(r, BR_OP);
    const op = (w0 >>> BR_OP_SHIFT) & BR_FIELD_MASK;
    let res: i32 = 0;
    if (op == OP_ALLOC) {
      const order = (w0 >>> BR_ORDER_SHIFT) & BR_FIELD_MASK;
      const mt = (w0 >>> BR_MT_SHIFT) & BR_FIELD_MASK;
      const zl = (w0 >>> BR_ZONELIST_SHIFT) & BR_FIELD_MASK;
      res = allocPages(zl, order, mt, load<u32>(r, BR_ARG), load<u32>(r, BR_OWNER));
    } else if (op == OP_FREE) {
      res = freeBlock(load<u32>(r, BR_ARG));
    } else if (op == OP_FREE_OWNER) {
      res = <i32>ownerWalk(load<u32>(r, BR_OWNER), true);
    } else {
      res = E_BAD_OP;
    }
    store<u32>(r, <u32>res, BR_RESULT);
    if (res <= E_NOT_ALLOCATED) return i;
  }
  return n;
}

// ---- the churn benchmark ----
//
// Its state lives in the machine header (at H_CHURN), like every value the engine keeps between calls:
//
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      zone record address                      |     0  CH_ZONE
// +---------------------------------------------------------------+
// |              migratetype the allocations ask for              |     4  CH_MT
// +---------------------------------------------------------------+
// |                       xorshift32 state                        |     8  CH_RNG
// +---------------------------------------------------------------+
// |                the cap on live pages: 60% of N                |    12  CH_CAP_PAGES
// +---------------------------------------------------------------+
// |                     prefill target: N / 2                     |    16  CH_HALF_PAGES
// +---------------------------------------------------------------+
// |        byte offset of the live blocks' idx (u32 each)         |    20  CH_LIVE_PFN
// +---------------------------------------------------------------+
// |       byte offset of the live blocks' order (u8 each)         |    24  CH_LIVE_ORD
// +---------------------------------------------------------------+
// |                          live blocks                          |    28  CH_LIVE_COUNT
// +---------------------------------------------------------------+
// |                          live pages                           |    32  CH_LIVE_PAGES
// +---------------------------------------------------------------+
// |             FNV-1a hash of every allocation result            |    36  CH_HASH
// +---------------------------------------------------------------+
// |              sum of allocated idx (u64), low word             |    40  CH_SUM
// +---------------------------------------------------------------+
// |                      sum, high word                           |    44
// +---------------------------------------------------------------+
// |                          allocations                          |    48  CH_ALLOCS
// +---------------------------------------------------------------+
// |                             frees                             |    52  CH_FREES
// +---------------------------------------------------------------+
// |                      failed allocations                       |    56  CH_FAILS
// +---------------------------------------------------------------+
// |           allocations turned into frees by the cap            |    60  CH_CAP_FREES
// +---------------------------------------------------------------+
// |             operations with nothing to free                   |    64  CH_NOOPS
// +---------------------------------------------------------------+

const CH_ZONE: u32 = 0;
const CH_MT: u32 = 4;
const CH_RNG: u32 = 8;
const CH_CAP_PAGES: u32 = 12;
const CH_HALF_PAGES: u32 = 16;
const CH_LIVE_PFN: u32 = 20;
const CH_LIVE_ORD: u32 = 24;
const CH_LIVE_COUNT: u32 = 28;
const CH_LIVE_PAGES: u32 = 32;
const CH_HASH: u32 = 36;
const CH_SUM: u32 = 40;
const CH_ALLOCS: u32 = 48;
const CH_FREES: u32 = 52;
const CH_FAILS: u32 = 56;
const CH_CAP_FREES: u32 = 60;
const CH_NOOPS: u32 = 64;
// @ts-ignore: decorator
@inline function churnOff(): usize {
  return headerOff() + <usize>H_CHURN;
}

// The churn stats record churnStats writes to the IO buffer (the fields of the churn benchmark's checksum):
//
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |              sum of allocated idx (u64), low word             |     0  CS_SUM
// +---------------------------------------------------------------+
// |                      sum, high word                           |     4
// +---------------------------------------------------------------+
// |                             hash                              |     8  CS_HASH
// +---------------------------------------------------------------+
// |                          allocations                          |    12  CS_ALLOCS
// +---------------------------------------------------------------+
// |                             frees                             |    16  CS_FREES
// +---------------------------------------------------------------+
// |                      failed allocations                       |    20  CS_FAILS
// +---------------------------------------------------------------+
// |           allocations turned into frees by the cap            |    24  CS_CAP_FREES
// +---------------------------------------------------------------+
// |             operations with nothing to free                   |    28  CS_NOOPS
// +---------------------------------------------------------------+
// |                          live blocks                          |    32  CS_LIVE_COUNT
// +---------------------------------------------------------------+
// |                          live pages                           |    36  CS_LIVE_PAGES
// +---------------------------------------------------------------+
// |                 NR_FREE_PAGES of the churn zone               |    40  CS_FREE_PAGES
// +---------------------------------------------------------------+
// |       nr_free[order], order 0 .. MAX_ORDER - 1: one word each |    44  CS_NR_FREE
// +---------------------------------------------------------------+

export const CS_SUM: u32 = 0;
export const CS_HASH: u32 = 8;
export const CS_ALLOCS: u32 = 12;
export const CS_FREES: u32 = 16;
export const CS_FAILS: u32 = 20;
export const CS_CAP_FREES: u32 = 24;
export const CS_NOOPS: u32 = 28;
export const CS_LIVE_COUNT: u32 = 32;
export const CS_LIVE_PAGES: u32 = 36;
export const CS_FREE_PAGES: u32 = 40;
export const CS_NR_FREE: u32 = 44;

// The churn benchmark's constants: the cap on live pages (percent of N), FNV-1a.
const CHURN_CAP_PERCENT: u64 = 60;
const FNV_OFFSET_BASIS: u32 = 2166136261;
const FNV_PRIME: u32 = 16777619;
/** A draw of at least this frees, below it allocates. */
const FREE_FROM: u32 = 0x80000000;
/** Owner id of the churn's blocks. */
const CHURN_OWNER: u32 = 1;

// @ts-ignore: decorator
@inline function cget(off: u32): u32 {
  return load<u32>(churnOff() + <usize>off);
}
// @ts-ignore: decorator
@inline function cset(off: u32, v: u32): void {
  store<u32>(churnOff() + <usize>off, v);
}

// @ts-ignore: decorator
@inline function xorshift32(x: u32): u32 {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x;
}

// @ts-ignore: decorator
@inline function pickOrder(r: u32): u32 {
  const p = r % 100;
  return p < 70 ? 0 : p < 85 ? 1 : p < 93 ? 2 : p < 97 ? 3 : p < 99 ? 4 : 9;
}

/** Sets up the churn over zone slot (N = its managed pages) with seed; mt is the migratetype the
 *  allocations ask for (0 in 2.6.11, where it is ignored). */
export function churnInit(slot: u32, seed: u32, mt: u32): i32 {
  const z = zoneAddr(slot);
  if (slot >= MAX_ZONES || !zget(z, Z_POPULATED)) return E_BAD_ZONE;
  const n = zget(z, Z_MANAGED);
  const livePfn = (scratchOff() + 63) & ~(<usize>63);
  const liveOrd = livePfn + (<usize>n << 2);
  if (!ensureMemory(liveOrd + <usize>n)) return E_NO_MEMORY;
  markDirty(liveOrd + <usize>n);
  memory.fill(churnOff(), 0, CHURN_STATE_SIZE);
  cset(CH_ZONE, <u32>z);
  cset(CH_MT, mt);
  cset(CH_RNG, seed);
  cset(CH_CAP_PAGES, <u32>((<u64>n * CHURN_CAP_PERCENT) / 100));
  cset(CH_HALF_PAGES, n / 2);
  cset(CH_LIVE_PFN, <u32>livePfn);
  cset(CH_LIVE_ORD, <u32>liveOrd);
  cset(CH_HASH, FNV_OFFSET_BASIS);
  return E_OK;
}

/** The untimed prefill: allocate until half the zone is live or an allocation fails. */
export function churnPrefill(): void {
  const z = <usize>cget(CH_ZONE);
  const mt = cget(CH_MT);
  const pfns = <usize>cget(CH_LIVE_PFN);
  const ords = <usize>cget(CH_LIVE_ORD);
  const half = cget(CH_HALF_PAGES);
  let x = cget(CH_RNG);
  let count = cget(CH_LIVE_COUNT);
  let pages = cget(CH_LIVE_PAGES);
  let h = cget(CH_HASH);
  let s = load<u64>(churnOff() + <usize>CH_SUM);
  let nAlloc = cget(CH_ALLOCS);
  let nFail = cget(CH_FAILS);
  while (pages < half) {
    x = xorshift32(x);
    const order = pickOrder(x);
    let page: u32 = NIL;
    if (zoneAllows(z, order, 0, 0)) {
      page = rmqueue(z, order, mt, 0);
      if (page != NIL) markAllocated(page, order, mt, CHURN_OWNER);
    }
    h = (h ^ (page + 1)) * FNV_PRIME;
    if (page == NIL) {
      nFail++;
      break;
    }
    store<u32>(pfns + (<usize>count << 2), page);
    store<u8>(ords + <usize>count, <u8>order);
    count++;
    pages += 1 << order;
    s += <u64>page;
    nAlloc++;
  }
  cset(CH_RNG, x);
  cset(CH_LIVE_COUNT, count);
  cset(CH_LIVE_PAGES, pages);
  cset(CH_HASH, h);
  store<u64>(churnOff() + <usize>CH_SUM, s);
  cset(CH_ALLOCS, nAlloc);
  cset(CH_FAILS, nFail);
}

/** ops iterations of the timed churn loop. The workload state lives in locals for the loop's
 *  duration (neither Binaryen nor V8 keeps a memory field in a register across the stores of the
 *  allocator) and goes back to the header at the end. */
export function churnRun(ops: u32): void {
  const z = <usize>cget(CH_ZONE);
  const mt = cget(CH_MT);
  const pfns = <usize>cget(CH_LIVE_PFN);
  const ords = <usize>cget(CH_LIVE_ORD);
  const cap = cget(CH_CAP_PAGES);
  let x = cget(CH_RNG);
  let count = cget(CH_LIVE_COUNT);
  let pages = cget(CH_LIVE_PAGES);
  let h = cget(CH_HASH);
  let s = load<u64>(churnOff() + <usize>CH_SUM);
  let nAlloc = cget(CH_ALLOCS);
  let nFree = cget(CH_FREES);
  let nFail = cget(CH_FAILS);
  let nCap = cget(CH_CAP_FREES);
  let nNoop = cget(CH_NOOPS);
  for (let k: u32 = 0; k < ops; k++) {
    x = xorshift32(x);
    let free = x >= FREE_FROM; // the top half of the range frees, the bottom half allocates
    if (!free) {
      x = xorshift32(x);
      const order = pickOrder(x);
      if (pages + (<u32>1 << order) > cap) {
        if (count == 0) {
          nNoop++;
          continue;
        }
        nCap++;
        free = true;
      } else {
        let page: u32 = NIL;
        if (zoneAllows(z, order, 0, 0)) {
          page = rmqueue(z, order, mt, 0);
          if (page != NIL) markAllocated(page, order, mt, CHURN_OWNER);
        }
        h = (h ^ (page + 1)) * FNV_PRIME;
        if (page == NIL) nFail++;
        else {
          store<u32>(pfns + (<usize>count << 2), page);
          store<u8>(ords + <usize>count, <u8>order);
          count++;
          pages += 1 << order;
          s += <u64>page;
          nAlloc++;
        }
        continue;
      }
    }
    if (count == 0) {
      nNoop++;
      continue;
    }
    x = xorshift32(x);
    const i = x % count;
    const pa = pfns + (<usize>i << 2);
    const oa = ords + <usize>i;
    const page = load<u32>(pa);
    const order = <u32>load<u8>(oa);
    count--;
    store<u32>(pa, load<u32>(pfns + (<usize>count << 2)));
    store<u8>(oa, load<u8>(ords + <usize>count));
    pages -= 1 << order;
    freePages(z, page, order);
    nFree++;
  }
  cset(CH_RNG, x);
  cset(CH_LIVE_COUNT, count);
  cset(CH_LIVE_PAGES, pages);
  cset(CH_HASH, h);
  store<u64>(churnOff() + <usize>CH_SUM, s);
  cset(CH_ALLOCS, nAlloc);
  cset(CH_FREES, nFree);
  cset(CH_FAILS, nFail);
  cset(CH_CAP_FREES, nCap);
  cset(CH_NOOPS, nNoop);
}

/** Frees every live block (the benchmark's final coalescing check). */
export function churnDrain(): void {
  const z = <usize>cget(CH_ZONE);
  const pfns = <usize>cget(CH_LIVE_PFN);
  const ords = <usize>cget(CH_LIVE_ORD);
  let count = cget(CH_LIVE_COUNT);
  while (count > 0) {
    count--;
    freePages(z, load<u32>(pfns + (<usize>count << 2)), <u32>load<u8>(ords + <usize>count));
  }
  cset(CH_LIVE_COUNT, 0);
  cset(CH_LIVE_PAGES, 0);
}

/** Writes the churn stats record (above) to the IO buffer. */
export function churnStats(): void {
  const z = <usize>cget(CH_ZONE);
  store<u64>(ioOff() + <usize>CS_SUM, load<u64>(churnOff() + <usize>CH_SUM));
  store<u32>(ioOff() + <usize>CS_HASH, cget(CH_HASH));
  store<u32>(ioOff() + <usize>CS_ALLOCS, cget(CH_ALLOCS));
  store<u32>(ioOff() + <usize>CS_FREES, cget(CH_FREES));
  store<u32>(ioOff() + <usize>CS_FAILS, cget(CH_FAILS));
  store<u32>(ioOff() + <usize>CS_CAP_FREES, cget(CH_CAP_FREES));
  store<u32>(ioOff() + <usize>CS_NOOPS, cget(CH_NOOPS));
  store<u32>(ioOff() + <usize>CS_LIVE_COUNT, cget(CH_LIVE_COUNT));
  store<u32>(ioOff() + <usize>CS_LIVE_PAGES, cget(CH_LIVE_PAGES));
  store<u32>(ioOff() + <usize>CS_FREE_PAGES, zget(z, Z_FREE_PAGES));
  const top = maxOrder();
  for (let o: u32 = 0; o < top; o++) store<u32>(ioOff() + <usize>(CS_NR_FREE + (o << 2)), zget(z, nrFreeOff(o)));
}
