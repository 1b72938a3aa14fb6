// kernel/releases.ts: every era oomlab knows, keyed by first release, and the selection by release.
// Each boundary is checked on both sides: the last release before it and its first release.

import { describe, expect, it } from "vitest";
import {
  ERA_2_6_11,
  ERA_6_1,
  ERA_6_18,
  engineEraFor,
  eraProfile,
  rowForRelease,
  WATERMARK_CHECK_ERAS,
  WATERMARK_FORMULA_ERAS,
  watermarkCheckFor,
  watermarkProfileFor,
} from "../../bindings/kernel/releases.js";
import { parseRelease, type KernelRelease } from "../../bindings/include/linux/version.js";
import { OomlabError } from "../../bindings/errors.js";

const rel = (s: string): KernelRelease => parseRelease(s) as KernelRelease;

describe("the engine eras", () => {
  it("eraProfile finds 2.6.11 and 6.18 and refuses anything else with a typed error", () => {
    expect(eraProfile("2.6.11")).toBe(ERA_2_6_11);
    expect(eraProfile("6.18")).toBe(ERA_6_18);
    expect(eraProfile("6.1")).toBe(ERA_6_1);
    expect(() => eraProfile("4.4" as never)).toThrow(OomlabError);
  });

  it("6.1 is 6.18's profile but for its engine era and highmem-only capped min (ZONE_MOVABLE from 6.6)", () => {
    const { engineId, cappedMinZones, era, release, ...rest } = ERA_6_1;
    const { engineId: id618, cappedMinZones: c618, era: e618, release: r618, ...rest618 } = ERA_6_18;
    expect(rest).toEqual(rest618);
    expect([engineId, id618]).toEqual([2, 1]);
    expect([cappedMinZones, c618]).toEqual([[3], [3, 4]]);
    // the same formulas as the 4.6 .. 6.5 watermark row, which releases 6.1 .. 6.5 use
    expect(watermarkProfileFor(rel("6.1")).cappedMinZones).toEqual(cappedMinZones);
  });

  it("engineEraFor: 6.1.y runs ERA_6_1, 6.18 and later ERA_6_18, releases not read none", () => {
    const releases = ["6.0.19", "6.1", "6.1.141", "6.2.16", "6.12", "6.18", "6.18.2", "6.19"];
    expect(releases.map((r) => engineEraFor(rel(r)))).toEqual([null, "6.1", "6.1", null, null, "6.18", "6.18", "6.18"]);
  });
});

describe("tables keyed by first release", () => {
  it("are sorted by release and start at 2.6.11", () => {
    for (const table of [WATERMARK_CHECK_ERAS, WATERMARK_FORMULA_ERAS]) {
      const codes = table.map((r) => rel(r.first).code);
      expect(codes).toEqual([...codes].sort((a, b) => a - b));
      expect(table[0].first).toBe("2.6.11");
    }
  });

  it("rowForRelease: the first row stands for older releases, the last for newer ones", () => {
    const t = [
      { first: "3.0", v: "a" },
      { first: "4.0", v: "b" },
    ];
    expect(rowForRelease(t, rel("2.6.0")).v).toBe("a");
    expect(rowForRelease(t, rel("3.19.8")).v).toBe("a");
    expect(rowForRelease(t, rel("4.0")).v).toBe("b");
    expect(rowForRelease(t, rel("9.9")).v).toBe("b");
    expect(() => rowForRelease([{ first: "four" }], rel("4.0"))).toThrow(OomlabError);
  });
});

describe("the watermark check by release", () => {
  it.each<[string, "2.6.11" | "6.18", boolean]>([
    ["2.6.0", "2.6.11", false],
    ["2.6.11", "2.6.11", false],
    ["3.6.11", "2.6.11", false],
    ["3.7", "2.6.11", true], // free CMA pages left out without ALLOC_CMA (3.7.2 has it, 3.6.5 not)
    ["4.3.6", "2.6.11", true],
    ["4.4", "6.18", true], // __zone_watermark_ok's suitable free list
    ["4.4.302", "6.18", true],
    ["6.18.44", "6.18", true],
  ])("%s: %s rule, subtracts free CMA %s", (release, rule, cma) => {
    const c = watermarkCheckFor(rel(release));
    expect([c.rule, c.subtractsFreeCma]).toEqual([rule, cma]);
  });
});

describe("the watermark formulas by release", () => {
  // min = 100 pages, tmp (the zone's share) = 100, 1,000,000 managed pages, watermark_scale_factor 10
  const marks = (release: string) => watermarkProfileFor(rel(release)).watermarks(100, 100, 1_000_000, 10);

  it("2.6.11 .. 2.6.14: low = min*5/4, high = min*6/4 on present pages", () => {
    for (const r of ["2.6.3", "2.6.11", "2.6.14.7"]) {
      expect(marks(r)).toEqual([125, 150, 0]);
      expect(watermarkProfileFor(rel(r))).toBe(ERA_2_6_11);
    }
  });

  it("2.6.15 .. 4.5: low = min + tmp/4, high = min + tmp/2; present pages before 3.9, managed from 3.9", () => {
    for (const r of ["2.6.15", "3.8.13", "3.9", "4.5.7"]) expect(marks(r)).toEqual([125, 150, 0]);
    expect(watermarkProfileFor(rel("2.6.15")).watermarks(100, 40, 0, 0)).toEqual([110, 120, 0]);
    expect(watermarkProfileFor(rel("2.6.14")).watermarks(100, 40, 0, 0)).toEqual([125, 150, 0]);
    expect(watermarkProfileFor(rel("3.8.13")).zonePages).toBe("present");
    expect(watermarkProfileFor(rel("3.9")).zonePages).toBe("managed");
    expect(watermarkProfileFor(rel("4.5.7")).cappedMinZones).toEqual([3]);
  });

  it("4.6+: d = max(tmp/4, managed * watermark_scale_factor / 10000); ZONE_MOVABLE capped from 6.6", () => {
    // d = max(25, 1000) = 1000
    for (const r of ["4.6", "6.5.13", "6.6", "6.18"]) expect(marks(r)).toEqual([1100, 2100, 3100]);
    expect(watermarkProfileFor(rel("4.6")).zonePages).toBe("managed");
    expect(watermarkProfileFor(rel("6.5.13")).cappedMinZones).toEqual([3]);
    expect(watermarkProfileFor(rel("6.6")).cappedMinZones).toEqual([3, 4]);
    expect(watermarkProfileFor(rel("6.6"))).toBe(ERA_6_18);
  });
});
