// The shipped 6.18 scenarios behave as README tells (thp-compaction, unmovable-pepper, exhaustion-618),
// and the round trip: every report a shipped 6.18 scenario prints, `diagnose` reads back with the
// order, gfp mask, zones (free, min, low, high, per-order counts) and victim the simulation held
// when it printed the report (captured through the kernel's own report and OOM hooks).

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../bindings/analyse/diagnose.js";
import { replay618 } from "../../bindings/scenario/replay618.js";
import { setScenarioValue } from "../../bindings/scenario/set.js";
import { KERNEL_HOOKS_618, type Kernel618 } from "../../bindings/linux-6.18/kernel.js";
import type { Hooks618 } from "../../bindings/linux-6.18/mm/hooks.js";
import { showMemState618, type ShowMemZone618 } from "../../bindings/linux-6.18/mm/show_mem.js";
import { eventsOfKind } from "../../bindings/sim/events.js";
import { formatTrace618 } from "../../bindings/render/trace.js";

const DIR = new URL("../../scenarios/", import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(new URL(`${name}.json`, DIR), "utf8"));
const SCENARIOS_618 = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.replace(/\.json$/, ""))
  .filter((n) => load(n).machine?.era === "6.18");

describe("thp-compaction", () => {
  it("every madvised THP fault gets its huge page: compaction migrates the page cache", () => {
    const r = replay618(load("thp-compaction"));
    expect(r.outcome).toBe("success");
    expect([r.vmstat.thp_fault_alloc, r.vmstat.thp_fault_fallback]).toEqual([64, 0]);
    // the free order-9 blocks left after the page cache are taken first; then each fault compacts
    expect(r.vmstat.compact_success).toBeGreaterThan(40);
    expect(r.vmstat.compact_stall).toBe(r.vmstat.compact_success + r.vmstat.compact_fail);
    // a huge page's worth of 4 KiB page-cache folios moved per success, at most
    expect(r.vmstat.pgmigrate_success).toBeGreaterThan(r.vmstat.compact_success * 256);
    expect(r.vmstat.pgmigrate_success).toBeLessThanOrEqual(r.vmstat.compact_success * 512);
    expect(eventsOfKind(r.events, "compact_zone").some((e) => e.result === "COMPACT_SUCCESS")).toBe(true);
    expect(r.kills).toEqual([]);
  });

  it("with config.COMPACTION=false the faults without a free order-9 block fall back to base pages", () => {
    const sc = setScenarioValue(load("thp-compaction"), "config.COMPACTION=false");
    const r = replay618(sc);
    // the huge pages free before the faults: order-9 and order-10 blocks once the page cache is in
    const before = load("thp-compaction");
    before.events = before.events.filter((e: { do: string }) => e.do !== "thp");
    let kernel: Kernel618 | null = null;
    replay618(before, { onKernel: (k) => (kernel = k) });
    let hugeFree = 0;
    for (const z of (kernel as unknown as Kernel618).machine.allStats()) hugeFree += z.nrFree[9] + 2 * z.nrFree[10];
    expect(hugeFree).toBe(7);
    expect(r.vmstat.compact_stall).toBe(0);
    expect(r.vmstat.pgmigrate_success).toBe(0);
    // the free huge blocks, and a few that direct reclaim happened to complete (it frees the oldest
    // page cache, which was read in pfn order); every other fault falls back
    expect(r.vmstat.thp_fault_alloc).toBeGreaterThanOrEqual(hugeFree);
    expect(r.vmstat.thp_fault_alloc).toBeLessThan(16);
    expect(r.vmstat.thp_fault_fallback).toBe(64 - r.vmstat.thp_fault_alloc);
    // direct reclaim ran but, without compaction, for one SWAP_CLUSTER_MAX batch per priority and no
    // more (in_reclaim_compaction is false: should_continue_reclaim stops it, mm/vmscan.c 6.18)
    expect(r.vmstat.pgsteal_direct).toBeLessThan(64 * 64);
    expect(r.outcome).toBe("failed");
  });
});

describe("unmovable-pepper", () => {
  const r = replay618(load("unmovable-pepper"));

  it("order 9 fails with nearly all memory free, one unmovable page in every pageblock", () => {
    expect(r.outcome).toBe("failed");
    expect(r.kills).toEqual([]);
    expect(r.allocFailures).toEqual([{ order: 9, gfpMask: 0xcc0, comm: "modprobe" }]);
    const at = r.lines.findIndex((l) => l.includes("page allocation failure"));
    expect(r.lines[at]).toBe(
      "modprobe: page allocation failure: order:9, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0",
    );
    // 248 pageblocks, each with one page kept: its free pages form one block of each order 0..8
    // (511 = 256+128+...+1), so 248 * 511 = 126728 pages (506912 kB) free and no order-9 block
    const buddy = r.lines.find((l) => l.startsWith("Node 0 DMA32: "));
    expect(buddy).toBe(
      "Node 0 DMA32: 248*4kB (U) 248*8kB (U) 248*16kB (U) 248*32kB (U) 248*64kB (U) 248*128kB (U) " +
        "248*256kB (U) 248*512kB (U) 248*1024kB (U) 0*2048kB 0*4096kB = 506912kB",
    );
  });

  it("--trace gives compaction's arithmetic: compaction_suitable's mark and fragmentation index", () => {
    const t = formatTrace618(r);
    // mark = low watermark + compact_gap(9): min 256 (min_free_kbytes 1024 / 4), low = 256 +
    // max(256 / 4, 126976 * 10 / 10000 = 126) = 382, + 2 << 9 = 1406.
    // fragmentation_index(order 9) = 1000 - (1000 + 126728 * 1000 / 512) / 2232 free blocks
    //                              = 1000 - (1000 + 247515) / 2232 = 1000 - 111 = 889 > 500: compact
    expect(t).toContain(
      "compaction_suitable DMA32 order 9: 126728 usable free pages vs mark 1406 (watermark + compact_gap); " +
        "fragmentation index 889 vs extfrag_threshold 500 -> COMPACT_CONTINUE",
    );
    // the async pass looks at the first page of each of the 247 pageblocks below the free scanner's
    // start (the zone's last pageblock) and gives up on each at once: that page is the unmovable one
    // (isolate_migratepages_block's skip_on_failure for async direct compaction)
    expect(t).toContain(
      "compact_zone DMA32 order 9 async: COMPACT_PARTIAL_SKIPPED, 0 blocks migrated; 247 pages scanned to " +
        "migrate, 0 for free targets",
    );
  });

  it("compaction ran and could not help; a costly order never reaches the OOM killer", () => {
    const dc = eventsOfKind(r.events, "__alloc_pages_direct_compact");
    expect(dc.map((e) => [e.priority, e.ok])).toEqual([
      ["async", false],
      ["sync_light", false],
    ]);
    expect(r.vmstat.pgmigrate_success).toBe(0);
    expect(eventsOfKind(r.events, "__alloc_pages_may_oom")).toEqual([]);
    expect(eventsOfKind(r.events, "nopage").at(-1)?.why).toBe("costly order without __GFP_RETRY_MAYFAIL");
  });
});

/** What the simulation held when it printed a report: the zones as show_mem saw them. */
interface Held {
  kind: "oom" | "alloc-failure";
  order: number;
  gfpMask: number;
  zones: readonly ShowMemZone618[];
  victim?: { pid: number; comm: string };
}

function replayCapturing(sc: unknown) {
  const held: Held[] = [];
  const hooks: Partial<Hooks618> = {
    report: (k) => {
      const inner = KERNEL_HOOKS_618.report(k);
      return {
        oomReport: inner.oomReport,
        warnAlloc(gfpMask, order, kv) {
          const lines = inner.warnAlloc(gfpMask, order, kv);
          if (lines.some((l) => l.includes("page allocation failure")))
            held.push({ kind: "alloc-failure", order, gfpMask, zones: showMemState618(k).nodes[0].zones });
          return lines;
        },
      };
    },
    oom: (k) => {
      const inner = KERNEL_HOOKS_618.oom(k);
      return {
        outOfMemory(oc, kv, report) {
          const zones = showMemState618(k).nodes[0].zones;
          const r = inner.outOfMemory(oc, kv, report);
          held.push({
            kind: "oom",
            order: oc.order,
            gfpMask: oc.gfpMask,
            zones,
            victim: r.victim ? { pid: r.victim.pid, comm: r.victim.comm } : undefined,
          });
          return r;
        },
      };
    },
  };
  return { r: replay618(sc, { hooks }), held };
}

describe("round trip: diagnose reads back what every shipped 6.18 scenario printed", () => {
  it("covers the scenarios that print a report", () => {
    expect(SCENARIOS_618).toEqual(expect.arrayContaining(["exhaustion-618", "unmovable-pepper", "thp-compaction"]));
  });

  for (const name of SCENARIOS_618) {
    it(name, () => {
      const { r, held } = replayCapturing(load(name));
      const reports = diagnose(`${r.lines.join("\n")}\n`).reports;
      expect(reports.length).toBe(held.length);
      reports.forEach((d, i) => {
        const h = held[i];
        expect([d.kind, d.order, d.gfpMask]).toEqual([h.kind, h.order, `0x${h.gfpMask.toString(16)}`]);
        // the victim's pid and comm (diagnose adds the kill line's counters)
        if (h.kind === "oom") expect(d.victim).toMatchObject(h.victim ?? {});
        const printed = h.zones.filter((z) => z.presentPages > 0);
        expect(d.zones.map((z) => [z.name, z.freeKb, z.minKb, z.lowKb, z.highKb, z.freeAreas])).toEqual(
          printed.map((z) => [
            z.type,
            z.freePages * 4,
            (z.watermark.min + z.watermarkBoost) * 4,
            (z.watermark.low + z.watermarkBoost) * 4,
            (z.watermark.high + z.watermarkBoost) * 4,
            z.freeArea.map((a) => a.nrFree),
          ]),
        );
        expect(d.verdict?.cause).toBeTruthy();
      });
    });
  }
});
