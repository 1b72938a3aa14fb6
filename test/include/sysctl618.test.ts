// The 6.18 vm sysctl table, checkSysctl and parseSetting618 (bindings/include/linux/sysctl.ts), with
// the ranges of the ctl_tables in mm/page_alloc.c, mm/compaction.c, mm/vmscan.c ... 6.18, and this
// machine's /proc/sys/vm where present.

import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VM_SYSCTLS_618, checkSysctl, parseSetting618, suggestSysctl } from "../../bindings/include/linux/sysctl.js";

describe("checkSysctl (6.18)", () => {
  it.each([
    ["watermark_scale_factor", 1, 3000],
    ["extfrag_threshold", 0, 1000],
    ["compaction_proactiveness", 0, 100],
    ["defrag_mode", 0, 1],
    ["swappiness", 0, 200],
    ["panic_on_oom", 0, 2],
    ["page-cluster", 0, 31],
  ])("%s accepts %i .. %i and nothing outside", (name, min, max) => {
    expect(checkSysctl(name, min)).toBe(min);
    expect(checkSysctl(`vm.${name}`, String(max))).toBe(max);
    expect(() => checkSysctl(name, min - 1)).toThrow(new RegExp(`out of range ${min} \\.\\. ${max}`));
    expect(() => checkSysctl(name, max + 1)).toThrow(/out of range/);
  });

  it("min_free_kbytes and watermark_boost_factor: 0 .. INT_MAX", () => {
    expect(checkSysctl("min_free_kbytes", 2 ** 31 - 1)).toBe(2 ** 31 - 1);
    expect(() => checkSysctl("min_free_kbytes", -1)).toThrow(/out of range 0 \.\. 2147483647/);
    expect(() => checkSysctl("watermark_boost_factor", 2 ** 31)).toThrow(/outside a C int/);
    expect(() => checkSysctl("swappiness", 1.5)).toThrow(/not an integer/);
  });

  it("lowmem_reserve_ratio: one int per zone, entries below 1 stored as 0", () => {
    expect(checkSysctl("lowmem_reserve_ratio", "256 256 32 0 0")).toEqual([256, 256, 32, 0, 0]);
    expect(checkSysctl("lowmem_reserve_ratio", [128, -5, 1])).toEqual([128, 0, 1]);
    expect(() => checkSysctl("lowmem_reserve_ratio", [1, 1, 1, 1, 1, 1])).toThrow(/one per zone/);
  });

  it("percpu_pagelist_high_fraction refuses 1 .. 7", () => {
    expect(checkSysctl("percpu_pagelist_high_fraction", 0)).toBe(0);
    expect(checkSysctl("percpu_pagelist_high_fraction", 8)).toBe(8);
    expect(() => checkSysctl("percpu_pagelist_high_fraction", 7)).toThrow(/MIN_PERCPU_PAGELIST_HIGH_FRACTION/);
  });

  it("an unknown name names the closest", () => {
    expect(suggestSysctl("swapiness")[0]).toBe("swappiness");
    expect(() => checkSysctl("watermark_scale", 10)).toThrow(/did you mean watermark_scale_factor/);
    expect(() => checkSysctl("nonsense_entirely", 1)).toThrow(/is not a 6.18 vm sysctl oomlab knows \(known:/);
  });

  it("every default is a valid value", () => {
    for (const s of VM_SYSCTLS_618)
      if (s.default !== "computed") expect(() => checkSysctl(s.name, s.default)).not.toThrow();
  });

  const live = existsSync("/proc/sys/vm/swappiness");
  it.skipIf(!live)("this machine's /proc/sys/vm values are accepted", () => {
    let n = 0;
    for (const s of VM_SYSCTLS_618) {
      const f = `/proc/sys/vm/${s.name}`;
      if (!existsSync(f)) continue;
      expect(() => checkSysctl(s.name, readFileSync(f, "utf8").trim())).not.toThrow();
      n++;
    }
    expect(n).toBeGreaterThan(10);
  });
});

describe("parseSetting618", () => {
  it("sysctl.NAME, config.COMPACTION, thp.enabled, thp.defrag", () => {
    expect(parseSetting618("sysctl.extfrag_threshold", "750")).toEqual({
      kind: "sysctl",
      name: "extfrag_threshold",
      value: 750,
    });
    expect(parseSetting618("config.COMPACTION", false)).toEqual({ kind: "config", name: "COMPACTION", value: false });
    expect(parseSetting618("config.COMPACTION", "y").value).toBe(true);
    expect(parseSetting618("thp.defrag", "defer+madvise").value).toBe("defer+madvise");
    expect(() => parseSetting618("config.SLUB", true)).toThrow(/not a setting of the 6.18 model/);
    expect(() => parseSetting618("config.COMPACTION", "maybe")).toThrow(/not y, n, true or false/);
    expect(() => parseSetting618("thp.khugepaged", 1)).toThrow(/not sysctl.NAME/);
  });
});
