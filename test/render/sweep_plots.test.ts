// The plots of a sweep: Vega-Lite specs built from hand-made rows, drawn to SVG by vega in Node, and the
// report pages around them. The SVG is checked as XML (every tag closed in order), by its marks, for
// escaping (a hostile cell label) and for being the same bytes each time.

import { describe, expect, it } from "vitest";
import { compareResults, type CompareRecord } from "../../bindings/analyse/sweep_compare.js";
import { sweepPlotData } from "../../bindings/analyse/sweep_plots.js";
import {
  nrFreeSpec,
  pageblockSpec,
  successPctSpec,
  sweepPlotSpecs,
  unusableSpec,
  watermarkSpec,
} from "../../bindings/render/sweep_plots.js";
import { reportHtml, reportMarkdown } from "../../bindings/render/sweep_report.js";
import { renderSvg } from "../../bindings/render/vega_svg.js";
import { expressionInterpreter } from "vega-interpreter";

const HOSTILE = "<img src=x onerror=alert(1)>";

function rec(index: number, cell: string, seed: number, success9: number, scale: number): CompareRecord {
  return {
    cell,
    index,
    seed,
    params: {},
    metrics: { success_pct: { "0": 100, "9": success9 } },
    series: {
      ops: [0, 100, 200],
      "free_pages.Normal": [1000, 400 * scale, 300 * scale],
      "min.Normal": [50, 50, 50],
      "low.Normal": [60, 60, 60],
      "high.Normal": [70, 70, 70],
      "nr_free.0": [0, 10 * scale, 20],
      "nr_free.1": [0, 5, 6 * scale],
      "nr_free.2": [2, 1, 0],
      "unusable_index_order9.Normal": [0, 200 * scale, 400],
    },
    pageblocks: seed === 0 ? "MmUuX-#." : "MMMM",
  };
}

/** Two cells (the second with the hostile id) of two seeds each. */
const RECORDS = [
  rec(0, "cell=one", 0, 40, 1),
  rec(0, "cell=one", 1, 60, 2),
  rec(1, HOSTILE, 0, 80, 1),
  rec(1, HOSTILE, 1, 90, 1),
];
const C = compareResults(RECORDS);
const D = sweepPlotData(RECORDS, C);

/** Whether text is well-formed XML as vega writes it: every tag closed in order, one root, quoted attributes. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  let roots = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    if (xml.slice(at, m.index).includes("<")) return false; // a "<" that opens no tag
    at = tag.lastIndex;
    const [, close, name, , self] = m;
    if (close) {
      if (stack.pop() !== name) return false;
    } else if (!self) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  return stack.length === 0 && roots === 1 && !xml.slice(at).includes("<");
}

/** The value at a dotted path of a spec ("layer.1.encoding.y.field"). */
function at(spec: unknown, path: string): unknown {
  let v = spec;
  for (const k of path.split(".")) v = (v as Record<string, unknown>)?.[k];
  return v;
}

describe("the specs", () => {
  it("success %: the rows as data, the mean as bars, the interval as rules from ciLow to ciHigh", () => {
    const s = successPctSpec(D);
    expect(at(s, "data.values")).toBe(D.successPct);
    expect(at(s, "encoding.x.field")).toBe("order");
    expect(at(s, "encoding.xOffset.field")).toBe("cell");
    expect(at(s, "layer.0.mark")).toBe("bar");
    expect(at(s, "layer.0.encoding.y.field")).toBe("mean");
    expect(at(s, "layer.1.mark.type")).toBe("rule");
    expect([at(s, "layer.1.encoding.y.field"), at(s, "layer.1.encoding.y2.field")]).toEqual(["ciLow", "ciHigh"]);
    // the cells keep the legend's order in colour and offset
    expect(at(s, "encoding.xOffset.sort")).toEqual(["[0] cell=one", `[1] ${HOSTILE}`]);
  });

  it("the others: their rows and the fields they draw", () => {
    const w = watermarkSpec(D, "Normal");
    expect((at(w, "data.values") as { zone: string }[]).every((p) => p.zone === "Normal")).toBe(true);
    expect(at(w, "spec.layer.0.encoding.y.field")).toBe("min");
    expect(at(w, "spec.layer.0.encoding.y2.field")).toBe("high");
    expect(at(w, "spec.layer.1.transform.0.fold")).toEqual(["free", "min", "low", "high"]);
    const n = nrFreeSpec(D);
    expect(["spec.mark.type", "spec.encoding.y.field", "spec.encoding.color.field"].map((k) => at(n, k))).toEqual([
      "rect",
      "order",
      "mean",
    ]);
    const u = unusableSpec(D);
    expect(at(u, "data.values")).toBe(D.unusable);
    expect(at(u, "title.text")).toBe("Unusable free space index at order 9");
    const p = pageblockSpec(D);
    expect(at(p, "data.values")).toBe(D.pageblocks);
    expect(at(p, "spec.encoding.color.scale.domain")).toEqual(D.pageblockClasses);
    expect(at(p, "spec.encoding.color.scale.range")).toHaveLength(D.pageblockClasses.length);
  });

  it("draws only the charts whose data exist", () => {
    expect(sweepPlotSpecs(D).map((p) => p.name)).toEqual([
      "success-pct",
      "unusable-order9",
      "free-pages-Normal",
      "nr-free",
      "pageblocks",
    ]);
    const bare = RECORDS.map(({ series: _s, pageblocks: _p, ...r }) => r);
    expect(sweepPlotSpecs(sweepPlotData(bare, compareResults(bare))).map((p) => p.name)).toEqual(["success-pct"]);
  });
});

describe("the SVG", () => {
  it("is well-formed, with a bar per row and an interval rule per row with two seeds, and escapes labels", async () => {
    const warnings: string[] = [];
    const svg = await renderSvg(successPctSpec(D), (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(wellFormed(svg)).toBe(true);
    // 2 orders x 2 cells: 4 bars; every row has 2 seeds: 4 rules
    expect(D.successPct).toHaveLength(4);
    expect(svg.match(/aria-roledescription="bar"/g)).toHaveLength(4);
    expect(svg.match(/<line [^>]*aria-roledescription="rule mark"/g)).toHaveLength(4);
    expect(svg).not.toContain("<img");
    expect(svg).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("every chart renders without a warning to well-formed SVG free of the hostile tag", async () => {
    for (const p of sweepPlotSpecs(D)) {
      const warnings: string[] = [];
      const svg = await renderSvg(p.spec, (m) => warnings.push(m));
      expect(warnings, p.name).toEqual([]);
      expect(wellFormed(svg), p.name).toBe(true);
      expect(svg, p.name).not.toContain("<img");
    }
  }, 30_000);

  it("draws the same bytes with vega-interpreter (the web page's CSP forbids eval) as compiled", async () => {
    // every chart, so that each kind of expression (encode, parameter, operator) goes through the interpreter
    for (const p of sweepPlotSpecs(D)) {
      const compiled = await renderSvg(p.spec);
      expect(await renderSvg(p.spec, undefined, { expr: expressionInterpreter }), p.name).toBe(compiled);
    }
    // and the interpreter is used: with an interpreter that cannot evaluate, nothing is drawn
    const broken = { ...expressionInterpreter, encode: () => () => false };
    expect(await renderSvg(successPctSpec(D), undefined, { expr: broken })).not.toBe(
      await renderSvg(successPctSpec(D)),
    );
  }, 60_000);

  it("is the same bytes for the same spec, whatever was drawn before", async () => {
    const a = await renderSvg(pageblockSpec(D));
    await renderSvg(watermarkSpec(D, "Normal"));
    await renderSvg(nrFreeSpec(D));
    const b = await renderSvg(pageblockSpec(D));
    expect(b).toBe(a);
    // the heat map's colour legend is a gradient, which vega numbers from a counter of the process
    const h1 = await renderSvg(nrFreeSpec(D));
    expect(await renderSvg(nrFreeSpec(D))).toBe(h1);
    expect(h1).toContain('id="gradient_0"'); // numbered from 0 each time
  }, 30_000);
});

describe("the report", () => {
  it("html: one page, SVG inline, no script, no URL but the SVG namespaces, every label escaped", async () => {
    const plots = [];
    for (const p of sweepPlotSpecs(D))
      plots.push({ title: p.title, question: p.question, file: `plots/${p.name}.svg`, svg: await renderSvg(p.spec) });
    const html = reportHtml(`oomlab sweep ${HOSTILE}`, C, plots);
    expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain("<img");
    expect(html.match(/<svg /g)).toHaveLength(plots.length);
    const urls = new Set(html.match(/https?:\/\/[^\s"'<>)]*/g));
    expect([...urls].sort()).toEqual(["http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg"]);
    expect(html).toContain(`<title>oomlab sweep &lt;img src=x onerror=alert(1)&gt;</title>`);
    expect(html).toContain("<li>&lt;img src=x onerror=alert(1)&gt; (2 seeds)</li>");
  }, 30_000);

  it("markdown: the plots linked, the comparison table, labels escaped", () => {
    const plots = sweepPlotSpecs(D).map((p) => ({ title: p.title, question: p.question, file: `plots/${p.name}.svg` }));
    const md = reportMarkdown(`oomlab sweep ${HOSTILE}`, C, plots);
    expect(md.startsWith("# oomlab sweep &lt;img src=x onerror=alert(1)&gt;\n")).toBe(true);
    expect(md).toContain("![Success % per order](<plots/success-pct.svg>)");
    expect(md).toContain("- [1] &lt;img src=x onerror=alert(1)&gt; (2 seeds)");
    expect(md).toContain("| metric | cell | n | mean | sd | 95% CI | change | p |");
    expect(md).not.toContain("<img");
  });
});
