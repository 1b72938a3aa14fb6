// A small x86-64 Linux 6.18 machine as the OOM killer and show_mem read it: one node, DMA and DMA32
// populated (Normal and Movable empty), two CPUs, and a few processes. Plain objects, built fresh for
// each test (the OOM killer sets flags on them).

import { DEFAULT_DUMP_STACK_KERNEL, OOM_STACK_PAGE_FAULT } from "../../../bindings/linux-6.18/lib/dump_stack.js";
import { oomRatelimitState } from "../../../bindings/linux-6.18/lib/ratelimit.js";
import type { OomMm618, OomSystem618, OomTask618 } from "../../../bindings/linux-6.18/mm/oom_kill.js";
import type { ShowMemState618, ShowMemZone618 } from "../../../bindings/linux-6.18/mm/show_mem.js";
import type { ZoneType } from "../../../bindings/include/linux/mmzone.js";

export const HZ = 250;

/** A zone whose NR_FREE_PAGES is the sum of its free lists; types is one mask for every non-empty order. */
export function zone(
  type: ZoneType,
  presentPages: number,
  managedPages: number,
  nrFree: readonly number[],
  watermark: { min: number; low: number; high: number },
  extra: Partial<ShowMemZone618> = {},
): ShowMemZone618 {
  const freePages = nrFree.reduce((s, n, o) => s + n * 2 ** o, 0);
  return {
    type,
    presentPages,
    managedPages,
    freePages,
    watermark,
    watermarkBoost: 0,
    nrReservedHighatomic: 0,
    nrFreeHighatomic: 0,
    activeAnon: 0,
    inactiveAnon: 0,
    activeFile: 0,
    inactiveFile: 0,
    unevictable: 0,
    writePending: 0,
    mlocked: 0,
    pcpCount: [0, 0],
    freeCma: 0,
    lowmemReserve: [0, 0, 0, 0, 0],
    freeArea: nrFree.map((n) => ({ nrFree: n, types: n ? 0b11 : 0 })),
    ...extra,
  };
}

/** 2 GiB: DMA (3999 present) and DMA32. DMA32 (2973 free pages) is below its min mark; DMA's 907 free
 *  pages are below its lowmem_reserve for DMA32 and above (488292 managed / 256 = 1907). */
export function machine(): ShowMemState618 {
  const dma = zone(
    "DMA",
    3999,
    3840,
    [1, 1, 0, 1, 2, 1, 1, 0, 1, 1, 0],
    { min: 33, low: 41, high: 49 },
    {
      lowmemReserve: [0, 1907, 1907, 1907, 1907],
      freeArea: [
        { nrFree: 1, types: 0b1 },
        { nrFree: 1, types: 0b1 },
        { nrFree: 0, types: 0 },
        { nrFree: 1, types: 0b1 },
        { nrFree: 2, types: 0b1 },
        { nrFree: 1, types: 0b1 },
        { nrFree: 1, types: 0b1 },
        { nrFree: 0, types: 0 },
        { nrFree: 1, types: 0b1 },
        { nrFree: 1, types: 0b10 },
        { nrFree: 0, types: 0 },
      ],
    },
  );
  const dma32 = zone(
    "DMA32",
    520160,
    488292,
    [913, 402, 180, 41, 9, 2, 0, 0, 0, 0, 0],
    {
      min: 4005,
      low: 5006,
      high: 6007,
    },
    {
      watermarkBoost: 0,
      activeAnon: 230000,
      inactiveAnon: 240000,
      activeFile: 60,
      inactiveFile: 150,
      unevictable: 0,
      writePending: 2,
      pcpCount: [31, 7],
      lowmemReserve: [0, 0, 0, 0, 0],
    },
  );
  const empty = (type: ZoneType) => zone(type, 0, 0, [], { min: 0, low: 0, high: 0 });
  return {
    pageSizeKb: 4,
    cpu: 1,
    nodes: [
      {
        nid: 0,
        activeAnon: 230000,
        inactiveAnon: 240000,
        activeFile: 60,
        inactiveFile: 150,
        unevictable: 0,
        isolatedAnon: 0,
        isolatedFile: 0,
        mapped: 120,
        dirty: 1,
        writeback: 1,
        shmem: 800,
        shmemThp: 0,
        shmemPmdmapped: 0,
        anonThp: 0,
        kernelStackKb: 2112,
        pagetables: 1100,
        secPagetables: 0,
        slabReclaimable: 3200,
        slabUnreclaimable: 6100,
        kernelMiscReclaimable: 0,
        filePages: 1500,
        balloon: 0,
        kswapdFailures: 0,
        hugepages: [
          { total: 0, free: 0, surplus: 0, sizeKb: 1048576 },
          { total: 0, free: 0, surplus: 0, sizeKb: 2048 },
        ],
        zones: [dma, dma32, empty("Normal"), empty("Movable")],
      },
    ],
    swap: { cachePages: 12, freePages: 0, totalPages: 262143 },
    totalcmaPages: 0,
    hwpoisonedPages: 0,
  };
}

/** An mm with these counters (pages; pgtables in bytes). */
export function mm(anon: number, file = 0, shmem = 0, swap = 0, pgtablesBytes = 0, totalVm = 0): OomMm618 {
  return {
    totalVm: totalVm || anon + file + shmem + swap + 1000,
    anonPages: anon,
    filePages: file,
    shmemPages: shmem,
    swapEnts: swap,
    pgtablesBytes,
  };
}

export function task(pid: number, comm: string, m: OomMm618 | null, extra: Partial<OomTask618> = {}): OomTask618 {
  return { pid, comm, uid: 1000, mm: m, oomScoreAdj: 0, ...extra };
}

/** init, a kernel thread, sshd and two workers; `stress` (pid 4242) is the biggest and allocates. */
export function tasks(): OomTask618[] {
  return [
    task(1, "systemd", mm(300, 900, 10, 20, 135168, 5600), { uid: 0 }),
    task(2, "kthreadd", null, { uid: 0, kthread: true }),
    task(612, "systemd-journal", mm(120, 400, 600, 30, 106496, 12000), { uid: 0, oomScoreAdj: -250 }),
    task(880, "sshd", mm(200, 700, 0, 40, 81920, 4300), { uid: 0, oomScoreAdj: -1000 }),
    task(1500, "worker", mm(90000, 300, 0, 100000, 1556480, 210000)),
    task(4242, "stress", mm(380000, 120, 0, 160000, 4300800, 640000)),
  ];
}

export function system(ts: OomTask618[] = tasks(), extra: Partial<OomSystem618> = {}): OomSystem618 {
  const current = ts.find((t) => t.pid === 4242) ?? ts[ts.length - 1];
  return {
    tasks: ts,
    current,
    totalramPages: 492132,
    totalSwapPages: 262143,
    pageSizeKb: 4,
    memoryNodes: [0],
    nodePresentPages: [524159],
    jiffies: 100_000,
    hz: HZ,
    oomRs: oomRatelimitState(HZ),
    dumpStack: {
      info: { cpu: 1, euid: current.uid, pid: current.pid, comm: current.comm, ...DEFAULT_DUMP_STACK_KERNEL },
      frames: OOM_STACK_PAGE_FAULT,
    },
    showMem: machine(),
    ...extra,
  };
}
