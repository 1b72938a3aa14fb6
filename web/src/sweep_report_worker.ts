// The Sweep panel's helper worker, off the page's thread:
// - check: a spec's text validated and expanded as `oomlab sweep` does before it runs anything
//   (cli/commands/sweep.ts loadSweep: validateSweepSpec, expandSweep with the cell module's checkCell and
//   WORKLOAD_NAMES); a `trace` workload is refused here, since the page loads no capture.
// - report: from a run's results.jsonl text, the comparison (analyse/sweep_compare.ts), the plots
//   (analyse/sweep_plots.ts's rows, render/sweep_plots.ts's specs) drawn to SVG by the CLI's own renderer
//   (render/vega_svg.ts renderSvg: vega without a DOM), and report.md/report.html (render/sweep_report.ts):
//   what `oomlab sweep` writes after its run (cli/commands/sweep_report.ts writeReport). The page's
//   Content-Security-Policy (no 'unsafe-eval', inherited by this worker) forbids vega's compiled
//   expressions: they are interpreted by vega-interpreter instead, which draws the same bytes.
import {
  compareResults,
  expandSweep,
  OomlabError,
  parseResults,
  reportHtml,
  reportMarkdown,
  sweepPlotData,
  sweepPlotSpecs,
  validateSweepSpec,
} from "oomlab";
import { expressionInterpreter } from "vega-interpreter";
import { renderSvg } from "../../bindings/render/vega_svg.js";
import { checkCell, WORKLOAD_NAMES } from "../../bindings/sweep/default_cell.js";
import type { CheckAnswer, HelperAnswer, HelperRequest, ReportAnswer, ReportRequest } from "./sweep_protocol.js";

interface Scope {
  onmessage: ((e: MessageEvent<HelperRequest>) => void) | null;
  postMessage(m: HelperAnswer): void;
}
const scope = self as unknown as Scope;

/** renderSvg's option for a page without 'unsafe-eval'. */
const CSP_SAFE = { expr: expressionInterpreter };
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The spec's problem, or null: the checks of cli/commands/sweep.ts loadSweep, then the page's own. */
function check(text: string): string | null {
  try {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new OomlabError("OOMLAB_BAD_SPEC", `the spec is not valid JSON: ${message(e)}`);
    }
    const x = expandSweep(validateSweepSpec(json), (input) => {
      if (!WORKLOAD_NAMES.includes(input.workload.name))
        throw new OomlabError(
          "OOMLAB_BAD_SPEC",
          `workload.name ${JSON.stringify(input.workload.name)} is not one of ${WORKLOAD_NAMES.join(", ")}`,
        );
      checkCell(input);
    });
    if (x.cells.some((c) => c.input.workload.name === "trace"))
      throw new OomlabError(
        "OOMLAB_BAD_SPEC",
        'workload.name "trace" replays a capture file, which this page does not load: run this spec with ' +
          "oomlab sweep SPEC",
      );
    return null;
  } catch (e) {
    return message(e);
  }
}

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
  const req = e.data;
  if (req.kind === "check") {
    const a: CheckAnswer = { kind: "check", id: req.id, error: check(req.text) };
    scope.postMessage(a);
  } else void report(req).then((a) => scope.postMessage(a));
};
