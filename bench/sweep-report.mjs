// Times the plots and reports of a sweep directory (`oomlab sweep report`), in process, phase by phase:
// `node bench/sweep-report.mjs DIR... [--runs N]` after `npm run build`, or with --synthetic CELLSxSEEDS
// (default 64x4: every cell with 100 samples and a 4 GiB machine's 2,048-pageblock map, the largest
// sweep the issue names). Each phase is the best of --runs (the machine is shared):
//   compare   parseResults + compareResults (analyse/sweep_compare.ts)
//   data      sweepPlotData (analyse/sweep_plots.ts)
//   specs     sweepPlotSpecs (render/sweep_plots.ts)
//   <chart>   renderSvg of one chart (vega-lite compile + vega layout + SVG), with its SVG's size
//   reports   reportMarkdown + reportHtml
// The first renderSvg of a process also loads vega's code paths: the runs after it show the steady cost.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { compareResults, parseResults } from "../dist/bindings/analyse/sweep_compare.js";
import { sweepPlotData } from "../dist/bindings/analyse/sweep_plots.js";
import { sweepPlotSpecs } from "../dist/bindings/render/sweep_plots.js";
import { reportHtml, reportMarkdown } from "../dist/bindings/render/sweep_report.js";
import { renderSvg } from "../dist/bindings/render/vega_svg.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string", default: "3" }, synthetic: { type: "string" } },
});
const runs = Number(values.runs);
if (!(runs >= 1 && runs <= 20)) throw new Error(`--runs needs 1 to 20, got ${values.runs}`);

/** A results text of cells x seeds with series and pageblock maps (deterministic numbers). */
function synthetic(cells, seeds) {
  const lines = [];
  const letters = "UMRmmmmm";
  for (let c = 0; c < cells; c++)
    for (let s = 0; s < seeds; s++) {
      const k = c * seeds + s;
      const ops = Array.from({ length: 101 }, (_, i) => i * 10000);
      const wave = (a, b) => ops.map((_, i) => a + ((i * 7919 + k * 104729) % b));
      const series = { ops };
      series["free_pages.Normal"] = wave(20000, 5000);
      series["min.Normal"] = ops.map(() => 4000);
      series["low.Normal"] = ops.map(() => 5000);
      series["high.Normal"] = ops.map(() => 6000);
      series["unusable_index_order9.Normal"] = wave(0, 1000);
      for (let o = 0; o <= 10; o++) series[`nr_free.${o}`] = wave(0, 2000 >> o);
      let pb = "";
      for (let b = 0; b < 2048; b++) pb += letters[(b * 31 + k) % letters.length];
      const success = {};
      for (let o = 0; o <= 10; o++) success[o] = (o * 13 + k) % 101;
      lines.push(
        JSON.stringify({
          cell: `cell=${c}`,
          index: c,
          seedIndex: s,
          seed: k,
          params: {},
          metrics: { success_pct: success },
          series,
          pageblocks: pb,
        }),
      );
    }
  return `${lines.join("\n")}\n`;
}

async function best(label, f, extra = () => "") {
  let min = Number.POSITIVE_INFINITY;
  let out;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = await f();
    min = Math.min(min, performance.now() - t0);
  }
  console.log(`  ${label.padEnd(22)} ${min.toFixed(1).padStart(8)} ms${extra(out)}`);
  return out;
}

const inputs = positionals.map((d) => ({ name: d, text: readFileSync(`${d}/results.jsonl`, "utf8") }));
if (values.synthetic !== undefined || inputs.length === 0) {
  const [cells, seeds] = (values.synthetic ?? "64x4").split("x").map(Number);
  inputs.push({ name: `synthetic ${cells} cells x ${seeds} seeds`, text: synthetic(cells, seeds) });
}
for (const { name, text } of inputs) {
  console.log(`${name} (${(text.length / 1e6).toFixed(1)} MB of results)`);
  let total = 0;
  const t0 = performance.now();
  const { records, c } = await best("compare", () => {
    const records = parseResults(text, name);
    return { records, c: compareResults(records) };
  });
  const d = await best("data", () => sweepPlotData(records, c));
  const specs = await best("specs", () => sweepPlotSpecs(d));
  const plots = [];
  for (const p of specs) {
    const svg = await best(
      p.name,
      () => renderSvg(p.spec),
      (s) => `  ${(s.length / 1e3).toFixed(0)} kB`,
    );
    plots.push({ title: p.title, question: p.question, file: `plots/${p.name}.svg`, svg });
  }
  await best(
    "reports",
    () => [reportMarkdown(name, c, plots), reportHtml(name, c, plots)],
    ([, h]) => `  html ${(h.length / 1e6).toFixed(2)} MB`,
  );
  total = performance.now() - t0;
  console.log(`  all phases x ${runs} runs: ${(total / 1000).toFixed(1)} s`);
}
