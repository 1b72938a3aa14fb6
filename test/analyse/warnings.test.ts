// Warnings about a log are bounded and printable: each report keeps the first MAX_WARNINGS (the
// analysis's own always among them) and counts the rest, in the parser (so a hostile paste cannot
// fill memory with them), in diagnose's JSON (warningsOmitted) and in the text; what a warning or a
// header echoes of the input is escaped.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../bindings/analyse/diagnose.js";
import { parseReports } from "../../bindings/parse/reports.js";
import { parseBuddyinfo, parsePagetypeinfo, parseZoneinfo } from "../../bindings/parse/proc.js";
import { MAX_WARNINGS } from "../../bindings/parse/warnings.js";
import { renderReport } from "../../bindings/render/diagnose.js";
import { isPrintable, printable } from "../../bindings/include/printable.js";

const SEED = readFileSync(new URL("../fixtures/seed-article-oom-report.txt", import.meta.url), "utf8");
/** A lowmem_reserve line the parser cannot read: it stays in the report, with a warning. */
const BAD_RESERVE = "lowmem_reserve[]: 0 x 0";
/** The seed report with n unreadable reserve lines inside it (after its zones, before the kill). */
const seedWith = (n: number) => SEED.replace("Swap cache:", `${`${BAD_RESERVE}\n`.repeat(n)}Swap cache:`);

describe("warnings per report", () => {
  it("the parser keeps MAX_WARNINGS per report and counts the rest from the first left out", () => {
    const { reports, warnings, omittedWarnings } = parseReports(seedWith(12) + seedWith(100));
    expect(reports).toHaveLength(2);
    expect(warnings.filter((w) => w.line < reports[1].line)).toHaveLength(12);
    expect(warnings.filter((w) => w.line >= reports[1].line)).toHaveLength(MAX_WARNINGS);
    // the bad lines start 18 lines into the report (where "Swap cache:" was); the 21st is left out first
    expect(omittedWarnings).toEqual([{ line: reports[1].line + 18 + MAX_WARNINGS, count: 100 - MAX_WARNINGS }]);
  });

  it("a paste of a million bad lines keeps 20 warnings, not a million", () => {
    const { warnings, omittedWarnings } = parseReports(seedWith(1_000_000));
    expect(warnings).toHaveLength(MAX_WARNINGS);
    expect(omittedWarnings[0].count).toBe(1_000_000 - MAX_WARNINGS);
  });

  it("diagnose keeps the analysis's warning and counts the rest in warningsOmitted; the text says so", () => {
    const r = diagnose(seedWith(100)).reports[0];
    expect(r.warnings).toHaveLength(MAX_WARNINGS);
    // the 2.6.11 era warning is the analysis's own: kept, after the parser's first 19
    expect(r.warnings[MAX_WARNINGS - 1].message).toMatch(/no kernel version printed/);
    expect(r.warningsOmitted).toBe(100 - (MAX_WARNINGS - 1));
    const text = renderReport(r);
    expect(text.match(/^warning: line/gm)).toHaveLength(MAX_WARNINGS);
    expect(text).toContain("warning: 81 more warnings not shown (only the first ones are kept)");
  });

  it("a report within the limit has no warningsOmitted field (its JSON is as before)", () => {
    const r = diagnose(seedWith(3)).reports[0];
    expect(r.warnings).toHaveLength(4);
    expect("warningsOmitted" in r).toBe(false);
  });

  it("the /proc parsers keep MAX_WARNINGS per file, the first by line", () => {
    const junk = Array.from({ length: 300 }, (_, i) => `junk ${i}`).join("\n");
    for (const parse of [parseBuddyinfo, parseZoneinfo, parsePagetypeinfo]) {
      const r = parse(junk);
      expect(r.warnings.map((w) => w.line)).toEqual(Array.from({ length: MAX_WARNINGS }, (_, i) => i + 1));
      expect(r.warningsOmitted).toBe(300 - MAX_WARNINGS);
    }
    expect("warningsOmitted" in parseBuddyinfo("Node 0, zone DMA 1 2\n")).toBe(false);
  });
});

describe("echoed input is printable", () => {
  it("printable escapes controls, C1, bidi and lone surrogates as \\uXXXX and keeps the rest", () => {
    expect(printable("a\u0000b\u001b[2J\u009b\u202e\u200b\ud800\u2028é漢🙂\uFFFD")).toBe(
      "a\\u0000b\\u001b[2J\\u009b\\u202e\\u200b\\ud800\\u2028é漢🙂\uFFFD",
    );
    expect(isPrintable("Node 0 DMA32: 1*4kB = 4kB")).toBe(true);
    expect(isPrintable("x\u0085")).toBe(false);
  });

  it("a comm with a terminal escape (C1 CSI) and a bidi override is escaped in warnings and in the text", () => {
    const header = "evil\u009b2J\u202e invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0";
    const stack = "CPU: 0 PID: 7 Comm: other Not tainted 4.9.0 #1";
    const r = diagnose(`${header}\n${stack}\n${SEED.split("\n").slice(7).join("\n")}`).reports[0];
    const w = r.warnings.find((x) => x.message.startsWith("header names"));
    expect(w?.message).toBe("header names evil\\u009b2J\\u202e but dump_stack names other");
    const text = renderReport(r);
    expect(text).toContain("by evil\\u009b2J\\u202e");
    expect(text.replace(/\n/g, "")).toSatisfy(isPrintable);
  });

  it("/proc warnings quote the line and escape what JSON quoting leaves (DEL, C1)", () => {
    const r = parseBuddyinfo("bad\u007f\u0085line\n");
    expect(r.warnings[0].message).toBe('not a buddyinfo row: "bad\\u007f\\u0085line"');
  });
});
