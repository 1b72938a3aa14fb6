// 6.18 scenarios run as Linux 6.1 (machine.era "6.1"): the same model with the 6.1 profile
// (bindings/linux-6.18/mm/profile.ts) and the engine's ERA_6_1.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replay618 } from "../../bindings/scenario/replay618.js";
import { isScenario618, validateScenario618 } from "../../bindings/scenario/schema618.js";
import type { Kernel618 } from "../../bindings/linux-6.18/kernel.js";
import { MigrateType } from "../../bindings/include/linux/mmzone.js";
import { OomlabError } from "../../bindings/errors.js";
import { formatTrace618 } from "../../bindings/render/trace.js";

const DIR = new URL("../../scenarios/", import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(new URL(`${name}.json`, DIR), "utf8"));
const as61 = (sc: { machine: { era: string } }) => ({ ...sc, machine: { ...sc.machine, era: "6.1" } });

/** 256 MiB of DMA32 (65536 pages), no swap, min_free_kbytes 4096: min 1024, low = high - d = 1024 +
 *  max(1024 / 4, 65536 * 10 / 10000) = 1280. Kernel pages fill it to 1100 free (between min and low),
 *  then a NIC asks three order-2 GFP_NOWAIT blocks. */
function nowait(era: string) {
  return {
    format: "oomlab-scenario/1",
    name: `nowait-${era}`,
    machine: { era, nodes: [{ zones: [{ type: "DMA32", startPfn: 0, spannedPages: 65536 }] }] },
    sysctl: { min_free_kbytes: 4096 },
    tasks: [
      { pid: 100, comm: "filler" },
      { pid: 200, comm: "nic" },
    ],
    events: [
      { do: "kernel", task: 100, order: 0, count: 65536 - 1100, gfp: "GFP_KERNEL|__GFP_NORETRY|__GFP_NOWARN" },
      { do: "alloc_pages", task: 200, order: 2, gfp: "GFP_NOWAIT", count: 3 },
    ],
  };
}

describe("machine.era 6.1 in a 6.18 scenario", () => {
  it("is a 6.18-format scenario and replays with era 6.1", () => {
    const sc = as61(load("unmovable-pepper"));
    expect(isScenario618(sc)).toBe(true);
    expect(validateScenario618(sc).machine.era).toBe("6.1");
    const r61 = replay618(sc, { events: false });
    const r618 = replay618(load("unmovable-pepper"), { events: false });
    expect([r61.era, r618.era]).toEqual(["6.1", "6.18"]);
    // the pepper's fill, frees and order-9 request meet no rule that differs (the fill claims whole
    // pageblocks at pageblock order, alike in both): the same failure, counters and report
    expect(r61.outcome).toBe("failed");
    expect(r61.vmstat).toEqual(r618.vmstat);
    expect(r61.lines).toEqual(r618.lines);
    // --trace names the rules it ran
    expect(formatTrace618(r61).split("\n")[0]).toBe(
      "unmovable-pepper: the 6.18 slow path with Linux 6.1's rules (0 events)",
    );
    expect(formatTrace618(r618).split("\n")[0]).toBe("unmovable-pepper: the 6.18 slow path (0 events)");
  });

  it("an order-2 GFP_NOWAIT request reserves a HIGHATOMIC pageblock in 6.1 only", () => {
    const reserved = (era: string) => {
      let kernel: Kernel618 | null = null;
      replay618(nowait(era), {
        events: false,
        onKernel: (k) => {
          kernel = k;
        },
      });
      const k = kernel as Kernel618 | null;
      if (!k) throw new Error("no kernel");
      return k.machine.snapshot().pageblocks.filter((t) => t === MigrateType.HighAtomic).length;
    };
    // The fast path at the low mark fails (1100 - 3 <= 1280); the slow path's gfp_to_alloc_flags in 6.1:
    // no __GFP_DIRECT_RECLAIM, no __GFP_NOMEMALLOC -> ALLOC_NON_BLOCK and, for order > 0,
    // ALLOC_HIGHATOMIC (6.18 wants __GFP_HIGH as well); at the min mark 1024 < 1097 the request
    // succeeds and reserve_highatomic_pageblock turns its pageblock HIGHATOMIC (limit 655 + 512); the
    // next two requests come from that reserve (rmqueue_buddy tries MIGRATE_HIGHATOMIC first).
    expect(reserved("6.1")).toBe(1);
    expect(reserved("6.18")).toBe(0);
  });

  it("vm.defrag_mode (6.15+) in a 6.1 scenario is a typed error", () => {
    const sc = { ...as61(load("unmovable-pepper")), sysctl: { defrag_mode: 1 } };
    expect(() => replay618(sc)).toThrow(OomlabError);
    expect(() => replay618(sc)).toThrow(/defrag_mode does not exist in Linux 6.1/);
  });
});
