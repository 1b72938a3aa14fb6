// A sweep directory's report: DIR/report.md (the comparison as markdown, the plots linked from
// DIR/plots/) and DIR/report.html (one self-contained page: the plots' SVG inline, the style inline, no
// script, nothing loaded from elsewhere). The comparison is analyse/sweep_compare.ts's, printed by
// render/sweep_compare.ts; the plots are render/sweep_plots.ts's specs drawn by render/vega_svg.ts. Every
// text from the results (cell ids, the sweep's name) is escaped for where it goes.

import type { Comparison } from "../analyse/sweep_compare.js";
import { compareHtmlBody, escapeHtml, formatCompareMarkdown, htmlPage, HTML_STYLE, mdCell } from "./sweep_compare.js";

/** A plot of the report: its title, question, file (relative to the report) and, for HTML, its SVG. */
export interface ReportPlot {
  title: string;
  question: string;
  /** e.g. "plots/success-pct.svg". */
  file: string;
  svg?: string;
}

/** report.md: the title, the plots (each a heading, its question and the image linked), the comparison. */
export function reportMarkdown(title: string, c: Comparison, plots: readonly ReportPlot[]): string {
  const out = [`# ${mdCell(title)}`, ""];
  if (plots.length) {
    out.push("## Plots", "");
    for (const p of plots)
      out.push(`### ${mdCell(p.title)}`, "", mdCell(p.question), "", `![${mdCell(p.title)}](<${p.file}>)`, "");
  }
  out.push("## Comparison", "", formatCompareMarkdown(c).trimEnd(), "");
  return out.join("\n");
}

/** report.html: one page, the plots inline (an SVG that vega wrote, whose text vega escaped) then the
 *  comparison table. A plot without SVG is left out. */
export function reportHtml(title: string, c: Comparison, plots: readonly ReportPlot[]): string {
  const e = escapeHtml;
  const body: string[] = [];
  const drawn = plots.filter((p) => p.svg !== undefined);
  if (drawn.length) {
    body.push("<h2>Plots</h2>");
    for (const p of drawn)
      body.push(
        "<figure>",
        `<figcaption><b>${e(p.title)}</b>: ${e(p.question)}</figcaption>`,
        (p.svg as string).trim(),
        "</figure>",
      );
  }
  body.push("<h2>Comparison</h2>", ...compareHtmlBody(c));
  return htmlPage(title, body, [...HTML_STYLE, "figure{margin:1em 0}figure svg{max-width:100%;height:auto}"]);
}
