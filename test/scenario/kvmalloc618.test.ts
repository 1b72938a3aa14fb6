// kvmalloc-618: the seed's 96 KiB request on 6.18 under each caller policy, with the kernel's
// arithmetic; the XFS kmem_alloc policies of sim/xfs_kmem.ts making the same calls over 2.6.11's and
// 6.18's bits; --policy, --size and --set sysctl./config./thp. on a 6.18 replay through the CLI.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replay618, type ReplayResult618 } from "../../bindings/scenario/replay618.js";
import { setScenarioValue } from "../../bindings/scenario/set.js";
import { KMEM_GFP_618 } from "../../bindings/scenario/kmem618.js";
import { KMEM_GFP_2611 } from "../../bindings/linux-2.6.11/fs/xfs/kmem.js";
import {
  KM_MAYFAIL,
  KM_NOFS,
  KM_NOSLEEP,
  KM_SLEEP,
  KmemPolicyRunner,
  type KmemAllocators,
  type KmemCallerPolicy,
  type KmemGfpBits,
} from "../../bindings/sim/xfs_kmem.js";
import { eventsOfKind } from "../../bindings/sim/events.js";
import { KernelLog } from "../../bindings/sim/log.js";
import { SimClock } from "../../bindings/sim/clock.js";
import { decodeGfp, decodeGfp2611 } from "../../bindings/include/linux/gfp.js";
import { getOrder, kmallocGfpAdjust, kmallocMaxCacheSize, GFP } from "../../bindings/linux-6.18/mm/slub.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../../bindings/include/linux/mmzone.js";
import { FolioKind } from "../../bindings/linux-6.18/include/linux/mm_inline.js";
import type { Kernel618 } from "../../bindings/linux-6.18/kernel.js";
import { main } from "../../bindings/cli/main.js";
import { memoryIo as io } from "../helpers.js";

const TEXT = readFileSync(new URL("../../scenarios/kvmalloc-618.json", import.meta.url), "utf8");
const scenario = () => JSON.parse(TEXT);
const SIZE = 96 * 1024;

function run(policy?: KmemCallerPolicy, o: { maxRetries?: number; edit?: string[] } = {}) {
  let kernel: Kernel618 | null = null;
  const sc = scenario();
  for (const e of o.edit ?? []) setScenarioValue(sc, e);
  const r = replay618(sc, { policy, maxRetries: o.maxRetries, onKernel: (k) => (kernel = k) });
  return { r, k: kernel as unknown as Kernel618 };
}

/** Every page-allocator request of order 5 the replay recorded (the slow path's entries). */
const order5 = (r: ReplayResult618) => eventsOfKind(r.events, "__alloc_pages_slowpath").filter((e) => e.order === 5);

describe("kvmalloc-618: the machine", () => {
  const { r, k } = run("kmalloc");

  it("96 KiB is a large kmalloc of order 5, a costly order", () => {
    // KMALLOC_MAX_CACHE_SIZE = 1 << (PAGE_SHIFT + 1) = 8192 < 98304: __kmalloc_large_node
    expect(kmallocMaxCacheSize(4096)).toBe(8192);
    // get_order(98304) = fls(ceil(98304 / 4096) - 1) = fls(23) = 5; 5 > PAGE_ALLOC_COSTLY_ORDER (3)
    expect(getOrder(SIZE)).toBe(5);
    expect(PAGE_ALLOC_COSTLY_ORDER).toBe(3);
    expect(order5(r)[0]).toMatchObject({ order: 5, costly: true });
  });

  it("no free block of order 5 or more, a kernel page in every aligned 32-page block, nothing reclaimable", () => {
    const z = k.machine.allStats()[0];
    expect(z.nrFree.slice(5).every((n) => n === 0)).toBe(true);
    // 512 blocks of 32 pages, each with one pin and 31 free pages: one free block of each order 0 .. 4
    expect(z.freePages).toBe(512 * 31);
    expect(z.nrFree).toEqual([512, 512, 512, 512, 512, 0, 0, 0, 0, 0, 0]);
    // min_free_kbytes 64 on one zone: min 64 / 4 = 16 pages; low = min + max(min / 4, 16384 * 10 / 10000) = 32
    expect(z.watermarks).toMatchObject({ min: 16, low: 32, high: 48 });
    const f = k.folios;
    let total = 0;
    for (let c = 0; c < f.nrPages; c += 32) {
      let pins = 0;
      for (let i = c; i < c + 32; i++) if (f.kind[i] === FolioKind.Kernel) pins++;
      expect(pins, `pages ${c} .. ${c + 31}`).toBe(1);
      total += pins;
    }
    // 16368 allocated (memory down to the min mark), one in 32 kept: ceil(16368 / 32) = 512
    expect([f.nrPages, total]).toEqual([16384, 512]);
    const n = k.nodeState(0);
    expect([n.activeFile, n.inactiveFile, n.activeAnon, n.inactiveAnon, n.slabReclaimable]).toEqual([0, 0, 0, 0, 0]);
    expect(k.swap.totalPages).toBe(0);
  });
});

describe("kvmalloc-618 --policy kmalloc (the scenario's default)", () => {
  const { r } = run();

  it("is the default, and ends in warn_alloc's report and NULL", () => {
    expect(r.policy).toBe("kmalloc");
    expect(r.outcome).toBe("failed");
    // kmalloc(98304, GFP_KERNEL): GFP_KERNEL 0xcc0 | __GFP_COMP 0x40000 = 0x40cc0 at the page allocator
    expect(r.lines[0]).toMatch(/^smbd: page allocation failure: order:5, mode:0x40cc0\(GFP_KERNEL\|__GFP_COMP\)/);
    expect(r.allocFailures).toEqual([{ order: 5, gfpMask: 0x40cc0, comm: "smbd" }]);
  });

  it("gives up before __alloc_pages_may_oom: a costly order without __GFP_RETRY_MAYFAIL does not retry", () => {
    expect(r.kills).toEqual([]);
    expect(r.vmstat.oom_kill).toBe(0);
    expect(eventsOfKind(r.events, "__alloc_pages_may_oom")).toEqual([]);
    expect(eventsOfKind(r.events, "out_of_memory")).toEqual([]);
    // direct reclaim reclaims nothing (no swap, no page cache) and reports progress 1 all the same:
    // shrink_zones finds compaction_ready for the costly order (free pages far above the compaction
    // watermark) and do_try_to_free_pages returns 1, "Aborted reclaim to try compaction? don't OOM,
    // then" (mm/vmscan.c, 6.18)
    expect(eventsOfKind(r.events, "try_to_free_pages").map((e) => e.reclaimed)).toEqual([0]);
    expect(eventsOfKind(r.events, "__alloc_pages_direct_reclaim").map((e) => e.progress)).toEqual([1]);
    // compaction is suitable but has nothing to move: fragmentation_index(order 5) with 15872 free pages
    // in 5 * 512 = 2560 blocks, none of order >= 5:
    // 1000 - (1000 + 15872 * 1000 / 32) / 2560 = 1000 - 497000 / 2560 = 1000 - 194 = 806 > extfrag_threshold 500
    expect(eventsOfKind(r.events, "compaction_suitable")[0]).toMatchObject({
      fragindex: 806,
      result: "COMPACT_CONTINUE",
    });
    expect(r.vmstat).toMatchObject({ compact_stall: 2, compact_fail: 2, compact_success: 0, pgmigrate_success: 0 });
    expect(eventsOfKind(r.events, "nopage")[0].why).toBe("costly order without __GFP_RETRY_MAYFAIL");
    expect(eventsOfKind(r.events, "kmalloc")).toEqual([
      expect.objectContaining({ size: SIZE, gfp: 0x40cc0, cache: "", order: 5, ok: false }),
    ]);
    expect(eventsOfKind(r.events, "__vmalloc_node_range")).toEqual([]);
  });
});

describe("kvmalloc-618 --policy kvmalloc", () => {
  const { r, k } = run("kvmalloc");

  it("kmalloc_gfp_adjust's mask: __GFP_NOWARN, no __GFP_DIRECT_RECLAIM (0x428c0 at the page allocator)", () => {
    // kmem_flags_convert(KM_SLEEP) = GFP_KERNEL | __GFP_NOWARN = 0xcc0 | 0x2000 = 0x2cc0;
    // kmalloc_gfp_adjust: | __GFP_NOWARN, & ~__GFP_DIRECT_RECLAIM (0x400) = 0x28c0; | __GFP_COMP = 0x428c0
    expect(kmallocGfpAdjust(GFP.GFP_KERNEL | GFP.__GFP_NOWARN, SIZE)).toBe(0x28c0);
    const kv = eventsOfKind(r.events, "__kvmalloc_node");
    expect(kv).toEqual([
      expect.objectContaining({ size: SIZE, flags: 0x2cc0, kmallocGfp: 0x28c0, exit: "vmalloc", ok: true }),
    ]);
    expect(order5(r).map((e) => [e.gfp, e.canDirectReclaim])).toEqual([[0x428c0, false]]);
  });

  it("the kmalloc fails silently (no reclaim, no report), then vmalloc maps 24 order-0 pages: success", () => {
    expect(r.outcome).toBe("success");
    expect(r.kills).toEqual([]);
    expect(r.lines).toEqual([]);
    expect(eventsOfKind(r.events, "nopage")[0].why).toBe("cannot reclaim");
    expect(eventsOfKind(r.events, "warn_alloc")[0].printed).toBe(0);
    expect(eventsOfKind(r.events, "__alloc_pages_direct_reclaim")).toEqual([]);
    // 98304 / 4096 = 24 pages, one allocator call each (Kernel618 has no bulk allocator)
    const vm = eventsOfKind(r.events, "__vmalloc_node_range");
    expect(vm).toEqual([expect.objectContaining({ size: SIZE, gfp: 0x2cc0, nrPages: 24, pageCalls: 24, ok: true })]);
    expect(r.kmem?.path).toEqual(["kmalloc", "vmalloc"]);
    // the area's pages are order 0: the free order-5+ count is still 0
    expect(
      k.machine
        .allStats()[0]
        .nrFree.slice(5)
        .every((n) => n === 0),
    ).toBe(true);
  });
});

describe("kvmalloc-618 under 2.6.11's XFS kmem_alloc loops (a what-if on 6.18)", () => {
  it.each(["pre-bdfb04301fa5", "bdfb04301fa5"] as const)("%s: kmalloc until the bound: livelock", (policy) => {
    const { r } = run(policy, { maxRetries: 250 });
    expect(r.outcome).toBe("livelock");
    expect(r.kills).toEqual([]);
    // 96 KiB < MAX_SLAB_SIZE (128 KiB): even the old policy never tries __vmalloc
    expect(r.kmem).toMatchObject({ retries: 250, deadlockMessages: 2, livelock: true, lflags: 0x2cc0 });
    expect(new Set(r.kmem?.path)).toEqual(new Set(["kmalloc"]));
    // HZ 1000: congestion_wait's HZ/50 = 20 jiffies = 20 ms after each failure
    expect(r.kmem?.simMs).toBe(250 * 20);
    expect(r.lines).toEqual(Array(2).fill("XFS: possible memory allocation deadlock in kmem_alloc (mode:0x2cc0)"));
    // every attempt is an order-5 __GFP_NOWARN request that the slow path gives up silently
    const entries = order5(r);
    expect(entries).toHaveLength(250);
    expect(new Set(entries.map((e) => e.gfp))).toEqual(new Set([0x42cc0]));
    expect(eventsOfKind(r.events, "livelock")).toHaveLength(1);
  });

  it("pre-bdfb04301fa5 at 128 KiB (MAX_SLAB_SIZE) tries __vmalloc first, which 6.18 serves at once", () => {
    const { r } = run("pre-bdfb04301fa5", { edit: ["events.2.size=131072"] });
    expect(r.outcome).toBe("success");
    expect(r.kmem?.path).toEqual(["vmalloc"]);
    expect(eventsOfKind(r.events, "__vmalloc_node_range")).toEqual([
      expect.objectContaining({ size: 131072, gfp: 0x2cc0, nrPages: 32, ok: true }),
    ]);
    expect(order5(r)).toEqual([]);
  });
});

/** A fake kernel's allocators: kmalloc fails while failKmalloc says so, vmalloc fails the first
 *  vmallocFailures times; every call is recorded. */
function fakeAllocators(failKmalloc: (n: number) => boolean, vmallocFailures: number) {
  const calls: { via: "kmalloc" | "vmalloc" | "kvmalloc"; gfp: number }[] = [];
  let kn = 0;
  let vn = 0;
  const alloc: KmemAllocators<{ k: number }, number> = {
    pageSize: 4096,
    kmalloc: (_s, gfp) => {
      calls.push({ via: "kmalloc", gfp });
      return failKmalloc(kn++) ? null : { k: kn };
    },
    vmalloc: (_s, gfp) => {
      calls.push({ via: "vmalloc", gfp });
      return vn++ < vmallocFailures ? null : 0x1000;
    },
    kfree: () => {},
    vfree: () => {},
    isVmalloc: (p): p is number => typeof p === "number",
    kvmalloc: (_s, flags, km, vm) => {
      calls.push({ via: "kvmalloc", gfp: flags });
      return km(flags) ?? vm(flags);
    },
  };
  return { alloc, calls };
}

function runPolicy(
  policy: KmemCallerPolicy,
  bits: KmemGfpBits,
  size: number,
  flags: number,
  script = { kmallocFailures: 9, vmallocFailures: 3 },
) {
  const { alloc, calls } = fakeAllocators((n) => n < script.kmallocFailures, script.vmallocFailures);
  const clock = new SimClock(100);
  const x = new KmemPolicyRunner({ policy, alloc, gfp: bits, clock, log: new KernelLog(clock), maxRetries: 50 });
  const r = x.kmemAlloc(size, flags);
  return { r, calls };
}

describe("sim/xfs_kmem.ts: the same calls over 2.6.11's and 6.18's gfp bits", () => {
  const era = (mask: number, bits: KmemGfpBits) =>
    bits === KMEM_GFP_2611 ? decodeGfp2611(mask).text : decodeGfp(mask, "6.18").text;
  it.each(["pre-bdfb04301fa5", "bdfb04301fa5", "kvmalloc", "kmalloc"] as const)("%s", (policy) => {
    for (const size of [64 * 1024, SIZE, 128 * 1024, 256 * 1024])
      for (const flags of [KM_SLEEP, KM_SLEEP | KM_NOFS]) {
        const a = runPolicy(policy, KMEM_GFP_2611, size, flags);
        const b = runPolicy(policy, KMEM_GFP_618, size, flags);
        expect(b.calls.map((c) => c.via)).toEqual(a.calls.map((c) => c.via));
        expect(b.calls.map((c) => era(c.gfp, KMEM_GFP_618))).toEqual(a.calls.map((c) => era(c.gfp, KMEM_GFP_2611)));
        expect({ ...b.r, lflags: 0 }).toEqual({ ...a.r, lflags: 0 });
      }
  });

  it("property: for any size, KM flags and failure script, the calls and results agree across eras", () => {
    const names = (mask: number, bits: KmemGfpBits) => era(mask, bits);
    fc.assert(
      fc.property(
        fc.constantFrom<KmemCallerPolicy>("pre-bdfb04301fa5", "bdfb04301fa5", "kvmalloc", "kmalloc"),
        fc.integer({ min: 1, max: 1 << 20 }),
        fc.subarray([KM_SLEEP, KM_NOSLEEP, KM_NOFS, KM_MAYFAIL]),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 10 }),
        (policy, size, km, kmallocFailures, vmallocFailures) => {
          const flags = km.reduce((f, x) => f | x, 0);
          const script = { kmallocFailures, vmallocFailures };
          const a = runPolicy(policy, KMEM_GFP_2611, size, flags, script);
          const b = runPolicy(policy, KMEM_GFP_618, size, flags, script);
          expect(b.calls.map((c) => c.via)).toEqual(a.calls.map((c) => c.via));
          expect(b.calls.map((c) => names(c.gfp, KMEM_GFP_618))).toEqual(
            a.calls.map((c) => names(c.gfp, KMEM_GFP_2611)),
          );
          expect({ ...b.r, lflags: 0 }).toEqual({ ...a.r, lflags: 0 });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("worked example: the calls each policy makes for 128 KiB with kmalloc failing 9 times, vmalloc 3", () => {
    const via = (p: KmemCallerPolicy) => runPolicy(p, KMEM_GFP_618, 128 * 1024, KM_SLEEP).calls.map((c) => c.via);
    // size >= MAX_SLAB_SIZE: __vmalloc while retries <= MAX_VMALLOCS (6); the 4th vmalloc succeeds
    expect(via("pre-bdfb04301fa5")).toEqual(["vmalloc", "vmalloc", "vmalloc", "vmalloc"]);
    // kmalloc only: 9 failures, the 10th succeeds
    expect(via("bdfb04301fa5")).toEqual(Array(10).fill("kmalloc"));
    // kvmalloc_node: one kmalloc, then vmalloc (which fails here: the fake's first vmalloc), no loop
    expect(via("kvmalloc")).toEqual(["kvmalloc", "kmalloc", "vmalloc"]);
    expect(via("kmalloc")).toEqual(["kmalloc"]);
    // 6.18 masks: XFS's kmem_flags_convert adds __GFP_NOWARN; the plain kmalloc caller does not
    const gfp = (p: KmemCallerPolicy) => runPolicy(p, KMEM_GFP_618, 128 * 1024, KM_SLEEP).calls[0].gfp;
    expect([gfp("bdfb04301fa5"), gfp("kmalloc")]).toEqual([0x2cc0, 0xcc0]);
  });
});

describe("oomlab replay kvmalloc-618", () => {
  const cli = async (...argv: string[]) => {
    const a = io({ "scenario:kvmalloc-618": TEXT, "scenario:seed": "{}" });
    const code = await main(["replay", "kvmalloc-618", ...argv], a);
    return { code, ...a };
  };

  it("prints the page allocation failure report (default policy kmalloc)", async () => {
    const a = await cli();
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^smbd: page allocation failure: order:5, mode:0x40cc0/);
    expect(a.stderr).toContain("last request kmem_alloc (policy kmalloc), 98304 bytes: failed; OOM kills: none");
  });

  it("--policy kvmalloc --json keeps replay618's fields", async () => {
    const a = await cli("--policy", "kvmalloc", "--json");
    expect(a.code).toBe(0);
    const j = JSON.parse(a.stdout);
    for (const f of ["outcome", "kills", "lines", "events", "vmstat", "allocFailures", "policy", "kmem"])
      expect(j).toHaveProperty(f);
    expect([j.outcome, j.policy, j.kills]).toEqual(["success", "kvmalloc", []]);
  });

  it("--trace tells kmalloc -> fallback", async () => {
    const a = await cli("--policy", "kvmalloc", "--trace");
    expect(a.code).toBe(0);
    const at = (s: string) => a.stdout.indexOf(s);
    const story = [
      "kmem_alloc(98304, flags 0x1) under policy kvmalloc",
      "__alloc_pages_slowpath: order 5, gfp_mask 0x428c0",
      "-> NULL: cannot reclaim",
      "kmalloc(98304): large kmalloc (above KMALLOC_MAX_CACHE_SIZE): order-5 pages",
      "__vmalloc_node_range(98304, 0x2cc0(GFP_KERNEL|__GFP_NOWARN)): 24 order-0 pages",
      "then the vmalloc fallback -> ok",
      "outcome: success (policy kvmalloc)",
    ];
    for (const s of story) expect(at(s), s).toBeGreaterThanOrEqual(0);
    expect(story.map(at)).toEqual([...story.map(at)].sort((x, y) => x - y));
  });

  it("--trace counts the XFS loop's repeated attempts", async () => {
    const a = await cli("--policy", "bdfb04301fa5", "--trace", "--max-retries", "250");
    expect(a.code).toBe(0);
    // compaction's deferral makes the attempts differ now and then; runs of identical ones are counted
    expect(a.stdout).toMatch(/\.\.\. \d+ more attempts like the last \(counters aside\), to t=/);
    expect(a.stdout.split("\n").length).toBeLessThan(250 * 3); // one attempt alone takes 12 lines
    expect(a.stdout).toContain("kmem_alloc still looping after 250 retries and 5000 simulated ms");
  });

  it("--size sets kmem_alloc's size on a 6.18 scenario", async () => {
    const a = await cli("--policy", "pre-bdfb04301fa5", "--size", "131072", "--json");
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ outcome: "success", size: 131072 });
  });

  it.each([
    [["--policy", "frob"], "--policy must be one of pre-bdfb04301fa5, bdfb04301fa5, kvmalloc, kmalloc"],
    [["--set", "sysctl.swapiness=10"], "did you mean swappiness?"],
    [["--set", "sysctl.swappiness=201"], "201 is out of range 0 .. 200"],
    [["--set", "sysctl.panic_on_oom=1"], "vm.panic_on_oom is a 6.18 sysctl the model does not read"],
    [["--set", "config.SLUB=false"], "config.SLUB is not a setting of the 6.18 model"],
    [["--set", "thp.defrag=sometimes"], "thp.defrag"],
    [["--compare", "--policy", "kvmalloc"], "--compare replays every policy and size: no --policy or --size"],
  ])("%j exits 2: %s", async (argv, message) => {
    const a = await cli(...argv);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(message);
  });

  it("--compare: every policy at 64, 96, 128 and 256 KiB", async () => {
    const a = await cli("--compare", "--json", "--max-retries", "50");
    expect(a.code).toBe(0);
    const rows: { sizeKb: number; policy: string; outcome: string; kills: string }[] = JSON.parse(a.stdout);
    const table = Object.fromEntries(rows.map((r) => [`${r.sizeKb} ${r.policy}`, r.outcome]));
    expect(table).toEqual({
      // 64 KiB is order 4 (get_order(65536) = fls(15) = 4): the free lists hold 512 order-4 blocks
      "64 kmalloc": "success",
      "64 kvmalloc": "success",
      "64 pre-bdfb04301fa5": "success",
      "64 bdfb04301fa5": "success",
      "96 kmalloc": "failed",
      "96 kvmalloc": "success",
      "96 pre-bdfb04301fa5": "livelock",
      "96 bdfb04301fa5": "livelock",
      // from MAX_SLAB_SIZE (128 KiB) the old XFS policy tries __vmalloc first
      "128 kmalloc": "failed",
      "128 kvmalloc": "success",
      "128 pre-bdfb04301fa5": "success",
      "128 bdfb04301fa5": "livelock",
      "256 kmalloc": "failed",
      "256 kvmalloc": "success",
      "256 pre-bdfb04301fa5": "success",
      "256 bdfb04301fa5": "livelock",
    });
    expect(new Set(rows.map((r) => r.kills))).toEqual(new Set(["-"]));
  });

  it("--policy kmalloc on a 2.6.11 replay exits 2 naming 2.6.11's policies", async () => {
    const seed = readFileSync(new URL("../../scenarios/seed.json", import.meta.url), "utf8");
    const a = io({ "scenario:seed": seed });
    expect(await main(["replay", "seed", "--policy", "kmalloc"], a)).toBe(2);
    expect(a.stderr).toContain("a 2.6.11 replay takes pre-bdfb04301fa5, bdfb04301fa5, kvmalloc");
  });

  it("--set sysctl.NAME, config.COMPACTION and thp.* by kernel names", async () => {
    const a = await cli(
      "--set",
      "sysctl.vm.swappiness=100",
      "--set",
      "config.COMPACTION=false",
      "--set",
      "thp.enabled=never",
      "--set",
      "thp.defrag=defer+madvise",
      "--json",
    );
    expect(a.code).toBe(0);
    const j = JSON.parse(a.stdout);
    expect(j.outcome).toBe("failed");
    // CONFIG_COMPACTION=n: no compaction attempt at all (try_to_compact_pages is not called)
    expect(j.events.some((e: { kind: string }) => e.kind === "__alloc_pages_direct_compact")).toBe(false);
    const sc = scenario();
    setScenarioValue(sc, "sysctl.lowmem_reserve_ratio=[256,-5,0]");
    expect(sc.sysctl.lowmem_reserve_ratio).toEqual([256, 0, 0]); // entries below 1 are stored as 0
  });
});
