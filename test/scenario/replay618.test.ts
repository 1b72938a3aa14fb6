// 6.18 scenarios: exhaustion-618 replayed with its kernel arithmetic, --set edits of sysctls,
// config and THP settings checked against the kernel's names and ranges, and the CLI's replay.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replay618 } from "../../bindings/scenario/replay618.js";
import { setScenarioValue } from "../../bindings/scenario/set.js";
import { validateScenario618 } from "../../bindings/scenario/schema618.js";
import { defaultBadness } from "../../bindings/linux-6.18/mm/hooks.js";
import { eventsOfKind } from "../../bindings/sim/events.js";
import { main } from "../../bindings/cli/main.js";
import { OomlabError } from "../../bindings/errors.js";
import type { Kernel618 } from "../../bindings/linux-6.18/kernel.js";
import { memoryIo as io } from "../helpers.js";

const TEXT = readFileSync(new URL("../../scenarios/exhaustion-618.json", import.meta.url), "utf8");
const scenario = () => JSON.parse(TEXT);

describe("exhaustion-618", () => {
  let kernel: Kernel618 | null = null;
  const r = replay618(scenario(), { onKernel: (k) => (kernel = k) });

  it("kills java, the task with the highest oom_badness, not backup which asked", () => {
    expect(r.outcome).toBe("success");
    expect(r.kills.map((v) => v.comm)).toEqual(["java"]);
    expect(r.lines[0]).toBe(
      "backup invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0",
    );
    expect(r.vmstat.oom_kill).toBe(1);
    expect(r.allocFailures).toEqual([]);
  });

  it("swap was full and reclaim had nothing left: should_reclaim_retry's check failed in every zone", () => {
    const k = kernel as unknown as Kernel618;
    expect(k.swap.usedPages).toBe(k.swap.totalPages); // 64 MiB = 16384 pages, all used
    expect(r.vmstat.pswpout).toBe(16384);
    const retry = eventsOfKind(r.events, "should_reclaim_retry").at(-1);
    expect(retry?.retry).toBe(false);
    // zone_reclaimable_pages counts no anon pages once get_nr_swap_pages() is 0, and no file page is left
    for (const z of retry?.zones ?? []) {
      expect(z.reclaimable).toBe(0);
      expect(z.available).toBe(z.free);
    }
    expect(eventsOfKind(r.events, "__alloc_pages_may_oom").at(-1)?.exit).toBe("out_of_memory");
  });

  it("the victim's points: rss + swap entries + page tables (+ oom_score_adj * totalpages / 1000)", () => {
    const v = r.kills[0];
    const sel = eventsOfKind(r.events, "out_of_memory")[0];
    expect(sel.points).toBe(v.points);
    // java: 73728 anon pages faulted, 144 page-table pages (one per 512 pages), oom_score_adj 0
    expect(v.points).toBeGreaterThanOrEqual(73728 + 144);
    // postgres (24576 pages, oom_score_adj -500) scores below 0: oom_badness's `adj *= totalpages / 1000`
    // divides first (unsigned long): -500 * ((131071 + 16384) / 1000 = 147) = -73500
    const t = {
      pid: 812,
      comm: "postgres",
      ppid: 1,
      uid: 0,
      tgid: 812,
      mm: 812,
      totalVm: 0,
      rssAnon: 24576,
      rssFile: 0,
      rssShmem: 0,
      swapents: 0,
      pgtablesBytes: 48 * 4096,
      oomScoreAdj: -500,
    };
    expect(defaultBadness(t, 131071 + 16384, 4096)).toBe(24576 + 48 - 73500);
  });

  it("--json keeps the 2.6.11 fields and adds vmstat, allocFailures and points", async () => {
    const a = io({ "x.json": TEXT });
    expect(await main(["replay", "x.json", "--json"], a)).toBe(0);
    const j = JSON.parse(a.stdout);
    for (const f of ["outcome", "kills", "lines", "events", "simMs", "freeKbAtOom", "vmstat", "allocFailures"])
      expect(j).toHaveProperty(f);
    expect(j.kills[0]).toHaveProperty("points");
    expect(j.vmstat).toHaveProperty("pgscan_kswapd");
    expect(j.vmstat).toHaveProperty("allocstall_movable");
    const t = io({ "x.json": TEXT });
    expect(await main(["replay", "x.json", "--trace"], t)).toBe(0);
    expect(t.stdout).toContain("should_reclaim_retry: no_progress_loops");
    expect(t.stdout).toContain("out_of_memory killed 1403 (java)");
  });
});

describe("--set on a 6.18 scenario", () => {
  it("sets sysctls, config and THP by their kernel names", () => {
    const s = scenario();
    setScenarioValue(s, "sysctl.swappiness=200");
    setScenarioValue(s, "sysctl.min_free_kbytes=4096");
    setScenarioValue(s, "config.COMPACTION=false");
    setScenarioValue(s, "thp.defrag=defer+madvise");
    const v = validateScenario618(s);
    expect(v.sysctl).toMatchObject({ swappiness: 200, min_free_kbytes: 4096 });
    expect(v.config?.COMPACTION).toBe(false);
    expect(v.thp?.defrag).toBe("defer+madvise");
  });

  it("refuses a misspelt sysctl with the closest names, and values outside the kernel's range", () => {
    expect(() => setScenarioValue(scenario(), "sysctl.swapiness=10")).toThrow(/did you mean swappiness\?/);
    for (const [edit, range] of [
      ["sysctl.swappiness=201", "0 .. 200 (mm/vmscan.c vmscan_sysctl_table, 6.18"],
      ["sysctl.watermark_scale_factor=0", "1 .. 3000"],
      ["thp.enabled=sometimes", "always"],
    ])
      expect(() => setScenarioValue(scenario(), edit), edit).toThrow(range);
    // a scenario file is checked against the same ranges (VM_SYSCTLS_618) by the schema
    for (const [edit, range] of [
      ["sysctl.swappiness=201", "0 to 200"],
      ["sysctl.extfrag_threshold=1001", "0 to 1000"],
      ["sysctl.compaction_proactiveness=101", "0 to 100"],
      ["sysctl.defrag_mode=2", "0 to 1"],
      ["sysctl.watermark_scale_factor=0", "1 to 3000"],
      ["thp.enabled=sometimes", "always"],
    ]) {
      const s = scenario();
      const [path, value] = edit.split("=");
      const [ns, name] = path.split(".");
      s[ns] = { ...s[ns], [name]: Number.isNaN(Number(value)) ? value : Number(value) };
      let err: unknown;
      try {
        validateScenario618(s);
      } catch (e) {
        err = e;
      }
      expect(err, edit).toBeInstanceOf(OomlabError);
      expect((err as OomlabError).code).toBe("OOMLAB_BAD_SPEC");
      expect((err as Error).message, edit).toContain(range);
    }
  });

  it("swappiness 0 leaves anon pages alone while file pages last (get_scan_count SCAN_FRACT with fraction 0)", () => {
    const s = setScenarioValue(scenario(), "sysctl.swappiness=0");
    const r0 = replay618(s, { events: false });
    const r60 = replay618(scenario(), { events: false });
    expect(r0.vmstat.pgscan_anon).toBeLessThan(r60.vmstat.pgscan_anon);
  });
});
