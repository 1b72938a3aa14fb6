// Wrapped pastes joined back (parse/unwrap.ts): the width and style found, the joins made and warned
// about, and the lines never joined.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseReports } from "../../bindings/parse/reports.js";
import { wrapWidth } from "../../bindings/parse/unwrap.js";
import { hardWrapped, softWrapped } from "./paste_variants.js";

const FIX = new URL("../fixtures/", import.meta.url);
const doxygen = readFileSync(new URL("028-oomanalyser-archlinux-6.1.1-x86_64-global-oom-doxygen.log", FIX), "utf8");

describe("wrapWidth", () => {
  it("finds no wrap in a clean paste (its zone lines are 358 columns long)", () => {
    expect(wrapWidth(doxygen)).toBeNull();
  });

  it("finds the width and tells hard cuts from word wraps", () => {
    expect(wrapWidth(hardWrapped(80)(doxygen))).toEqual({ width: 80, style: "hard" });
    expect(wrapWidth(softWrapped(72)(doxygen))).toEqual({ width: 72, style: "word" });
  });

  it("leaves out a word longer than the width, and needs two cut lines", () => {
    const long = `${"x".repeat(150)}\n`;
    const two = "a ".repeat(35) + "b\ncontinued here\n";
    expect(wrapWidth(long + two)).toBeNull(); // one cut line (71 columns) without a log prefix
    expect(wrapWidth(long + two + two)).toEqual({ width: 71, style: "hard" });
  });
});

describe("a wrapped report", () => {
  // the first lines of 028 word-wrapped at 72 columns by paste_variants.ts softWrapped (the space at each
  // break dropped). The widest line holding a space is line 2 (71 columns): that is the width found.
  // Line 1 (27) + 1 + "gfp_mask=..," (62) > 71; line 2 is 71 itself; line 4 (62, its run of spaces
  // kept) + 1 + "6.1.1-arch1-1" (13) > 71; line 6 (64) + 1 + "Extreme6," (9) > 71. Style: 1 break at
  // the width, 3 before it: a word wrap, so line 3 joins line 2 with a space.
  const header = [
    "doxygen invoked oom-killer:",
    "gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0,",
    "oom_score_adj=0",
    "CPU: 3 PID: 473206 Comm: doxygen Tainted: G           OE     ",
    "6.1.1-arch1-1 #1 9bd09188b430be630e611f984454e4f3c489be77",
    "Hardware name: To Be Filled By O.E.M. To Be Filled By O.E.M./Z77",
    "Extreme6, BIOS P2.80 07/01/2013",
    "Mem-Info:",
  ].join("\n");

  it("reads as the clean header, with one warning naming the first join and counting the rest", () => {
    const r = parseReports(header);
    expect(r.reports[0]).toMatchObject({
      line: 1,
      gfpMask: "0x140dca",
      order: 0,
      oomScoreAdj: 0,
      trigger: { comm: "doxygen", pid: 473206 },
      kernelVersion: "6.1.1-arch1-1",
    });
    // joins: 2 -> 1, 3 -> 1, 5 -> 4, 7 -> 6
    expect(r.warnings).toEqual([
      { line: 1, message: "lines wrapped at 71 columns joined: line 2 continues line 1, and 3 more joins" },
    ]);
  });

  it("joins no line that starts a kernel line, and none whose join no parser knows", () => {
    // 69 columns of prose cut before "continues" (69 + 1 + 9 > 71): no parser knows the joined text
    const prose = `${"word ".repeat(13)}word\ncontinues here\n`;
    const r = parseReports(prose + header);
    expect(r.warnings.map((w) => w.message)).toEqual([
      "lines wrapped at 71 columns joined: line 4 continues line 3, and 3 more joins",
    ]);
    expect(r.reports[0].kernelVersion).toBe("6.1.1-arch1-1");
    // "CPU: 3 PID: .." after a line of exactly the width is a line of its own
    const cut = parseReports(
      `${"x ".repeat(35)}y\nCPU: 3 PID: 1 Comm: a Not tainted 6.1.1 #1\n${"z ".repeat(35)}\nw\n`,
    );
    expect(cut.warnings.map((w) => w.message)).not.toContainEqual(expect.stringMatching(/line 2 continues/));
  });

  it("joins a line that lost its log prefix to the cut, even alone in the paste", () => {
    const text =
      "[  127.150370] python invoked oom-killer: gfp_mask=0x16080c0(GFP_KERNEL|__GFP_ZERO), nodemask=(null),\n" +
      "order=0, oom_score_adj=0\n[  127.162750] Mem-Info:\n";
    const r = parseReports(text);
    expect(r.reports[0]).toMatchObject({ order: 0, oomScoreAdj: 0, gfpMask: "0x16080c0" });
    expect(r.warnings.map((w) => w.message)).toEqual(["lines wrapped at 101 columns joined: line 2 continues line 1"]);
  });

  it("joins a log prefix a word wrap left alone to the word that did not fit", () => {
    // the oom-kill line is one 128-column word: after "[  127.162750]" (14) it fits no line of 101
    const kill = [
      "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,",
      "global_oom,task_memcg=/,task=python,pid=996,uid=1000",
    ].join("");
    const text =
      "[  127.150370] python invoked oom-killer: gfp_mask=0x16080c0(GFP_KERNEL|__GFP_ZERO), nodemask=(null),\n" +
      `order=0, oom_score_adj=0\n[  127.162750]\n${kill}\n`;
    const r = parseReports(text);
    expect(r.reports[0].constraint).toMatchObject({ constraint: "CONSTRAINT_NONE", task: "python", pid: 996 });
    expect(r.warnings.map((w) => w.message)).toEqual([
      "lines wrapped at 101 columns joined: line 2 continues line 1, and 1 more joins",
    ]);
  });
});
