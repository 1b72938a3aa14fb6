// Every paste format: each corpus report in test/fixtures is re-pasted in every shape of
// paste_variants.ts (log prefixes, docker JSON, CRLF, HTML escaping, wrapping, interleaved messages,
// two reports in one file) and diagnose must give the clean paste's JSON, apart from line numbers.

import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../bindings/analyse/diagnose.js";
import { parseReports } from "../../bindings/parse/reports.js";
import { VARIANTS } from "./paste_variants.js";

const FIX = new URL("../fixtures/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, FIX), "utf8");

/** The fixtures that hold kernel reports (the /proc files are read by another path). */
const REPORTS = readdirSync(FIX)
  .filter((f) => /^(?:\d{3}-.*\.log|seed-article-oom-report\.txt)$/.test(f))
  .filter((f) => parseReports(read(f)).reports.length > 0)
  .sort();

/** Warnings a paste format adds on purpose (a joined wrapped line, unescaped HTML): never in a clean paste. */
const PASTE_WARNING = /^(?:joined a line wrapped at|HTML entities unescaped|docker JSON log lines)/;

/** diagnose's JSON without line numbers: the keys line, endLine and lines, and the paste warnings. */
function comparable(text: string): unknown {
  const out = diagnose(text);
  return JSON.parse(
    JSON.stringify(out, (k, v) => {
      if (k === "line" || k === "endLine" || k === "lines") return undefined;
      if (k === "warnings" && Array.isArray(v))
        return v.filter((w: { message?: string }) => !PASTE_WARNING.test(w.message ?? ""));
      return v;
    }),
  );
}

/** What the parser does not read yet: variant -> the fixtures (by number) whose JSON still differs. These
 *  run as it.fails, so a fix shows up as a failure here until the entry is removed. */
const GAPS: Record<string, string[]> = {
  interleaved: ["028", "045"],
  ...Object.fromEntries(
    ["hard-wrap", "soft-wrap"].flatMap((k) =>
      [72, 80, 100, 120].map((w) => [
        `${k}-${w}`,
        w === 120 ? ["008", "009", "020", "021", "022", "028", "029", "037", "039", "041", "044", "045", "046"] : ["*"],
      ]),
    ),
  ),
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
