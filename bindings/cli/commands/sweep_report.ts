// `oomlab sweep report DIR [--baseline NAME]`, and the report `oomlab sweep` and `oomlab sweep merge` write
// after their run: DIR/plots/NAME.svg with each chart's Vega-Lite spec beside it (NAME.vl.json: the data
// inline, for a browser page), DIR/report.md and DIR/report.html. The numbers come from
// analyse/sweep_compare.ts (the comparison) and analyse/sweep_plots.ts (the plots' rows); render/ draws.
// Files are written whole (a temporary name, then renamed); plots of an earlier report that this one does
// not draw are removed, so DIR/plots holds exactly the report's charts.

import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, join } from "node:path";
import { compareResults, parseResults } from "../../analyse/sweep_compare.js";
import { sweepPlotData } from "../../analyse/sweep_plots.js";
import { sweepPlotSpecs } from "../../render/sweep_plots.js";
import { type ReportPlot, reportHtml, reportMarkdown } from "../../render/sweep_report.js";
import { renderSvg } from "../../render/vega_svg.js";
import { maxInputBytes, type ParsedArgs } from "../args.js";
import type { CliIo } from "../io.js";

const PLOTS = "plots";

/** Writes a file whole: to a temporary name, then renamed over the target (oomlab sweep writes its
 *  manifest and summary with it too). */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** What writeReport wrote. */
export interface ReportFiles {
  plots: string[];
  markdown: string;
  html: string;
}

/** Writes DIR's plots and reports from the text of its results.jsonl (see the header). */
export async function writeReport(
  dir: string,
  results: string,
  opts: { title: string; baseline?: string; warn?: (message: string) => void },
): Promise<ReportFiles> {
  const records = parseResults(results, join(dir, "results.jsonl"));
  const c = compareResults(records, { baseline: opts.baseline });
  const specs = sweepPlotSpecs(sweepPlotData(records, c));
  const plotDir = join(dir, PLOTS);
  mkdirSync(plotDir, { recursive: true });
  const plots: ReportPlot[] = [];
  const keep = new Set<string>();
  for (const p of specs) {
    const svg = await renderSvg(p.spec, opts.warn);
    writeAtomic(join(plotDir, `${p.name}.svg`), svg);
    writeAtomic(join(plotDir, `${p.name}.vl.json`), `${JSON.stringify(p.spec, null, 1)}\n`);
    keep.add(`${p.name}.svg`).add(`${p.name}.vl.json`);
    plots.push({ title: p.title, question: p.question, file: `${PLOTS}/${p.name}.svg`, svg });
  }
  for (const f of readdirSync(plotDir))
    if ((f.endsWith(".svg") || f.endsWith(".vl.json")) && !keep.has(f)) rmSync(join(plotDir, f));
  const markdown = join(dir, "report.md");
  const html = join(dir, "report.html");
  writeAtomic(markdown, reportMarkdown(opts.title, c, plots));
  writeAtomic(html, reportHtml(opts.title, c, plots));
  return { plots: plots.map((p) => join(dir, p.file)), markdown, html };
}

/** The report's title: the sweep's name from DIR/sweep.json, else the directory's name. */
export async function reportTitle(io: CliIo, dir: string, max: number): Promise<string> {
  const manifest = join(dir, "sweep.json");
  if (existsSync(manifest)) {
    try {
      const m = JSON.parse(await io.readFile(manifest, max)) as { spec?: { name?: unknown } };
      if (typeof m.spec?.name === "string") return `oomlab sweep ${m.spec.name}`;
    } catch {
      // not a manifest: the directory's name will do
    }
  }
  return `oomlab sweep ${basename(dir)}`;
}

/** The line the commands print about a report. */
export function reportLine(r: ReportFiles): string {
  return `report: ${r.html}, ${r.markdown}, ${r.plots.length} plot${r.plots.length === 1 ? "" : "s"}\n`;
}

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const max = maxInputBytes(args);
  const dir = args.positionals[0];
  const results = await io.readFile(join(dir, "results.jsonl"), max);
  const title = await reportTitle(io, dir, max);
  const r = await writeReport(dir, results, { title, baseline: args.options.baseline as string | undefined });
  io.out(reportLine(r));
}
