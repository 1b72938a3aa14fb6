// Every paste format: each corpus report in test/fixtures is re-pasted in every shape of
// paste_variants.ts (log prefixes, docker JSON, CRLF, HTML escaping, wrapping, interleaved messages,
// two reports in one file) and diagnose must give the clean paste's JSON, apart from line numbers.

import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../bindings/analyse/diagnose.js";
import { parseReports } from "../../bindings/parse/reports.js";
import { VARIANTS, hardWrapped, softWrapped } from "./paste_variants.js";

const FIX = new URL("../fixtures/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, FIX), "utf8");

/** The fixtures that hold kernel reports (the /proc files are read by another path). */
const REPORTS = readdirSync(FIX)
  .filter((f) => /^(?:\d{3}-.*\.log|seed-article-oom-report\.txt)$/.test(f))
  .filter((f) => parseReports(read(f)).reports.length > 0)
  .sort();

/** Warnings a paste format adds on purpose (a joined wrapped line, unescaped HTML): never in a clean paste. */
const PASTE_WARNING = /^(?:lines wrapped at \d+ columns joined|HTML entities unescaped|docker JSON log lines)/;

/** diagnose without the 6.18 replay: the formats are about reading the paste, and the replay (seconds for
 *  a 64 GiB report, test/analyse/replay618.test.ts) depends only on what was read. */
const diagnoseRead = (text: string) => diagnose(text, { replay618: false });

/** diagnose's JSON without the paste warnings, and without line numbers (the keys line, endLine and
 *  lines) unless keepLines. */
function comparable(text: string, keepLines = false): unknown {
  const out = diagnoseRead(text);
  return JSON.parse(
    JSON.stringify(out, (k, v) => {
      if (!keepLines && (k === "line" || k === "endLine" || k === "lines")) return undefined;
      if (k === "warnings" && Array.isArray(v))
        return v.filter((w: { message?: string }) => !PASTE_WARNING.test(w.message ?? ""));
      return v;
    }),
  );
}

/** What the parser does not read: variant -> the fixtures (by number) whose JSON still differs. These run
 *  as it.fails, so a fix shows up as a failure here until the entry is removed. 001 has one line longer
 *  than 100 columns and no log prefixes: wrapped at 100, one cut line is too little to call it wrapped. */
const GAPS: Record<string, string[]> = {
  "hard-wrap-100": ["001"],
  "soft-wrap-100": ["001"],
};
const isGap = (variant: string, file: string) =>
  (GAPS[variant] ?? []).some((g) => g === "*" || file.startsWith(`${g}-`));

describe("every corpus report reads the same in every paste format", () => {
  it("has corpus reports to vary", () => {
    expect(REPORTS.length).toBeGreaterThanOrEqual(15);
  });
  for (const f of REPORTS) {
    const clean = read(f);
    const want = comparable(clean);
    for (const [name, variant] of Object.entries(VARIANTS)) {
      (isGap(name, f) ? it.fails : it)(`${name}: ${f}`, () => {
        expect(comparable(variant(clean))).toEqual(want);
      });
    }
  }
});

/** The variants that keep one physical line per clean line: line numbers must not move at all. */
const SAME_LINES = [...Object.keys(VARIANTS).filter((k) => !/wrap|interleaved/.test(k))];

describe("line numbers refer to the pasted file", () => {
  for (const f of REPORTS) {
    const clean = read(f);
    it(`are the clean paste's where every line stays on its own: ${f}`, () => {
      const want = comparable(clean, true);
      for (const name of SAME_LINES) expect(comparable(VARIANTS[name](clean), true), name).toEqual(want);
    });
    it(`point at the header's physical line when foreign lines are interleaved: ${f}`, () => {
      const cleanLines = clean.split("\n");
      for (const name of ["interleaved", "interleaved-block"]) {
        const pasted = VARIANTS[name](clean);
        const pastedLines = pasted.split("\n");
        const a = diagnoseRead(clean).reports;
        const b = diagnoseRead(pasted).reports;
        expect(b.length).toBe(a.length);
        for (let i = 0; i < a.length; i++) expect(pastedLines[b[i].line - 1], name).toBe(cleanLines[a[i].line - 1]);
      }
    });
  }
});

describe("several reports of different kinds in one file", () => {
  const kindOf = (f: string) => diagnoseRead(read(f)).reports[0].kind;
  // each report fixture followed by the next one of another kind
  const pairs = REPORTS.map((a, i) => [a, REPORTS.slice(i + 1).find((b) => kindOf(b) !== kindOf(a))]).filter(
    (p): p is [string, string] => p[1] !== undefined,
  );
  it("has pairs of every kind", () => {
    expect(new Set(pairs.flatMap((p) => p.map(kindOf))).size).toBeGreaterThanOrEqual(4);
  });
  for (const [a, b] of pairs) {
    it(`${a} then ${b} read as each alone`, () => {
      const both = comparable(read(a) + read(b)) as { reports: unknown[] };
      const one = comparable(read(a)) as { reports: unknown[] };
      const two = comparable(read(b)) as { reports: unknown[] };
      expect(both.reports).toEqual([...one.reports, ...two.reports]);
    });
  }
});

describe("every wrap width from 60 to 132 columns (steps of 3), hard cuts and word wraps", () => {
  /** The (fixture, style, width) cases whose JSON still differs: 16 of the 900 cases. */
  const KNOWN = new Set(
    (
      "001s60 004h69 004h75 023s60 025h60 029h63 029s129 029s132 045h117 046h66 seeh105 sees105 seeh108 sees108 " +
      "seeh111 sees111"
    ).split(" "),
  );
  it("reads like the clean paste but for the known cases", () => {
    const differ: string[] = [];
    for (const f of REPORTS) {
      const clean = read(f);
      const want = JSON.stringify(comparable(clean));
      for (let w = 60; w <= 132; w += 3)
        for (const [k, wrap] of [
          ["h", hardWrapped],
          ["s", softWrapped],
        ] as const)
          if (JSON.stringify(comparable(wrap(w)(clean))) !== want) differ.push(`${f.slice(0, 3)}${k}${w}`);
    }
    expect(differ.filter((c) => !KNOWN.has(c))).toEqual([]);
    expect([...KNOWN].filter((c) => !differ.includes(c))).toEqual([]); // a fix shows here: drop it from KNOWN
  });
});
