// "A reader can act on it" (analyse/advice.ts): every corpus report gets a one-paragraph summary and
// actions tied to its cause, each with a computed effect. The numbers below are worked by hand from the
// fixtures' printed lines (the arithmetic is in each test), and the replay's new what-ifs (the victim
// killed earlier, any task's oom_score_adj) are checked on 045.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diagnose, type DiagnosedReport } from "../../bindings/analyse/diagnose.js";
import { validateWhatIf } from "../../bindings/analyse/what_if.js";
import { advise } from "../../bindings/analyse/advice.js";
import { replay618, type Replay618 } from "../../bindings/analyse/replay618.js";
import { parseReports } from "../../bindings/parse/reports.js";
import { parseWhatIf } from "../../bindings/cli/commands/diagnose.js";
import { main } from "../../bindings/cli/main.js";
import { memoryIo } from "../helpers.js";
import { renderReport } from "../../bindings/render/diagnose.js";

const DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));
const FIXTURES: Record<string, string> = {
  seed: "seed-article-oom-report.txt",
  "004": "004-linux-mm-2.6.31-i386-e100-order5-atomic-fragmentation.log",
  "008": "008-linux-mips-5.10-rc1-mips32-ingenic-order5-gfpkernel-cma-fragmentation.log",
  "020": "020-lkml-5.2-rc7-x86_64-memcg-v1-oom-leaker.log",
  "021": "021-blog-docker-hang-3.10-el7-x86_64-memcg-oom-kmem-runc.log",
  "022": "022-linux-mm-4.9.0-i386-x61s-oom-lowmem-normal-below-min-highmem-free.log",
  "023": "023-lkml-2.6.14-rc2-i386-oom-killer-old-format-lowmem-slab-dentry-x3.log",
  "028": "028-oomanalyser-archlinux-6.1.1-x86_64-global-oom-doxygen.log",
  "029": "029-oomanalyser-proxmox-5.15-pve-x86_64-memcg-v2-oom-lxc-php-fpm.log",
  "037": "037-linux-mm-3.10-arm32-highmem-cma-gfp-atomic-order0-rtl8812au-ksoftirqd.log",
  "039": "039-linux-btrfs-5.0.10-kasan-x86_64-vm-gfp-nowait-order0-dm-cache.log",
  "041": "041-lkml-6.8.0-x86_64-boot-dma-pool-order9-gfp-dma-zone-too-small.log",
  "044": "044-github-wl500g-189-mips-rtn10-2.6-order3-gfp-atomic-highorder-watermark-partial.log",
  "045": "045-github-rpi-zero2w-6.12.62-arm64-oom-python-swap-cma.log",
  "046": "046-blog-xiaomili-2.6.32-el6-x86_64-oom-java-vim.log",
};
const text = (id: string) => readFileSync(DIR + FIXTURES[id], "utf8");
const done = new Map<string, DiagnosedReport[]>();
/** Each fixture diagnosed once (with its 6.18 replay: 028's takes seconds). */
function reports(id: string): DiagnosedReport[] {
  let r = done.get(id);
  if (!r) {
    r = diagnose(text(id)).reports;
    done.set(id, r);
  }
  return r;
}
const first = (id: string) => reports(id)[0];
const action = (r: DiagnosedReport, re: RegExp) => {
  const a = r.actions?.find((x) => re.test(x.action));
  if (!a) throw new Error(`no action matching ${re}: ${JSON.stringify(r.actions?.map((x) => x.action))}`);
  return a;
};

/** The causes an action may answer, by the verdict's cause (kernel memory answers any). */
const CAUSES: Record<string, string[]> = {
  "memcg-limit": ["memcg-limit"],
  fragmentation: ["fragmentation"],
  "cma-unusable": ["cma-unusable"],
  "zone-too-small": ["zone-too-small"],
  exhaustion: ["exhaustion"],
};

describe("every corpus report: a summary first, actions with computed effects", () => {
  it.each(Object.keys(FIXTURES))("%s", (id) => {
    const rs = reports(id);
    expect(rs.length).toBeGreaterThan(0);
    for (const r of rs) {
      expect(r.summary).toMatch(/^[A-Z].{60,}\.$/s);
      expect(r.summary).not.toMatch(/undefined|NaN|null|\[object/);
      // JSON: summary and actions lead the report, as the text does
      expect(Object.keys(r).slice(0, 2)).toEqual(["summary", "actions"]);
      const allowed = [...(CAUSES[r.verdict?.cause ?? ""] ?? []), "unaccounted", "kernel-memory"];
      for (const a of r.actions ?? []) {
        expect(allowed).toContain(a.cause);
        // computed: the effect carries numbers, never a canned sentence
        expect(a.effect).toMatch(/\d/);
        expect(a.effect).not.toMatch(/undefined|NaN|null|\[object/);
        expect(a.computedBy.length).toBeGreaterThan(5);
      }
      const t = renderReport(r).split("\n");
      expect(t[2]).toBe(r.summary);
      if (r.actions?.length) {
        expect(t[4]).toBe("What to do:");
        for (const [i, a] of r.actions.entries()) expect(t).toContain(`  ${i + 1}. [${a.cause}] ${a.action}.`);
      }
    }
  });

  it("the causes that have actions get them", () => {
    for (const id of ["seed", "004", "008", "044"]) expect(first(id).actions?.[0]?.cause).toBe("fragmentation");
    for (const id of ["020", "021", "029"]) expect(first(id).actions?.[0]?.cause).toBe("memcg-limit");
    for (const id of ["022", "028", "045", "046"]) expect(first(id).actions?.[0]?.cause).toBe("exhaustion");
    expect(first("037").actions?.[0]?.cause).toBe("cma-unusable");
    expect(first("041").actions?.[0]?.cause).toBe("zone-too-small");
  });
});

describe("the seed (2.6.11, order 5 inferred, DMA 1631 free pages, min/low 300/375)", () => {
  const r = () => first("seed");
  it("summary: the inferred order, the zone's free memory, the failing step, the victim", () => {
    const s = r().summary ?? "";
    expect(s).toContain("An order-5-or-larger (128 kB; no order printed");
    // 6524 kB / 1024 = 6.37 MB; one free order-5 block, yet o=3 leaves 17 <= 18 at the min mark
    expect(s).toContain("It failed in DMA with 6.4 MB free: 1 free block of order 5 or more existed");
    expect(s).toContain("(o=3: 233 - 216 = 17 <= 18)");
    expect(s).toContain("The OOM killer killed smbd (pid 453); the report prints no task table");
  });
  it("kvmalloc: 32 order-0 pages; order 0 at the low mark: 1631 - 1 + 1 = 1631 > 375, by 1256", () => {
    expect(action(r(), /kvmalloc/).effect).toBe(
      "kvmalloc would fall back to vmalloc: 32 order-0 pages, available: the order-0 check at the low mark " +
        "passes in DMA by 1256 pages",
    );
  });
  it("a smaller block: order 4 at the low mark, 1631 - 16 + 1 = 1616 > 375, by 1241", () => {
    expect(action(r(), /smaller blocks/).effect).toBe(
      "an order-4 request with the same mask passes in DMA at the low mark by 1241 pages; order 5 and above fail",
    );
  });
  it("compaction: none in 2.6.11; 6.18's suitability 1631 > 300 + (2 << 5) + (375 - 300) = 439", () => {
    const a = action(r(), /compaction/);
    expect(a.action).toBe("Run a kernel with compaction (2.6.35+, CONFIG_COMPACTION)");
    expect(a.effect).toContain("Linux 2.6.11 has no compaction");
    expect(a.effect).toContain(
      "DMA: COMPACT_CONTINUE (1631 free pages > min 300 + compact_gap 64 + (low - min) 75 + reserve 0 = 439",
    );
    // active 80 kB + inactive 92 kB = 172 kB = 43 pages
    expect(a.effect).toContain("43 LRU pages to migrate");
  });
  it("min_free_kbytes 1200 -> 2400: 2.6.11's marks min, min * 5/4, min * 3/2; still fails at order 5", () => {
    const a = action(r(), /min_free_kbytes/);
    expect(a.effect).toContain("DMA min/low/high 1200/1500/1800 -> 2400/3000/3600 kB");
    expect(a.effect).toContain("still fails");
    // kswapd's target, the high mark, rises by 3600 - 1800 = 1800 kB
    expect(a.effect).toContain("keep 1800 kB more free in DMA");
  });
  it("no XFS line in the fixture: no XFS action; with the article's XFS line, bdfb04301fa5's sizes", () => {
    expect(r().actions?.some((a) => a.action.startsWith("XFS"))).toBe(false);
    const xfs = "XFS: possible memory allocation deadlock in kmem_alloc (mode:0x2d0)\n" + text("seed");
    const d = diagnose(xfs).reports[0];
    const a = action(d, /^XFS/);
    // an order-5 kmalloc serves 16 x 4096 + 1 = 65537 .. 32 x 4096 = 131072 bytes; MAX_SLAB_SIZE is 131072
    expect(a.effect).toContain("an order-5 kmalloc serves 65537..131072 bytes");
    expect(a.effect).toContain("only a size of 131072 bytes (MAX_SLAB_SIZE) went to vmalloc first");
    expect(a.effect).toContain("32 order-0 pages: available");
  });
});

describe("008 (5.10, order 5 GFP_KERNEL, Normal 8311 free pages of which 3075 free CMA, min 489)", () => {
  const r = () => first("008");
  it("summary: 33244 kB = 32.5 MB free, the 4 + 1 + 1 blocks of order >= 5 all CMA", () => {
    expect(r().summary).toContain(
      "It failed in Normal with 32.5 MB free because no free block of order 5 or larger that it could use " +
        "existed: the 6 blocks of order 5 or more were all on the CMA list",
    );
  });
  it("kvmalloc: order 0 at min, 8311 - 0 - 3075 = 5236 > 489, by 4747; order 3: 5229 - 489 = 4740", () => {
    expect(action(r(), /kvmalloc/).effect).toContain(
      "32 order-0 pages, available: the order-0 check at the min mark passes in Normal by 4747 pages",
    );
    // order 4's free blocks are CMA only (12(C)): order 3 is the largest that passes
    expect(action(r(), /smaller blocks/).effect).toContain(
      "order-3 request with the same mask passes in Normal at the min mark by 4740 pages",
    );
  });
  it("compaction: the 6.18 replay's answer (mark 675 = min 489 + 64 + (611 - 489))", () => {
    const a = action(r(), /compaction/);
    expect(a.computedBy).toContain("6.18 replay");
    expect(a.effect).toContain("the 6.18 replay: success, after direct compaction");
    expect(a.effect).toContain("8311 usable free pages > mark 675 + reserve 0");
  });
  it("min_free_kbytes 1956 -> 3912: min 978 pages, low 978 + 978/4 = 1222, high 978 + 488 = 1466", () => {
    const a = action(r(), /min_free_kbytes/);
    expect(a.action).toBe("Raise vm.min_free_kbytes (1956 -> 3912)");
    expect(a.effect).toContain("Normal min/low/high 1956/2444/2932 -> 3912/4888/5864 kB");
    expect(a.effect).toContain("keep 2932 kB more free in Normal");
  });
});

describe("memcg OOMs: raise the limit by usage - limit + the victim's rss and page tables; the leak", () => {
  it("020: 524288 - 524288 + (506500 + 1268 + 0) + 5104 = 512872 kB, to 1037160 kB", () => {
    const r = first("020");
    expect(r.summary).toContain("usage 524288 kB of a 524288 kB (512.0 MB) limit");
    expect(action(r, /Raise the cgroup's limit/).effect).toContain(
      "by 512872 kB (usage 524288 - limit 524288 = 0 kB over, + leaker's rss 507768 (anon 506500 + file 1268 + " +
        "shmem 0) + page tables 5104 kB) to 1037160 kB",
    );
    // 512872 / 524288 = 97.8%
    expect(action(r, /Find the leak/).effect).toContain("held 512872 kB (rss 507768 + page tables 5104) = 98% of");
  });
  it("029: + (12625252 + 0 + 156088) + 26388 = 12807728 kB; php-fpm x21 at 33316328 kB = 107%", () => {
    const r = first("029");
    expect(action(r, /Raise the cgroup's limit \(memory\.max\)/).effect).toContain(
      "by 12807728 kB (usage 31211520 - limit 31211520 = 0 kB over",
    );
    expect(action(r, /Raise/).effect).toContain("to 44019248 kB");
    expect(action(r, /Find the leak/).effect).toContain("php-fpm (21 processes) held 33316328 kB");
    expect(action(r, /Find the leak/).effect).toContain("= 107% of the 31211520 kB limit; over 100%");
  });
  it("021: the tasks hold little of the usage, kernel memory 3143468 of 3145728 kB does", () => {
    const r = first("021");
    expect(action(r, /what else is charged/).effect).toMatch(/of usage 3145728 kB; the other \d+ kB/);
    expect(action(r, /kernel memory/).effect).toBe("kernel memory 3143468 kB = 100% of usage 3145728 kB");
  });
});

describe("exhaustion", () => {
  it("028: free 13312 + 63304 + 61900 = 138516 kB + doxygen's 9234324 vs marks 222064 kB", () => {
    const r = first("028");
    // DMA 96 + 15659 x 4 = 62732; DMA32 20640 + 12468 x 4 = 70512; Normal 88820: 222064 kB
    expect(action(r, /doxygen/).effect).toContain(
      "freeing its rss gives 138516 + 9234324 = 9372840 kB free in the zones the request may use, above their " +
        "high marks + lowmem_reserve (222064 kB) by 9150776 kB",
    );
    // the victim is doxygen: its rss 9234324 kB / 4 = 2308581 pages freed before the request
    expect(action(r, /doxygen/).effect).toContain("killed before the request (2308581 pages freed): success, at once");
    // short 222064 - 138516 = 83548 kB, whole MiB: 82 x 1024 = 83968
    // the replay succeeds without more swap: more cannot change its answer (not replayed again)
    const swap = action(r, /Add swap only if/);
    expect(swap.effect).toMatch(/^the 6\.18 replay succeeds without more swap \(after direct reclaim\)/);
    expect(swap.effect).toContain("(83548 kB short of the high marks)");
    // 16461600 - 13217408 = 3244192 kB, 19.7% of RAM
    expect(action(r, /kernel memory outside/).effect).toContain(
      "unaccounted = RAM 16461600 - counted 13217408 = 3244192 kB, 20% of RAM",
    );
  });
  it("022: 2094312 kB of swap free is more than the 68136 - 46520 = 21616 kB shortfall", () => {
    expect(action(first("022"), /Swap is not what is missing/).effect).toContain(
      "2094312 kB of swap 2096476 kB is free, more than the 21616 kB",
    );
  });
  it("046: no swap; the shortfall (4512 + ... ) from the zone lines", () => {
    expect(action(first("046"), /Add swap/).effect).toMatch(/^no swap is configured; the anonymous LRU holds \d+ kB/);
  });
  it("045: 17380 + 183404 = 200784 kB vs the high mark 24576: above by 176208", () => {
    const r = first("045");
    expect(action(r, /python/).effect).toContain("17380 + 183404 = 200784 kB");
    expect(action(r, /python/).effect).toContain("(24576 kB) by 176208 kB");
    // the victim is one of them: the replay with pid 996 killed first (anon-rss 122228 kB = 30557 pages)
    expect(action(r, /python/).effect).toContain(
      "the 6.18 replay with python (996) killed before the request (30557 pages freed): success, at once",
    );
    // CMA 262144 kB reserved, free_cma 0: the driver's CMA pages are unaccounted
    expect(action(r, /kernel memory outside/).effect).toContain("CMA reserved 262144 kB, 262144 kB of it not free");
  });
});

describe("swap added, replayed when the replay without it fails (045 with its outcome set to failed)", () => {
  it("short 6144 - 4345 = 1799 pages = 7196 kB, 8192 kB added: anon 45773 + file 280 = 46053 reclaimable", () => {
    const t = text("045");
    const parsed = parseReports(t).reports[0];
    const d = diagnose(t).reports[0];
    const failed = { ...d, replay618: { ...(d.replay618 as Replay618), outcome: "failed" as const, how: "no page" } };
    const a = advise(parsed, failed, {
      whatIf: () => {
        throw new Error("not asked for exhaustion");
      },
      replay: (s) => replay618(parsed, s),
      xfsKmemAlloc: () => false,
    });
    const swap = action({ ...failed, actions: a.actions }, /Add swap \(/);
    expect(swap.action).toBe(
      "Add swap (8192 kB: the 7196 kB the zones the request may use are short of their high marks)",
    );
    expect(swap.effect).toMatch(/^the 6\.18 replay with swap_kb=8192: success/);
    expect(swap.effect).toContain("reclaimable 46053 pages (280 without it)");
    expect(swap.effect).toContain("without it: failed, no page");
  });
});

describe("the other causes", () => {
  it("041: order 8 passes in DMA at the min mark: 256 - 255 = 1 > 0, by 1 page", () => {
    const r = first("041");
    expect(r.summary).toContain("An order-9 block is 2048 kB, and DMA, the only zone the mask allows, holds 1.0 MB");
    expect(action(r, /order 8/).effect).toContain("passes in DMA at the min mark by 1 page;");
  });
  it("037: 63768 - 63080 = 688 kB usable vs min 2000: 2000 - 688 + 4 = 1316 kB more outside CMA", () => {
    expect(action(first("037"), /Shrink the CMA area/).effect).toContain(
      "free 63768 kB - free CMA 63080 kB = 688 kB usable vs the min mark 2000 kB + lowmem_reserve 0 kB: with " +
        "1316 kB",
    );
  });
  it("004: GFP_ATOMIC cannot sleep (no __GFP_WAIT in 2.6.31): kvmalloc cannot help", () => {
    expect(action(first("004"), /kvmalloc/).effect).toMatch(
      /^kvmalloc cannot help this request: 0x8020 cannot sleep \(no __GFP_WAIT\)/,
    );
  });
  it("023: slab 862956 kB of 4194304 kB RAM = 20.6%", () => {
    expect(action(first("023"), /slab caches/).effect).toBe("slab held 862956 kB = 21% of RAM 4194304 kB");
  });
});

describe("the replay's what-ifs: the victim killed earlier, any task's oom_score_adj (045)", () => {
  it("victim_killed_earlier=1: python 996's anon-rss 122228 kB = 30557 pages freed first; it passes at once", () => {
    const d = diagnose(text("045"), { whatIf: { victimKilledEarlier: 1 } }).reports[0];
    const p = d.whatIf?.replay618;
    expect(p?.killedFirst).toEqual({ pid: 996, comm: "python", freedPages: 30557, swapEntries: 31936 });
    expect(p?.outcome).toBe("success");
    expect(p?.how).toContain("with python's 30557 freed pages pass the slow path's mark");
  });
  it("oom_score_adj:PID=VALUE: 996 and 1025 exempt, select_bad_process picks dbus-daemon 942 (42735 points)", () => {
    const w = parseWhatIf(["oom_score_adj:996=-1000", "oom_score_adj:1025=-1000"]);
    expect(w).toEqual({ oomScoreAdj: { 996: -1000, 1025: -1000 } });
    const d = diagnose(text("045"), { whatIf: w }).reports[0];
    const o = d.whatIf?.replay618?.oom;
    // the ranking's third task (analyse/victim.ts, same 6.18 oom_badness)
    expect(o?.victim).toEqual({ pid: 942, comm: "dbus-daemon", points: 42735 });
    expect(o?.note).toContain("with oom_score_adj -1000 for pid 996, -1000 for pid 1025");
    expect(renderReport(d)).toContain("What if oom_score_adj:996=-1000, oom_score_adj:1025=-1000:");
  });
  it("a pid not in the table is noted; bad pids and values are refused", () => {
    const d = diagnose(text("045"), { whatIf: { oomScoreAdj: { 7: 100 } }, replay618: false }).reports[0];
    expect(d.whatIf?.notes).toContain("oom_score_adj:7 changes nothing: no task 7 in the table");
    expect(() => parseWhatIf(["oom_score_adj:0=5"])).toThrow(/oom_score_adj:PID: 0 is out of range: a pid from 1/);
    expect(() => parseWhatIf(["oom_score_adj:996=1001"])).toThrow(/oom_score_adj:996: 1001 is out of range/);
    expect(() => parseWhatIf(["victim_killed_earlier=2"])).toThrow(/victim_killed_earlier: 2 is out of range: 0 or 1/);
    expect(() => validateWhatIf({ oomScoreAdj: { x: 1 } })).toThrow(/pid/);
    expect(() => validateWhatIf({ oomScoreAdj: { 996: -1001 } })).toThrow(/-1000 to 1000/);
  });
});

describe("robustness and the CLI", () => {
  it("any subset of a report's lines: every report still gets a summary, never a failed advice", () => {
    const lines = text("008").split("\n");
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: lines.length, maxLength: lines.length }), (keep) => {
        const cut = lines.filter((_, i) => keep[i] || i < 2).join("\n");
        for (const r of diagnose(cut, { replay618: false }).reports) {
          if (r.kind === "buddyinfo" || r.kind === "zoneinfo" || r.kind === "pagetypeinfo") continue;
          expect(typeof r.summary).toBe("string");
          expect(r.warnings.filter((w) => w.message.startsWith("no summary or actions"))).toEqual([]);
          for (const a of r.actions ?? []) expect(a.effect).toMatch(/\d/);
        }
      }),
      { numRuns: 40, seed: 0x12c },
    );
  });

  it("diagnose --help names the replay's what-ifs", async () => {
    const io = memoryIo();
    expect(await main(["diagnose", "--help"], io)).toBe(0);
    const help = io.stdout.replace(/\s+/g, " ");
    expect(help).toContain("victim_killed_earlier=1");
    expect(help).toContain("oom_score_adj:PID=A");
  });
});
