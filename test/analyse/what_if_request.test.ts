// What-ifs keep the request fixed: the order and gfp mask the verdict decided (printed, or inferred
// for a report that prints none) are judged again, per zone, under the changed settings; only
// order= and gfp= change the request. A setting the report's kernel lacks, or a report with no
// request, is said so; values outside the sysctl's range are refused (what_if.test.ts).

import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diagnose, type DiagnosedReport, type WhatIf } from "../../bindings/analyse/diagnose.js";
import { renderReport } from "../../bindings/render/diagnose.js";

const FIX = new URL("../fixtures/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIX), "utf8");
const byPrefix = (p: string) => fixture(readdirSync(FIX).find((f) => f.startsWith(p)) as string);
const SEED = fixture("seed-article-oom-report.txt");
const seedWhatIf = (w: WhatIf) => diagnose(SEED, { whatIf: w }).reports[0];

describe("the seed report (no order printed; the verdict infers order 5 at the low and min marks)", () => {
  it("min_free_kbytes=100 judges the same order-5 request and finds it served, in DMA", () => {
    const r = seedWhatIf({ minFreeKbytes: 100 });
    const w = r.whatIf;
    expect(w?.request).toEqual({
      order: 5,
      orderFrom: "inferred",
      gfpMask: "0x2d0",
      gfpFrom: "printed",
      marks: ["low", "min"],
    });
    // DMA min 25, low 31: o=3: 17 > 31/16 = 1; o=4: 17 - 16 = 1 > 31/32 = 0 -> ok
    expect(w?.outcome).toBe("pass");
    expect(w?.verdict?.cause).toBe("passes");
    expect(w?.verdict?.summary).not.toMatch(/order 6/);
    expect(w?.verdict?.steps).toContain("o=4: 17 - 16 = 1 > 0 -> ok");
    expect(w?.zones.find((z) => z.name === "DMA")).toMatchObject({
      result: "pass",
      checks: [
        { mark: "low", pages: 31, pass: true },
        { mark: "min", pages: 25, pass: true },
      ],
    });
    expect(renderReport(r)).toMatch(/\[passes\] The request kept: order 5 \(inferred above/);
    expect(renderReport(r)).toContain("What if min_free_kbytes=100:"); // the sysctl's name, as typed
  });

  it("order=5 alone repeats the verdict: order 5 fails at the low and at the min mark", () => {
    const w = seedWhatIf({ order: 5 }).whatIf;
    expect(w?.request).toMatchObject({ order: 5, orderFrom: "what-if", marks: ["low", "min"] });
    expect(w?.outcome).toBe("fail");
    expect(w?.verdict?.cause).toBe("fragmentation");
    expect(w?.verdict?.steps).toContain("o=3: 233 - 216 = 17 <= 23 -> fail");
    expect(w?.verdict?.steps).toContain("o=3: 233 - 216 = 17 <= 18 -> fail");
  });

  it("min_free_kbytes=100 with order=5 is the same request: served", () => {
    const w = seedWhatIf({ minFreeKbytes: 100, order: 5 }).whatIf;
    expect([w?.outcome, w?.verdict?.cause]).toEqual(["pass", "passes"]);
  });

  it("watermark_scale_factor on the 2.6.11 report says it means nothing there and changes no mark", () => {
    const r = seedWhatIf({ watermarkScaleFactor: 500 });
    const w = r.whatIf;
    expect(w?.changes.marks).toEqual([]);
    expect(w?.notes.join("\n")).toMatch(/watermark_scale_factor=500 changes nothing: .*2\.6\.11.*Linux 4\.6/);
    expect([w?.outcome, w?.verdict?.cause]).toEqual(["fail", "fragmentation"]);
    expect(renderReport(r)).toMatch(/note: watermark_scale_factor=500 changes nothing/);
  });
});

describe("reports with a printed order keep it, at the failing path's mark", () => {
  it("028 (6.1.1 OOM, order 0): at the high mark; watermark_scale_factor moves the marks there", () => {
    const r = diagnose(byPrefix("028-"), { whatIf: { watermarkScaleFactor: 10 } }).reports[0];
    expect(r.whatIf?.request).toMatchObject({ order: 0, orderFrom: "printed", marks: ["high"] });
    expect(r.whatIf?.notes).toEqual([]);
    // wsf 10 is the kernel's own: the recomputed marks come back within rounding of the printed
    // ones, the printed boost (8192 kB in Normal) included
    const normal = r.whatIf?.changes.marks.find((m) => m.name === "Normal");
    expect(Math.abs((normal?.after.minKb ?? 0) - 61948)).toBeLessThan(100);
    expect(Math.abs((normal?.after.highKb ?? 0) - 88820)).toBeLessThan(100);
    expect(r.whatIf?.outcome).toBe("fail");
  });

  it.each(["004-", "022-", "023-", "025-", "028-", "039-", "044-", "009-", "037-", "041-"])(
    "%s: the printed request as a what-if gives the verdict's answer in every report",
    (p) => {
      for (const r of diagnose(byPrefix(p)).reports) {
        if (r.order === null || r.gfpMask === null || !r.verdict) continue;
        const again = diagnose(byPrefix(p), { whatIf: { order: r.order } }).reports.find((q) => q.line === r.line);
        const failed = ["fragmentation", "exhaustion", "cma-unusable", "zone-too-small"].includes(
          r.verdict.cause ?? "",
        );
        expect(again?.whatIf?.outcome, `${p} line ${r.line}: ${r.verdict.cause}`).toBe(failed ? "fail" : "pass");
      }
    },
  );
});

describe("what-ifs that mean nothing for the report say so", () => {
  it.each(["020-", "021-", "029-"])("%s (memcg OOM): nothing to judge again", (p) => {
    const w = diagnose(byPrefix(p), { whatIf: { minFreeKbytes: 100 } }).reports[0].whatIf;
    expect(w?.outcome).toBeNull();
    expect(w?.verdict).toMatchObject({ cause: null, summary: expect.stringMatching(/^Nothing to judge again/) });
    expect(w?.notes.join("\n")).toMatch(/memory cgroup/);
  });

  it("a /proc/buddyinfo has no zone sizes to recompute marks from; the what-if says so", () => {
    const w = diagnose(byPrefix("013-"), { whatIf: { minFreeKbytes: 100 } }).reports[0].whatIf;
    expect(w?.changes.marks).toEqual([]);
    expect(w?.notes.join("\n")).toMatch(/prints no zone sizes/);
  });

  it("a /proc/zoneinfo gets the what-if too (it was dropped before); order 2 cannot be judged from it", () => {
    const r = diagnose(byPrefix("017-"), { whatIf: { order: 2 } }).reports[0];
    expect(r.whatIf?.outcome).toBeNull();
    expect(r.whatIf?.zones.map((z) => z.result)).toEqual(["not judged", "not judged", "not judged"]);
    expect(r.whatIf?.verdict?.summary).toMatch(/order 0 alone/);
  });
});

describe("what-if values at the edges of their ranges (what_if.test.ts checks those outside)", () => {
  it("the edges of each range are accepted", () => {
    const ok: WhatIf[] = [
      { minFreeKbytes: 0 },
      { minFreeKbytes: 2 ** 31 - 1 },
      { watermarkScaleFactor: 1 },
      { watermarkScaleFactor: 3000 },
      { order: 0 },
      { order: 15 },
      { gfp: 0 },
      { gfp: 2 ** 32 - 1 },
    ];
    for (const w of ok) {
      const r: DiagnosedReport = diagnose(SEED, { whatIf: w }).reports[0];
      expect(r.warnings.map((x) => x.message).join("\n")).not.toMatch(/what-if failed/);
      expect(r.whatIf?.verdict).not.toBeNull();
    }
  });
});
