// The 6.18 replay of modern reports (analyse/replay618.ts): each corpus report's hand-checkable facts,
// a made-up report whose compaction_suitable arithmetic is worked by hand, and the what-ifs.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../bindings/analyse/diagnose.js";
import { replay618, type Replay618 } from "../../bindings/analyse/replay618.js";
import { parseReports } from "../../bindings/parse/reports.js";
import { renderReport } from "../../bindings/render/diagnose.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const F028 = "028-oomanalyser-archlinux-6.1.1-x86_64-global-oom-doxygen.log";
const F029 = "029-oomanalyser-proxmox-5.15-pve-x86_64-memcg-v2-oom-lxc-php-fpm.log";
const F039 = "039-linux-btrfs-5.0.10-kasan-x86_64-vm-gfp-nowait-order0-dm-cache.log";
const F008 = "008-linux-mips-5.10-rc1-mips32-ingenic-order5-gfpkernel-cma-fragmentation.log";
const F041 = "041-lkml-6.8.0-x86_64-boot-dma-pool-order9-gfp-dma-zone-too-small.log";
const F045 = "045-github-rpi-zero2w-6.12.62-arm64-oom-python-swap-cma.log";

const first = (text: string) => parseReports(text).reports[0];
const zone = (p: Replay618, name: string) => p.zones.find((z) => z.name === name);

/** A 6.8 order-4 GFP_KERNEL|GFP_DMA failure made from 041: one DMA zone of 4096 pages, all managed,
 *  min/low/high 100/125/150 pages, 2000 free pages all of order 0, 1000 inactive file pages. */
function order4Report(): string {
  return fixture(F041)
    .replace("order:9, mode:0xcc1", "order:4, mode:0xcc1")
    .replace("active_file:0 inactive_file:0 isolated_file:0", "active_file:0 inactive_file:1000 isolated_file:0")
    .replace("free:3823293 free_pcp:0", "free:2000 free_pcp:0")
    .replace(
      "DMA free:1024kB boost:0kB min:0kB low:0kB high:0kB",
      "DMA free:8000kB boost:0kB min:400kB low:500kB high:600kB",
    )
    .replace(
      "active_file:0kB inactive_file:0kB unevictable:0kB writepending",
      "active_file:0kB inactive_file:4000kB unevictable:0kB writepending",
    )
    .replace("present:15992kB managed:1024kB", "present:16384kB managed:16384kB")
    .replace(
      "0*4kB 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 1*1024kB (U) 0*2048kB 0*4096kB = 1024kB",
      "2000*4kB (UM) 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 8000kB",
    );
}

describe("replay618 on the corpus", () => {
  it("041 (6.8, order 9 GFP_DMA): compaction_suitable fails its watermark, a costly order gives up", () => {
    const p = replay618(first(fixture(F041)));
    expect(p.replayed).toBe(true);
    expect(p.request).toMatchObject({ order: 9, gfpMask: "0xcc1", gfp: "GFP_KERNEL|GFP_DMA" });
    // present 15992 kB / 4 = 3998 pages, managed 1024 kB = 256 pages, all free as one order-8 block
    expect(zone(p, "DMA")).toMatchObject({ freePages: 256, minPages: 0, reclaimablePages: 0, unplacedFreePages: 0 });
    // __compaction_suitable: min 0 + compact_gap(9) = 2 << 9 = 1024, + low - min = 0 for a costly order;
    // 256 usable pages are not above 1024 + lowmem_reserve 0: COMPACT_SKIPPED, no fragmentation index
    expect(p.compaction?.suitable[0]).toMatchObject({ mark: 1024, usable: 256, reserve: 0, fragindex: null });
    expect(p.compaction?.suitable[0].result).toBe("COMPACT_SKIPPED");
    expect(p.outcome).toBe("failed");
    expect(p.how).toBe("costly order without __GFP_RETRY_MAYFAIL");
    expect(p.oom?.victim).toBeNull();
    // Mem-Info's free (3823293 pages) is the machine's, not the DMA zone's: its slab is left out
    expect(p.assumptions.some((a) => a.includes("prints only some zones"))).toBe(true);
    expect(p.reclaim?.slabPages).toBe(0);
  });

  it("045 (6.12, order 0): the report's victim, python (996), with its oom_badness", () => {
    const p = replay618(first(fixture(F045)));
    // rss 30557 + swapents 31936 + pgtables 1183744 / 4096 = 289, oom_score_adj 0: 62782 points
    expect(p.oom).toMatchObject({ victim: { pid: 996, comm: "python", points: 62782 }, agrees: true, killed: false });
    // the zone line's free 17380 kB = 4345 pages (the per-order line lists 4369): above min 16384 kB = 4096
    expect(zone(p, "DMA")).toMatchObject({ freePages: 4345, minPages: 4096 });
    expect(p.reclaim?.alreadyMet).toBe(true);
    // swap 425980 kB = 106495 pages, none free: only the file LRU (1120 kB = 280 pages) is reclaimable
    expect(p.swap).toEqual({ totalPages: 106495, freePages: 0 });
    expect(zone(p, "DMA")?.reclaimablePages).toBe(280);
    expect(p.compaction?.applies).toBe(false);
    expect(p.outcome).toBe("success");
  });

  it("028 (6.1, order 0): Normal below min, DMA32 and DMA held back by lowmem_reserve; doxygen is the victim", () => {
    const p = replay618(first(fixture(F028)));
    // Normal: 61900 kB = 15475 free pages, min 61948 kB = 15487 (boost included, as the kernel checks)
    expect(zone(p, "Normal")).toMatchObject({ freePages: 15475, minPages: 15487 });
    // DMA32: 63304 kB = 15826 pages, min 13760 kB = 3440 + lowmem_reserve[Movable] 12468 = 15908
    expect(zone(p, "DMA32")).toMatchObject({ freePages: 15826, minPages: 3440 });
    expect(p.reclaim?.alreadyMet).toBe(false);
    // 21 free swap pages: anon counts as reclaimable (zone_reclaimable_pages)
    expect(p.swap?.freePages).toBe(21);
    expect(p.reclaim?.couldMeetMark).toBe(true);
    // rss 2308581 + swapents 5225427 + pgtables 60686336 / 4096 = 14816: 7548824 points
    expect(p.oom).toMatchObject({ victim: { pid: 473206, comm: "doxygen", points: 7548824 }, agrees: true });
    expect(p.request?.gfpMask).toBe("0x140dca");
  });

  it("039 (5.0, order 0): 5.0's __GFP_KSWAPD_RECLAIM (0x400000) is 6.18's 0x800; Normal passes by 41", () => {
    const p = replay618(first(fixture(F039)));
    expect(p.request).toMatchObject({ gfpMask: "0x800", gfp: "__GFP_KSWAPD_RECLAIM" });
    // Normal: 40288 kB = 10072 free pages against min 40124 kB = 10031 and lowmem_reserve[Normal] 0
    expect(zone(p, "Normal")).toMatchObject({ freePages: 10072, minPages: 10031 });
    expect(p.reclaim?.alreadyMet).toBe(true);
    expect(p.outcome).toBe("success");
    expect(p.oom?.victim).toBeNull();
  });

  it("008 (5.10 mips32, order 5 GFP_KERNEL): the free blocks of order 5 and up are CMA; compaction forms one", () => {
    const p = replay618(first(fixture(F008)));
    // Normal's orders 4 .. 7 are listed on the CMA list alone (C): a CMA area holds them, GFP_KERNEL cannot
    expect(p.assumptions.some((a) => a.includes("CMA area"))).toBe(true);
    expect(zone(p, "Normal")).toMatchObject({ freePages: 8311, minPages: 489 });
    // __compaction_suitable at the min mark: 489 + compact_gap(5) = 2 << 5 = 64, + low - min = 611 - 489 = 122
    // for a costly order: 675; the fragmentation index is -1000: blocks of order 5 and up are free (on CMA)
    expect(p.compaction?.suitable[0]).toMatchObject({ zone: "Normal", mark: 675, usable: 8311, fragindex: -1000 });
    expect(p.compaction?.suitable[0].result).toBe("COMPACT_CONTINUE");
    // the early async pass gives up on the pageblocks; sync-light migrates the page cache and succeeds
    expect(p.compaction?.attempts.map((a) => [a.priority, a.ok])).toEqual([
      ["async", false],
      ["sync_light", true],
    ]);
    expect(p.outcome).toBe("success");
    expect(p.how).toBe("after direct compaction");
  });

  it("029 (5.15 memcg OOM) is not replayed: memory cgroups are not modelled", () => {
    const p = replay618(first(fixture(F029)));
    expect(p.replayed).toBe(false);
    expect(p.skipped).toContain("memory cgroups are not modelled");
  });
});

describe("replay618: compaction_suitable by hand", () => {
  it("order 4 with 2000 single free pages: suitable at threshold 500, not at 950", () => {
    const r = first(order4Report());
    const p = replay618(r);
    const c = p.compaction?.suitable[0];
    // min 100 + compact_gap(4) = 2 << 4 = 32, + low - min = 25 for a costly order: 157; usable 2000 > 157
    // fragmentation_index(4): 1000 - (1000 + 2000 x 1000 / 16) / 2000 = 1000 - 126000 / 2000 = 937 > 500
    expect(c).toMatchObject({ zone: "DMA", order: 4, mark: 157, usable: 2000, reserve: 0, fragindex: 937 });
    expect(c?.result).toBe("COMPACT_CONTINUE");
    expect(p.compaction?.movablePages).toBe(1000);
    // extfrag_threshold 950: 937 <= 950, a lack of memory rather than fragmentation
    const q = replay618(r, { extfragThreshold: 950 });
    expect(q.compaction?.suitable[0]).toMatchObject({ fragindex: 937, extfragThreshold: 950 });
    expect(q.compaction?.suitable[0].result).toBe("COMPACT_NOT_SUITABLE_ZONE");
    // CONFIG_COMPACTION off: nothing asked
    const off = replay618(r, { compaction: false });
    expect(off.compaction).toMatchObject({ applies: false, suitable: [] });
  });
});

describe("diagnose: replay618 and its what-ifs", () => {
  it("reports[].replay618 and the text's 'Would it have helped' part", () => {
    const d = diagnose(fixture(F041)).reports[0];
    expect(d.replay618?.replayed).toBe(true);
    const text = renderReport(d);
    expect(text).toContain("Would it have helped");
    expect(text).toContain("COMPACT_SKIPPED (256 usable free pages <= mark 1024 + reserve 0)");
    expect(diagnose(fixture(F041), { replay618: false }).reports[0].replay618).toBeUndefined();
  });

  it("swap_kb: 045 with 1 GiB more swap makes its anon LRU reclaimable", () => {
    const d = diagnose(fixture(F045), { whatIf: { swapKb: 1048576 } }).reports[0];
    const p = d.whatIf?.replay618 as Replay618;
    // 262144 pages added to 106495; anon LRU 46592 + 136500 kB = 183092 kB = 45773 pages + file 280
    expect(p.swap).toEqual({ totalPages: 106495 + 262144, freePages: 262144 });
    expect(zone(p, "DMA")?.reclaimablePages).toBe(45773 + 280);
    expect(renderReport(d)).toContain("What if swap_kb=1048576");
  });

  it("extfrag_threshold as a what-if reaches the replay", () => {
    const d = diagnose(order4Report(), { whatIf: { extfragThreshold: 950 } }).reports[0];
    expect(d.whatIf?.replay618?.compaction?.suitable[0].result).toBe("COMPACT_NOT_SUITABLE_ZONE");
    expect(d.replay618?.compaction?.suitable[0].result).toBe("COMPACT_CONTINUE");
  });

  it("victim_oom_score_adj: 045's python (996) at -1000 is exempt, and 6.18 picks another task", () => {
    const d = diagnose(fixture(F045), { whatIf: { victimOomScoreAdj: -1000 } }).reports[0];
    const o = d.whatIf?.replay618?.oom;
    expect(o?.agrees).toBe(false);
    expect(o?.victim?.pid).not.toBe(996);
    // the next by rss + swapents + pgtables / 4096: pid 1025, 12717 + 39520 + 864256 / 4096 = 211: 52448
    expect(o?.victim).toEqual({ pid: 1025, comm: "python", points: 52448 });
  });

  it("an extfrag_threshold out of range is refused", () => {
    expect(() => diagnose(fixture(F041), { whatIf: { extfragThreshold: 1001 } })).toThrow(/extfragThreshold/);
  });
});

describe("how many reports of one input are replayed", () => {
  it("the first replayLimit replayable reports; the others say why not and how to get them", () => {
    // the same 6.8 report three times in one input: with a limit of 2, the third is not rebuilt
    const text = [fixture(F041), fixture(F041), fixture(F041)].join("\n");
    const res = diagnose(text, { replayLimit: 2 });
    expect(res.reports.length).toBe(3);
    expect(res.reports.map((r) => r.replay618?.replayed ?? null)).toEqual([true, true, null]);
    expect(res.reports[2].warnings.some((w) => w.message.includes("--replay618 all"))).toBe(true);
    // off: none
    expect(diagnose(text, { replay618: false }).reports.every((r) => r.replay618 === undefined)).toBe(true);
  });
});
