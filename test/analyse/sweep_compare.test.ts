// analyse/sweep_compare.ts and render/sweep_compare.ts on a tiny synthetic results.jsonl worked by hand.

import { describe, expect, it } from "vitest";
import {
  compareMetricNames,
  compareResults,
  flattenMetrics,
  parseResults,
  selectBaseline,
  selectMetrics,
  withMetrics,
} from "../../bindings/analyse/sweep_compare.js";
import { OomlabError } from "../../bindings/errors.js";
import {
  escapeHtml,
  formatCompareHtml,
  formatCompareMarkdown,
  formatCompareText,
} from "../../bindings/render/sweep_compare.js";

/** A results line as oomlab sweep writes it. */
function line(cell: string, index: number, seedIndex: number, metrics: Record<string, unknown>): string {
  return JSON.stringify({ cell, index, seedIndex, seed: 100 + seedIndex, params: { p: index + 1 }, metrics });
}

// Two cells x 3 seeds. Cell p=1 is the baseline.
//   x:     p=1: 10 12 14 (mean 12, sd 2)   p=2: 20 22 24 (mean 22, sd 2)
//   per:   p=1: [1, 0] x3                  p=2: [1, 5] x3  -> per.0 equal; per.1 0 vs 5
//   o.k:   p=1: 1 1 1                      p=2: null 3 5   -> n = 2 for p=2
//   const: 7 everywhere
const RESULTS = [
  line("p=1", 0, 0, { const: 7, o: { k: 1 }, per: [1, 0], x: 10 }),
  line("p=1", 0, 1, { const: 7, o: { k: 1 }, per: [1, 0], x: 12 }),
  line("p=1", 0, 2, { const: 7, o: { k: 1 }, per: [1, 0], x: 14 }),
  line("p=2", 1, 0, { const: 7, o: { k: null }, per: [1, 5], x: 20 }),
  line("p=2", 1, 1, { const: 7, o: { k: 3 }, per: [1, 5], x: 22 }),
  line("p=2", 1, 2, { const: 7, o: { k: 5 }, per: [1, 5], x: 24 }),
].join("\n");

describe("compareResults", () => {
  const c = compareResults(parseResults(`${RESULTS}\n`, "results.jsonl"));

  it("flattens lists to name.N and objects to name.KEY, metrics sorted, cells in index order", () => {
    expect([...flattenMetrics({ a: [1, null], b: { k: 2 }, c: 3, d: Number.NaN }).entries()]).toEqual([
      ["a.0", 1],
      ["a.1", null],
      ["b.k", 2],
      ["c", 3],
      ["d", null],
    ]);
    expect(c.metrics.map((m) => m.name)).toEqual(["const", "o.k", "per.0", "per.1", "x"]);
    expect(c.metrics.map((m) => m.differs)).toEqual([false, true, false, true, true]);
    expect(c.cells.map((x) => [x.id, x.seeds])).toEqual([
      ["p=1", 3],
      ["p=2", 3],
    ]);
    expect(c.baseline).toBe(0);
  });

  it("x: CI 12 +- 4.3026527 * 2 / sqrt(3) = 12 +- 4.968275; change (22 - 12)/12 = +83.33%; U = 0, p = 0.1", () => {
    const [base, other] = (c.metrics.find((m) => m.name === "x") ?? c.metrics[0]).cells;
    expect(base).toMatchObject({ n: 3, mean: 12, sd: 2, changePct: null, test: null, significant: null });
    expect(base.ci95).toBeCloseTo(4.968275, 5);
    expect(base.ciLow).toBeCloseTo(12 - 4.968275, 5);
    expect(base.ciHigh).toBeCloseTo(12 + 4.968275, 5);
    expect(other).toMatchObject({ n: 3, mean: 22, sd: 2, significant: false });
    expect(other.changePct).toBeCloseTo(83.3333, 3);
    expect(other.test).toEqual({ u1: 9, u: 0, p: 0.1, method: "exact" });
  });

  it("per.1: a zero baseline mean has no % change; tied groups use the normal test (p = 0.046854 < 0.05)", () => {
    const [, other] = (c.metrics.find((m) => m.name === "per.1") ?? c.metrics[0]).cells;
    expect(other).toMatchObject({ mean: 5, sd: 0, ci95: 0, changePct: null, significant: true });
    expect(other.test?.method).toBe("normal");
    expect(other.test?.p).toBeCloseTo(0.0468542, 6);
  });

  it("o.k: a null is left out (n = 2, CI t(0.975, 1) * sqrt(2) / sqrt(2) = 12.706205); equal metrics change 0%", () => {
    const [base, other] = (c.metrics.find((m) => m.name === "o.k") ?? c.metrics[0]).cells;
    expect(base).toMatchObject({ n: 3, mean: 1, sd: 0, ci95: 0 });
    expect(other).toMatchObject({ n: 2, mean: 4 });
    expect(other.ci95).toBeCloseTo(12.7062047, 6);
    expect(other.changePct).toBeCloseTo(300, 9);
    // [3, 5] vs [1, 1, 1]: U1 = 6, ties 3: var = 6/12 * (6 - 24/20) = 2.4; z = 2.5 / 1.549193; p = 0.106583
    expect(other.test?.p).toBeCloseTo(0.1065832, 6);
    const same = (c.metrics.find((m) => m.name === "const") ?? c.metrics[0]).cells[1];
    expect(same).toMatchObject({ changePct: 0, test: { p: null, method: null }, significant: null });
  });

  it("prints the expected text table (the metrics that differ first, the equal ones by name)", () => {
    expect(formatCompareText(c)).toBe(
      [
        "cells:",
        "  [0] p=1 (3 seeds, baseline)",
        "  [1] p=2 (3 seeds)",
        "",
        "metric  cell  n  mean  sd     95% CI   change   p",
        "------  ----  -  ----  -----  -------  -------  -------",
        "o.k     [0]   3  1     0      ±0       base",
        "        [1]   2  4     1.414  ±12.706  +300.0%  0.107",
        "per.1   [0]   3  0     0      ±0       base",
        "        [1]   3  5     0      ±0       n/a      0.047 *",
        "x       [0]   3  12    2      ±4.968   base",
        "        [1]   3  22    2      ±4.968   +83.3%   0.100",
        "",
        "equal in every cell (2):",
        "  const=7 per.0=1",
        "",
        "95% CI: mean ± t(0.975, n-1)·sd/√n; change: of the mean against the baseline's; n/a: undefined;",
        "p: two-sided Mann-Whitney U against the baseline (exact without ties, else normal with tie correction); " +
          "* p < 0.05.",
        "",
      ].join("\n"),
    );
  });

  it("markdown: one table, every metric, pipes escaped", () => {
    const md = formatCompareMarkdown(c);
    expect(md).toContain("| metric | cell | n | mean | sd | 95% CI | change | p |");
    expect(md).toContain("| x | [1] | 3 | 22 | 2 | ±4.968 | +83.3% | 0.100 |");
    expect(md.indexOf("| x |")).toBeLessThan(md.indexOf("| const |"));
    const piped = compareResults(parseResults(line("a|b", 0, 0, { m: 1 }), "r"));
    expect(formatCompareMarkdown(piped)).toContain("- [0] a\\|b (1 seed, baseline)");
  });

  it("a single seed: sd, CI and p are n/a, never NaN", () => {
    const one = compareResults(parseResults([line("a", 0, 0, { m: 1 }), line("b", 1, 0, { m: 2 })].join("\n"), "r"));
    const text = formatCompareText(one);
    expect(text).not.toMatch(/NaN|Infinity/);
    expect(text).toContain("        [1]   1  2     n/a  n/a     +100.0%  1.000");
  });
});

describe("selectBaseline", () => {
  const cells = ["a=1,b=x", "a=1,b=y", "a=2,b=x"].map((id, index) => ({ index, id, params: {}, seeds: 1 }));
  const usageMessage = (name: string) => {
    try {
      selectBaseline(cells, name);
    } catch (e) {
      expect(e).toBeInstanceOf(OomlabError);
      expect((e as OomlabError).code).toBe("OOMLAB_USAGE");
      return (e as Error).message;
    }
    throw new Error(`${name} was accepted`);
  };

  it("an id, path=value fragments, a unique prefix; the first cell by default", () => {
    expect(selectBaseline(cells)).toBe(0);
    expect(selectBaseline(cells, "a=2,b=x")).toBe(2);
    expect(selectBaseline(cells, "b=y")).toBe(1);
    expect(selectBaseline(cells, "a=2")).toBe(2);
    expect(selectBaseline(cells, "b=x,a=1")).toBe(0);
    expect(selectBaseline(cells, "a=1,b=y")).toBe(1);
    expect(selectBaseline(cells, "a=2,b")).toBe(2); // no fragment "b": the prefix
  });

  it("no match lists every cell; several list the ones matched", () => {
    expect(usageMessage("c=3")).toBe(
      '--baseline "c=3" matches no cell; the cells are:\n  a=1,b=x\n  a=1,b=y\n  a=2,b=x',
    );
    expect(usageMessage("a=1")).toBe('--baseline "a=1" matches 2 cells:\n  a=1,b=x\n  a=1,b=y');
    expect(usageMessage("b=x")).toBe('--baseline "b=x" matches 2 cells:\n  a=1,b=x\n  a=2,b=x');
  });

  it("compareResults takes it: against p=2, x changes (12 - 22)/22 = -45.45%", () => {
    const c = compareResults(parseResults(RESULTS, "r"), { baseline: "p=2" });
    expect(c.baseline).toBe(1);
    const x = c.metrics.find((m) => m.name === "x")?.cells[0];
    expect(x?.changePct).toBeCloseTo(-45.4545, 3);
  });
});

describe("selectMetrics", () => {
  const all = ["compact_stall", "nr_free.DMA.0", "nr_free.DMA.1", "nr_free.Normal.0", "x"];
  it("a name, or every flattened NAME.*; unknown names suggest the closest", () => {
    expect(selectMetrics(all, ["x"])).toEqual(["x"]);
    expect(selectMetrics(all, ["nr_free.DMA", "x"])).toEqual(["nr_free.DMA.0", "nr_free.DMA.1", "x"]);
    expect(selectMetrics(all, ["nr_free"])).toEqual(["nr_free.DMA.0", "nr_free.DMA.1", "nr_free.Normal.0"]);
    expect(() => selectMetrics(all, ["compact_stal"])).toThrow(
      /"compact_stal" is not a metric.*did you mean compact_stall\?/,
    );
    expect(() => selectMetrics(all, ["zzzzzzzzzz"])).toThrow(/is not a metric of these results$/);
  });

  it("metric names sort part by part, whole numbers as numbers and first", () => {
    const names = ["a.10", "a.2", "a.b", "a", "a.1.x", "a.1", "b", "a.01"];
    expect(names.sort(compareMetricNames)).toEqual(["a", "a.01", "a.1", "a.1.x", "a.2", "a.10", "a.b", "b"]);
  });

  it("withMetrics keeps the comparison's order", () => {
    const c = compareResults(parseResults(RESULTS, "r"));
    expect(withMetrics(c, ["x", "const"]).metrics.map((m) => m.name)).toEqual(["const", "x"]);
  });
});

describe("parseResults", () => {
  it("names the line of a damaged results file", () => {
    expect(() => parseResults(`${line("a", 0, 0, {})}\n{"cell":`, "r.jsonl")).toThrow("r.jsonl line 2: not JSON");
    expect(() => parseResults('{"cell":"a","index":0}', "r.jsonl")).toThrow("r.jsonl line 1: no metrics");
    expect(() => parseResults("\n", "r.jsonl")).toThrow("r.jsonl: no results");
    expect(() => compareResults(parseResults([line("a", 0, 0, {}), line("b", 0, 1, {})].join("\n"), "r"))).toThrow(
      "cell index 0 is both a and b",
    );
  });
});

describe("HTML", () => {
  it("escapes hostile cell ids and metric names; no script, no external resource", () => {
    const hostile = `<script>alert("x")</script>&'<img src=http://e/>`;
    const c = compareResults(
      parseResults([line(hostile, 0, 0, { "<b>m": 1 }), line("ok", 1, 0, { "<b>m": 2 })].join("\n"), "r"),
    );
    const html = formatCompareHtml(c, `compare ${hostile}`);
    expect(escapeHtml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    // every tag is one of the page's own, and no tag has an attribute that loads anything
    const tags = html.match(/<[^>]*>/g) ?? [];
    const names = new Set(tags.map((t) => /^<\/?([!\w]+)/.exec(t)?.[1].toLowerCase()));
    const own = ["!doctype", "html", "head", "meta", "title", "style", "body", "h1", "ol", "li", "table", "thead"];
    expect(
      [...names].filter((n) => !own.includes(n as string) && !["tbody", "tr", "th", "td", "p"].includes(n as string)),
    ).toEqual([]);
    expect(tags.filter((t) => /src=|href=|on\w+=/i.test(t))).toEqual([]);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&lt;img src=http://e/&gt;");
    expect(html).toContain("<td>&lt;b&gt;m</td>");
    expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
  });
});
