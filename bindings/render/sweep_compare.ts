// `oomlab compare` output (analyse/sweep_compare.ts computes): a text table, markdown, and a
// self-contained HTML page (no script, no external resource, every text escaped).

import type { CellMetric, Comparison, MetricComparison } from "../analyse/sweep_compare.js";
import { tableLines } from "./table.js";

const HEAD = ["metric", "cell", "n", "mean", "sd", "95% CI", "change", "p"];

/** A number as the tables print it; null is "n/a". */
export function formatNumber(v: number | null): string {
  if (v === null) return "n/a";
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(3);
  return v.toPrecision(3);
}

function formatChange(v: number | null): string {
  if (v === null) return "n/a";
  return `${v > 0 ? "+" : ""}${v.toFixed(1)}%`;
}

function formatP(m: CellMetric): string {
  const p = m.test?.p ?? null;
  if (p === null) return "n/a";
  return `${p < 0.001 ? "<0.001" : p.toFixed(3)}${m.significant ? " *" : ""}`;
}

/** The cells of one table row. */
function row(c: Comparison, m: MetricComparison, i: number, nameShown: boolean): string[] {
  const x = m.cells[i];
  const base = i === c.baseline;
  return [
    nameShown ? m.name : "",
    `[${i}]`,
    String(x.n),
    formatNumber(x.mean),
    formatNumber(x.sd),
    x.ci95 === null ? "n/a" : `±${formatNumber(x.ci95)}`,
    base ? "base" : formatChange(x.changePct),
    base ? "" : formatP(x),
  ];
}

function rows(c: Comparison, metrics: readonly MetricComparison[], repeatName: boolean): string[][] {
  return metrics.flatMap((m) => m.cells.map((_, i) => row(c, m, i, repeatName || i === 0)));
}

function legend(c: Comparison): string[] {
  return c.cells.map(
    (cell, i) =>
      `[${i}] ${cell.id} (${cell.seeds} seed${cell.seeds === 1 ? "" : "s"}${i === c.baseline ? ", baseline" : ""})`,
  );
}

const NOTE_LINES = [
  "95% CI: mean ± t(0.975, n-1)·sd/√n; change: of the mean against the baseline's; n/a: undefined;",
  "p: two-sided Mann-Whitney U against the baseline (exact without ties, else normal with tie correction); * p < 0.05.",
];
const NOTE = NOTE_LINES.join(" ");

/** Text: the legend, the metrics that differ between cells (every cell a row), then the equal ones by name. */
export function formatCompareText(c: Comparison): string {
  const differ = c.metrics.filter((m) => m.differs);
  const same = c.metrics.filter((m) => !m.differs);
  const out = ["cells:", ...legend(c).map((l) => `  ${l}`), ""];
  if (differ.length) out.push(...tableLines([HEAD, ...rows(c, differ, false)], { rule: true }));
  else out.push("no metric differs between the cells");
  if (same.length) {
    out.push("", `equal in every cell (${same.length}):`);
    let line = " ";
    for (const m of same) {
      const item = ` ${m.name}=${formatNumber(m.cells[c.baseline].mean)}`;
      if (line.length + item.length > 118) {
        out.push(line);
        line = " ";
      }
      line += item;
    }
    out.push(line);
  }
  out.push("", ...NOTE_LINES);
  return `${out.join("\n")}\n`;
}

/** Text for a markdown table cell or list item: backslashes and pipes escaped, line breaks joined, and
 *  &, <, > as entities, so that no text of a results file becomes HTML where the markdown is shown. */
export function mdCell(s: string): string {
  return s
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/[\r\n]+/g, " ")
    .replace(/[&<>]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[ch] as string);
}

/** Markdown: the legend as a list, every metric in one table (those that differ first). */
export function formatCompareMarkdown(c: Comparison): string {
  const ordered = [...c.metrics.filter((m) => m.differs), ...c.metrics.filter((m) => !m.differs)];
  const out = [...legend(c).map((l) => `- ${mdCell(l)}`), ""];
  const body = rows(c, ordered, true);
  out.push(`| ${HEAD.join(" | ")} |`, `|${HEAD.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`);
  for (const r of body) out.push(`| ${r.map(mdCell).join(" | ")} |`);
  out.push("", mdCell(NOTE));
  return `${out.join("\n")}\n`;
}

/** Text escaped for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] as string,
  );
}

/** The style sheet of the HTML pages (inline: the pages load nothing). */
export const HTML_STYLE = [
  "body{font-family:sans-serif}table{border-collapse:collapse}th,td{padding:2px 8px;border-bottom:1px solid #ddd}",
  "td.n{text-align:right;font-variant-numeric:tabular-nums}tr.same td{color:#777}",
];

/** The HTML of a comparison without the page around it: the legend and every metric in one table (those
 *  that differ first), and the note. */
export function compareHtmlBody(c: Comparison): string[] {
  const ordered = [...c.metrics.filter((m) => m.differs), ...c.metrics.filter((m) => !m.differs)];
  const e = escapeHtml;
  const out = [
    '<ol start="0">',
    ...legend(c).map((l) => `<li>${e(l.replace(/^\[\d+\] /, ""))}</li>`),
    "</ol>",
    "<table>",
    `<thead><tr>${HEAD.map((h) => `<th>${e(h)}</th>`).join("")}</tr></thead>`,
    "<tbody>",
  ];
  for (const m of ordered)
    m.cells.forEach((_, i) => {
      const r = row(c, m, i, true);
      const cls = m.differs ? "" : ' class="same"';
      out.push(`<tr${cls}>${r.map((v, k) => `<td${k >= 2 ? ' class="n"' : ""}>${e(v)}</td>`).join("")}</tr>`);
    });
  out.push("</tbody>", "</table>", `<p>${e(NOTE)}</p>`);
  return out;
}

/** A self-contained HTML page: the title (escaped), the inline style and the body lines as given. */
export function htmlPage(title: string, body: readonly string[], style: readonly string[] = HTML_STYLE): string {
  const e = escapeHtml;
  const out = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<title>${e(title)}</title>`,
    "<style>",
    ...style,
    "</style>",
    "</head>",
    "<body>",
    `<h1>${e(title)}</h1>`,
    ...body,
    "</body>",
    "</html>",
  ];
  return `${out.join("\n")}\n`;
}

/** HTML: one self-contained page, the legend and every metric in one table (those that differ first). */
export function formatCompareHtml(c: Comparison, title = "oomlab compare"): string {
  return htmlPage(title, compareHtmlBody(c));
}
