// Fuzzing input files through diagnose() (with and without what-ifs) and the snapshot: random text
// and mutated corpus logs and /proc files never throw, never leave a report without a verdict by an
// exception, keep at most MAX_WARNINGS warnings per report or file, and print only printable text
// with no "null", "undefined" or "NaN" that the input did not hold.

import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diagnose, type DiagnosedReport, type WhatIf } from "../../bindings/analyse/diagnose.js";
import { snapshotFromFiles } from "../../bindings/analyse/snapshot.js";
import { procReport } from "../../bindings/analyse/proc.js";
import { renderReport, renderSnapshot } from "../../bindings/render/diagnose.js";
import { MAX_WARNINGS } from "../../bindings/parse/warnings.js";
import { isPrintable } from "../../bindings/include/printable.js";

const FIX = new URL("../fixtures/", import.meta.url);
const names = readdirSync(FIX).filter((f) => f.endsWith(".log") || f.endsWith(".txt"));
/** The corpus without the words the output must not invent (some reports print "nodemask=(null)"). */
const texts = names.map((f) => readFileSync(new URL(f, FIX), "utf8").replace(/null|undefined|NaN/g, "nil"));
const procTexts = names.filter((f) => /buddyinfo|zoneinfo|pagetypeinfo/.test(f)).map((f) => texts[names.indexOf(f)]);
const INVENTED = /\bnull\b|\bundefined\b|\bNaN\b/;

/** Characters a damaged paste holds: controls, escapes, C1, bidi overrides, lone surrogates, U+FFFD. */
const nasty = fc.constantFrom("\u0000", "\u001b[2J", "\u0085", "\u009b", "\u202e", "\u2028", "\ud800", "\uFFFD", "\t");

/** Edits of a text's lines: delete, duplicate, swap, truncate, corrupt digits, inject characters. */
const edit = fc.tuple(fc.nat(5), fc.nat(), fc.nat(), nasty);
function mutate(text: string, edits: [number, number, number, string][]): string {
  const lines = text.split("\n");
  for (const [kind, a, b, s] of edits) {
    const i = a % Math.max(1, lines.length);
    const j = b % Math.max(1, lines.length);
    const line = lines[i] ?? "";
    if (kind === 0) lines.splice(i, 1);
    else if (kind === 1) lines.splice(i, 0, line);
    else if (kind === 2) [lines[i], lines[j]] = [lines[j], line];
    else if (kind === 3) lines[i] = line.slice(0, b % 60);
    else if (kind === 4) lines[i] = line.replace(/\d/g, (d) => String((Number(d) + b) % 10));
    else lines[i] = line.slice(0, b % 80) + s + line.slice(b % 80);
  }
  return lines.join("\n");
}

const whatIf: fc.Arbitrary<WhatIf> = fc.record(
  {
    minFreeKbytes: fc.oneof(fc.constantFrom(0, 1, 2 ** 31 - 1), fc.integer({ min: 0, max: 1 << 20 })),
    watermarkScaleFactor: fc.integer({ min: 1, max: 3000 }),
    order: fc.integer({ min: 0, max: 15 }),
    gfp: fc.oneof(fc.constantFrom(0, 0x20, 0xd0, 0x2d0, 0x14200ca, 2 ** 32 - 1), fc.nat()),
  },
  { requiredKeys: [] },
);

function checkReport(r: DiagnosedReport): void {
  expect(r.warnings.length).toBeLessThanOrEqual(MAX_WARNINGS);
  if (r.warningsOmitted !== undefined) expect(r.warningsOmitted).toBeGreaterThan(0);
  for (const w of r.warnings) {
    expect(isPrintable(w.message), w.message).toBe(true);
    expect(w.message).not.toMatch(/^(no verdict|what-if failed):/);
  }
  const text = renderReport(r);
  expect(isPrintable(text.replace(/\n/g, "")), text).toBe(true);
  expect(text).not.toMatch(INVENTED);
}

describe("diagnose() on damaged input", () => {
  it("mutated corpus files, with and without a what-if", () => {
    fc.assert(
      fc.property(fc.nat(texts.length - 1), fc.array(edit, { maxLength: 10 }), fc.option(whatIf), (k, edits, w) => {
        const res = diagnose(mutate(texts[k], edits), w ? { whatIf: w } : {});
        for (const r of res.reports) checkReport(r);
      }),
      { numRuns: 150, seed: 9001 },
    );
  });

  it("random text, and corpus lines shuffled into it", () => {
    const line = fc.oneof(
      fc.string({ unit: "binary", maxLength: 120 }),
      fc.tuple(fc.nat(texts.length - 1), fc.nat()).map(([k, i]) => {
        const ls = texts[k].split("\n");
        return ls[i % ls.length];
      }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 80 }), fc.option(whatIf), (ls, w) => {
        const text = ls.join("\n");
        fc.pre(!INVENTED.test(text));
        for (const r of diagnose(text, w ? { whatIf: w } : {}).reports) checkReport(r);
      }),
      { numRuns: 150, seed: 9002 },
    );
  });
});

describe("the snapshot on damaged /proc files", () => {
  const sysValue = fc.oneof(
    fc.constantFrom("67584\n", "10\n", "256 256 32 0 0\n", "", "-1", "x", "99999999999999999999"),
    fc.string({ unit: "binary", maxLength: 20 }),
  );
  it("mutated and random zoneinfo, buddyinfo and pagetypeinfo, random sysctls and versions", () => {
    const file = fc.oneof(
      fc.tuple(fc.nat(procTexts.length - 1), fc.array(edit, { maxLength: 8 })).map(([k, e]) => mutate(procTexts[k], e)),
      fc.string({ unit: "binary", maxLength: 300 }),
    );
    fc.assert(
      fc.property(
        fc.option(file),
        fc.option(file),
        fc.option(file),
        fc.option(fc.oneof(fc.constantFrom("6.18.0", "6.3.1", "5.15.0-91-generic"), fc.string({ maxLength: 20 }))),
        fc.dictionary(fc.constantFrom("min_free_kbytes", "watermark_scale_factor", "lowmem_reserve_ratio"), sysValue),
        (zoneinfo, buddyinfo, pagetypeinfo, version, sysVm) => {
          const files = {
            version: version ?? undefined,
            zoneinfo: zoneinfo ?? undefined,
            buddyinfo: buddyinfo ?? undefined,
            pagetypeinfo: pagetypeinfo ?? undefined,
            sysVm,
          };
          fc.pre(!INVENTED.test(JSON.stringify(files)));
          const s = snapshotFromFiles(files);
          expect(s.warnings.length).toBeLessThanOrEqual(MAX_WARNINGS);
          for (const w of s.warnings) expect(isPrintable(w.message), w.message).toBe(true);
          expect(s.compared).toBeGreaterThanOrEqual(s.differences.length);
          const diag = procReport("zoneinfo", { ...files, version: files.version ?? null });
          checkReport(diag);
          const text = renderSnapshot(s, diag);
          expect(isPrintable(text.replace(/\n/g, "")), text).toBe(true);
          expect(text).not.toMatch(INVENTED);
          if (s.compared === 0) expect(text).not.toMatch(/match the formulas/);
        },
      ),
      { numRuns: 200, seed: 9003 },
    );
  });
});
