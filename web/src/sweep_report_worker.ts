// The Sweep panel's report worker, off the page's thread: from a run's results.jsonl text, the comparison
// (analyse/sweep_compare.ts), the plots (analyse/sweep_plots.ts's rows, render/sweep_plots.ts's specs) drawn
// to SVG by the CLI's own renderer (render/vega_svg.ts renderSvg: vega without a DOM), and report.md and
// report.html (render/sweep_report.ts): what `oomlab sweep` writes after its run (cli/commands/sweep_report.ts
// writeReport). The page's Content-Security-Policy (no 'unsafe-eval', inherited by this worker) forbids
// vega's compiled expressions: they are interpreted by vega-interpreter instead, which draws the same bytes.
import { compareResults, parseResults, reportHtml, reportMarkdown, sweepPlotData, sweepPlotSpecs } from "oomlab";
import { expressionInterpreter } from "vega-interpreter";
import { renderSvg } from "../../bindings/render/vega_svg.js";
import type { ReportAnswer, ReportRequest } from "./sweep_protocol.js";

interface Scope {
  onmessage: ((e: MessageEvent<ReportRequest>) => void) | null;
  postMessage(m: ReportAnswer): void;
}
const scope = self as unknown as Scope;

/** renderSvg's option for a page without 'unsafe-eval'. */
const CSP_SAFE = { expr: expressionInterpreter };
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function report(req: ReportRequest): Promise<ReportAnswer> {
  try {
    const records = parseResults(req.results, "results.jsonl");
    const comparison = compareResults(records, { baseline: req.baseline });
    const plots: ReportAnswer["plots"] = [];
    let plotError: string | null = null;
    for (const p of sweepPlotSpecs(sweepPlotData(records, comparison))) {
      try {
        plots.push({
          name: p.name,
          title: p.title,
          question: p.question,
          svg: await renderSvg(p.spec, undefined, CSP_SAFE),
        });
      } catch (e) {
        plotError ??= `plot ${p.name}: ${message(e)}`;
      }
    }
    const files = plots.map((p) => ({ ...p, file: `plots/${p.name}.svg` }));
    return {
      kind: "report",
      id: req.id,
      comparison,
      plots,
      plotError,
      markdown: reportMarkdown(req.title, comparison, files),
      html: reportHtml(req.title, comparison, files),
      error: null,
    };
  } catch (e) {
    const error = message(e);
    return { kind: "report", id: req.id, comparison: null, plots: [], plotError: null, markdown: "", html: "", error };
  }
}

scope.onmessage = (e) => {
  void report(e.data).then((a) => scope.postMessage(a));
};
