// workload: loops that run many allocator operations per call so JavaScript crosses into WASM once
// per batch, not once per page. Two entry points:
//
//  - batchRun(n): n operation records from the IO buffer (the generic mechanism sweeps use);
//  - the churn benchmark (churnInit / churnPrefill / churnRun) exactly as
//    shared reference churn-benchmark.md defines it, with its own xorshift32 stream.
//
// Batch record (16 bytes, IO buffer, up to IO_BYTES / 16 records):
//
//    0                 4          8          12         16
//   +--+--+--+--------+----------+----------+----------+
//   |op|or|mt|zl      | flags/idx|  owner   |  result  |
//   +--+--+--+--------+----------+----------+----------+
//   op: OP_ALLOC (order, migratetype, zonelist, alloc flags, owner -> idx or NIL)
//       OP_FREE (idx -> 0 or an E_* code)
//       OP_FREE_OWNER (owner -> pages freed)

import {
  NIL, STATE_ALLOC, IO_OFF, IO_BYTES, MAX_ZONES, Z_POPULATED, Z_FREE_PAGES, Z_NR_FREE, Z_FREE_CMA,
  Z_FREE_HIGHATOMIC, MIGRATE_TYPES, listAddr, pageNext, zset, setPageInfo,
  maxOrder, nrPages, SCRATCH_OFF, ensureMemory, zoneAddr, zget, pageInfo, infoState, infoOrder,
  pageOwner, zoneOfIdx, zoneSpans, setPageNext,
} from "./mmzone";
import { getPageFromFreelist, freePages, rmqueue, markAllocated } from "./page_alloc";
import { zoneAllows } from "./watermark";

export const OP_ALLOC: u32 = 1;
export const OP_FREE: u32 = 2;
export const OP_FREE_OWNER: u32 = 3;

export const E_NOT_ALLOCATED: i32 = -10; // free of a pfn that is not an allocated block head
export const E_OUT_OF_RANGE: i32 = -11; // pfn outside every zone
export const E_BAD_ORDER: i32 = -12; // order >= MAX_ORDER
export const E_BAD_OP: i32 = -13;

/** Allocation with validation; returns idx, -1 on failure, or an E_* code (<= -10). */
export function allocPages(zl: u32, order: u32, mt: u32, flags: u32, owner: u32): i32 {
  if (order >= maxOrder) return E_BAD_ORDER;
  return <i32>getPageFromFreelist(zl, order, mt, flags, owner);
}

/** Frees an allocated block head; rejects anything else before touching state. */
export function freeBlock(idx: u32): i32 {
  if (idx >= nrPages) return E_OUT_OF_RANGE;
  const slot = zoneOfIdx(idx);
  if (slot < 0) return E_OUT_OF_RANGE;
  if (infoState(pageInfo(idx)) != STATE_ALLOC) return E_NOT_ALLOCATED;
  freePages(zoneAddr(<u32>slot), idx, infoOrder(pageInfo(idx)));
  return 0;
}

/** Allocates every free page of a zone as an order-0 block (CMA and highatomic pages too) and returns
 *  how many: the first step of rebuilding a zone from a report's free lists. Walks the free lists
 *  once and rewrites the pages directly: O(free pages), no buddy splitting. */
export function allocAllOrder0(slot: u32, mt: u32, owner: u32): i32 {
  if (slot >= MAX_ZONES || !zget(zoneAddr(slot), Z_POPULATED)) return -5;
  const z = zoneAddr(slot);
  let n: i32 = 0;
  for (let o: u32 = 0; o < maxOrder; o++) {
    for (let t: u32 = 0; t < MIGRATE_TYPES; t++) {
      const l = listAddr(z, o, t);
      let cur = load<u32>(l);
      while (cur != NIL) {
        const next = pageNext(cur);
        const size: u32 = 1 << o;
        for (let p = cur; p < cur + size; p++) markAllocated(p, 0, mt, owner);
        n += <i32>size;
        cur = next;
      }
      store<u32>(l, NIL);
      store<u32>(l, NIL, 4);
    }
    zset(z, Z_NR_FREE + (o << 2), 0);
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
  if (order >= maxOrder) return 0;
  let done: u32 = 0;
  for (let r: u32 = 0; r < count; r++) {
    const head = idx + r * step;
    if (<u64>head + <u64>pages > <u64>nrPages || (head & (pages - 1)) != 0) return done;
    const slot = zoneOfIdx(head);
    if (slot < 0) return done;
    const z = zoneAddr(<u32>slot);
    if (!zoneSpans(z, head + pages - 1)) return done;
    for (let p = head; p < head + pages; p++) {
      const info = pageInfo(p);
      if (infoState(info) != STATE_ALLOC || infoOrder(info) != 0) return done;
    }
    for (let p = head + 1; p < head + pages; p++) setPageInfo(p, 0);
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
    if (p >= nrPages) return i;
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
  if (idx >= nrPages || infoState(pageInfo(idx)) != STATE_ALLOC) return E_NOT_ALLOCATED;
  setPageNext(idx, owner);
  return 0;
}

/** Walks every zone's blocks; frees (or only counts) the allocated ones owned by owner. */
export function ownerWalk(owner: u32, doFree: bool): u32 {
  let pages: u32 = 0;
  for (let s: u32 = 0; s < MAX_ZONES; s++) {
    const z = zoneAddr(s);
    if (!zget(z, Z_POPULATED)) continue;
    const end = zget(z, 4);
    let p = zget(z, 0);
    while (p < end) {
      const info = pageInfo(p);
      const st = infoState(info);
      if (st == 0) {
        p++; // a tail of a block that merged during this walk
        continue;
      }
      const size: u32 = st == STATE_ALLOC || st == 1 ? 1 << infoOrder(info) : 1;
      if (st == STATE_ALLOC && pageOwner(p) == owner) {
        pages += size;
        if (doFree) freePages(z, p, infoOrder(info));
      }
      p += size;
    }
  }
  return pages;
}

export function batchRun(n: u32): u32 {
  const max = IO_BYTES >> 4;
  if (n > max) n = max;
  for (let i: u32 = 0; i < n; i++) {
    const r = IO_OFF + (<usize>i << 4);
    const w0 = load<u32>(r);
    const op = w0 & 0xff;
    let res: i32 = 0;
    if (op == OP_ALLOC) {
      res = allocPages(w0 >>> 24, (w0 >>> 8) & 0xff, (w0 >>> 16) & 0xff, load<u32>(r, 4), load<u32>(r, 8));
    } else if (op == OP_FREE) {
      res = freeBlock(load<u32>(r, 4));
    } else if (op == OP_FREE_OWNER) {
      res = <i32>ownerWalk(load<u32>(r, 8), true);
    } else {
      res = E_BAD_OP;
    }
    store<u32>(r, <u32>res, 12);
    if (res <= E_NOT_ALLOCATED) return i;
  }
  return n;
}

// ---- the churn benchmark ----

let cz: usize = 0;
let rng: u32 = 0;
let capPages: u32 = 0;
let halfPages: u32 = 0;
let livePfn: usize = 0;
let liveOrd: usize = 0;
let liveCount: u32 = 0;
let livePages: u32 = 0;
let sum: u64 = 0;
let hash: u32 = 0;
let allocs: u32 = 0;
let frees: u32 = 0;
let fails: u32 = 0;
let capFrees: u32 = 0;
let noops: u32 = 0;
let churnMt: u32 = 0;

// @ts-ignore: decorator
@inline function next(): u32 {
  let x = rng;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  rng = x;
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
  cz = zoneAddr(slot);
  if (slot >= MAX_ZONES || !zget(cz, Z_POPULATED)) return -5;
  const n = zget(cz, 12);
  livePfn = (SCRATCH_OFF + 63) & ~(<usize>63);
  liveOrd = livePfn + (<usize>n << 2);
  if (!ensureMemory(liveOrd + <usize>n)) return -3;
  rng = seed;
  capPages = <u32>((<u64>n * 60) / 100);
  halfPages = n / 2;
  liveCount = livePages = 0;
  sum = 0;
  hash = 2166136261;
  allocs = frees = fails = capFrees = noops = 0;
  churnMt = mt;
  return 0;
}

// @ts-ignore: decorator
@inline function doAlloc(order: u32): bool {
  let page: u32 = NIL;
  if (zoneAllows(cz, order, 0, 0)) {
    page = rmqueue(cz, order, churnMt, 0);
    if (page != NIL) markAllocated(page, order, churnMt, 1);
  }
  hash = (hash ^ (page + 1)) * 16777619;
  if (page == NIL) {
    fails++;
    return false;
  }
  store<u32>(livePfn + (<usize>liveCount << 2), page);
  store<u8>(liveOrd + <usize>liveCount, <u8>order);
  liveCount++;
  livePages += 1 << order;
  sum += <u64>page;
  allocs++;
  return true;
}

/** The untimed prefill: allocate until half the zone is live or an allocation fails. */
export function churnPrefill(): void {
  while (livePages < halfPages) {
    if (!doAlloc(pickOrder(next()))) break;
  }
}

/** ops iterations of the timed churn loop. The workload state lives in locals for the loop's
 *  duration (V8 reloads a mutable global from the instance on every access) and goes back to the
 *  globals at the end; doAlloc/doFree are spelled out inline for that reason. */
export function churnRun(ops: u32): void {
  const z = cz;
  const pfns = livePfn;
  const ords = liveOrd;
  const cap = capPages;
  const mt = churnMt;
  let x = rng;
  let count = liveCount;
  let pages = livePages;
  let h = hash;
  let s = sum;
  let nAlloc = allocs;
  let nFree = frees;
  let nFail = fails;
  let nCap = capFrees;
  let nNoop = noops;
  for (let k: u32 = 0; k < ops; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    let free = x >= 0x80000000;
    if (!free) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
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
          if (page != NIL) markAllocated(page, order, mt, 1);
        }
        h = (h ^ (page + 1)) * 16777619;
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
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
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
  rng = x;
  liveCount = count;
  livePages = pages;
  hash = h;
  sum = s;
  allocs = nAlloc;
  frees = nFree;
  fails = nFail;
  capFrees = nCap;
  noops = nNoop;
}

/** Frees every live block (the benchmark's final coalescing check). */
export function churnDrain(): void {
  while (liveCount > 0) {
    liveCount--;
    freePages(cz, load<u32>(livePfn + (<usize>liveCount << 2)), <u32>load<u8>(liveOrd + <usize>liveCount));
  }
  livePages = 0;
}

/** Writes the churn counters to the IO buffer: sum (u64), hash, allocs, frees, fails, capfrees,
 *  noops, live count, live pages, free pages, then nr_free[0 .. MAX_ORDER-1]. */
export function churnStats(): void {
  store<u64>(IO_OFF, sum);
  store<u32>(IO_OFF, hash, 8);
  store<u32>(IO_OFF, allocs, 12);
  store<u32>(IO_OFF, frees, 16);
  store<u32>(IO_OFF, fails, 20);
  store<u32>(IO_OFF, capFrees, 24);
  store<u32>(IO_OFF, noops, 28);
  store<u32>(IO_OFF, liveCount, 32);
  store<u32>(IO_OFF, livePages, 36);
  store<u32>(IO_OFF, zget(cz, Z_FREE_PAGES), 40);
  for (let o: u32 = 0; o < maxOrder; o++) store<u32>(IO_OFF + <usize>(44 + (o << 2)), zget(cz, Z_NR_FREE + (o << 2)));
}

