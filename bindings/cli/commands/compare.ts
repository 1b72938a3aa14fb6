// `oomlab compare DIR`: the cells of a sweep's results against a baseline cell (analyse/sweep_compare.ts),
// as text, markdown, HTML or JSON (render/sweep_compare.ts). DIR is a sweep's output directory (its
// results.jsonl is read) or a results.jsonl file.

import { join } from "node:path";
import { compareResults, parseResults, selectMetrics, withMetrics } from "../../analyse/sweep_compare.js";
import { formatCompareHtml, formatCompareMarkdown, formatCompareText } from "../../render/sweep_compare.js";
import { maxInputBytes, type ParsedArgs } from "../args.js";
import type { CliIo } from "../io.js";

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const o = args.options;
  const max = maxInputBytes(args);
  const dir = args.positionals[0];
  const path = io.isDirectory && (await io.isDirectory(dir)) ? join(dir, "results.jsonl") : dir;
  const records = parseResults(await io.readFile(path, max), path);
  let c = compareResults(records, { baseline: o.baseline as string | undefined });
  const wanted = o.metric as string[] | undefined;
  if (wanted?.length)
    c = withMetrics(
      c,
      selectMetrics(
        c.metrics.map((m) => m.name),
        wanted,
      ),
    );
  if (o.json) {
    io.out(`${JSON.stringify(c, null, 2)}\n`);
    return;
  }
  const format = (o.format as string | undefined) ?? "text";
  if (format === "md") io.out(formatCompareMarkdown(c));
  else if (format === "html") io.out(formatCompareHtml(c, `oomlab compare ${dir}`));
  else io.out(formatCompareText(c));
}
