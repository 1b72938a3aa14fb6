// `oomlab sweep SPEC.json` and `oomlab sweep merge DIR... --out DIR`: the file side of a sweep
// (sweep/runner.ts runs it, sweep/merge.ts says what the files hold). A run's directory:
//   sweep.json     the manifest: the validated spec and the shard (written first, by rename)
//   results.jsonl  one line per task, in task order, appended one whole line per write
//   timings.jsonl  one line per task with its wall time and worker, in completion order
//   summary.csv    results.jsonl as a table, written at the end (by rename)
//   plots/, report.md, report.html   the plots and the report (commands/sweep_report.ts), written at the
//                  end of a whole run or a merge (a shard's cells lack the other shards' seeds)
// Nothing is ever half-written in place: an interrupted run leaves whole lines (and at worst one
// truncated last line, which --resume drops with a warning) and the previous summary or none.

import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, truncateSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import { OomlabError } from "../../errors.js";
import {
  manifestText,
  mergeResults,
  parseManifest,
  readExisting,
  summaryCsv,
  type SweepManifest,
} from "../../sweep/merge.js";
import { runSweep, type SweepProgress } from "../../sweep/runner.js";
import { parseShard, type Shard, shardText, WHOLE } from "../../sweep/shard.js";
import { type ExpandedSweep, expandSweep, validateSweepSpec } from "../../sweep/spec.js";
import { maxInputBytes, type ParsedArgs } from "../args.js";
import { readJson, type CliIo } from "../io.js";
import { nodeWorkerFactory } from "../sweep_workers.js";
import { traceFile } from "../trace_load.js";
import { reportLine, writeAtomic, writeReport } from "./sweep_report.js";

const RESULTS = "results.jsonl";
const TIMINGS = "timings.jsonl";
const SUMMARY = "summary.csv";
const MANIFEST = "sweep.json";

function usage(message: string): OomlabError {
  return new OomlabError("OOMLAB_USAGE", message);
}

/** A file's text through io (capped), or null when it does not exist. */
async function readIfExists(io: CliIo, path: string, max: number): Promise<string | null> {
  return existsSync(path) ? io.readFile(path, max) : null;
}

/** The progress line: tasks done/total, simulated ops/s, ETA. */
function progressLine(p: SweepProgress): string {
  const width = 24;
  const filled = p.total ? Math.round((p.done / p.total) * width) : width;
  const s = p.elapsedMs / 1000;
  const rate = s > 0 ? p.ops / s : 0;
  const eta = p.done > 0 ? Math.round(((p.total - p.done) * s) / p.done) : null;
  const mmss = (t: number) => `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`;
  const opsText = rate >= 1e6 ? `${(rate / 1e6).toFixed(1)}M` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)}k` : `${rate}`;
  return (
    `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total} tasks  ` +
    `${opsText} ops/s  ETA ${eta === null ? "?" : mmss(eta)}\x1b[K`
  );
}

/** Loads, validates and expands a spec file; a workload the cell module does not know is refused here. */
async function loadSweep(io: CliIo, path: string, max: number): Promise<ExpandedSweep> {
  const spec = validateSweepSpec(await readJson(io, path, path, max));
  const { WORKLOAD_NAMES, checkCell } = await import("../../sweep/default_cell.js");
  return expandSweep(spec, (input) => {
    if (!WORKLOAD_NAMES.includes(input.workload.name))
      throw new OomlabError(
        "OOMLAB_BAD_SPEC",
        `workload.name ${JSON.stringify(input.workload.name)} is not one of ${WORKLOAD_NAMES.join(", ")}`,
      );
    checkCell(input); // the placement and caller policies against the workload (docs/policies.md)
  });
}

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const o = args.options;
  const max = maxInputBytes(args);
  const specPath = args.positionals[0];
  const x = await loadSweep(io, specPath, max);
  // a trace the spec names must exist before any worker starts (the workers load it, once each)
  for (const c of x.cells) {
    const t = c.input.workload.name === "trace" ? c.input.workload.params.trace : undefined;
    if (typeof t === "string") traceFile(t, dirname(specPath));
  }
  const shard: Shard = o.shard === undefined ? WHOLE : parseShard(o.shard as string);
  const suffix = shard.count > 1 ? `.shard-${shard.index}-of-${shard.count}` : "";
  const dir = (o.out as string | undefined) ?? join("sweep-out", `${x.spec.name.replace(/[^\w.+-]/g, "_")}${suffix}`);
  const workers = (o.workers as number | undefined) ?? availableParallelism();
  mkdirSync(dir, { recursive: true });
  const resultsPath = join(dir, RESULTS);
  const timingsPath = join(dir, TIMINGS);
  const manifest = manifestText(x, shard);

  let skip = 0;
  const existing = await readIfExists(io, resultsPath, max);
  if (existing && !o.resume) throw usage(`${resultsPath} exists: --resume continues that run, or choose another --out`);
  if (existing !== null && o.resume) {
    const old = await readIfExists(io, join(dir, MANIFEST), max);
    if (old === null) throw usage(`${dir} has ${RESULTS} but no ${MANIFEST}: not a sweep directory`);
    const m: SweepManifest = parseManifest(old, join(dir, MANIFEST));
    if (JSON.stringify(m.spec) !== JSON.stringify(x.spec))
      throw usage(`--resume: ${dir} holds a run of another spec (${MANIFEST} differs from ${specPath})`);
    if (m.shard !== shardText(shard)) throw usage(`--resume: ${dir} holds shard ${m.shard}, not ${shardText(shard)}`);
    const kept = readExisting(x, shard, existing, resultsPath);
    if (kept.truncated !== null) {
      io.err(`oomlab: ${resultsPath}: dropped a truncated last line (${kept.truncated.length} characters)\n`);
      truncateSync(resultsPath, Buffer.byteLength(kept.text));
    }
    const timings = await readIfExists(io, timingsPath, max);
    if (timings && !timings.endsWith("\n"))
      truncateSync(timingsPath, Buffer.byteLength(timings.slice(0, timings.lastIndexOf("\n") + 1)));
    skip = kept.done;
  }
  writeAtomic(join(dir, MANIFEST), manifest);

  const showProgress = io.errIsTTY === true && !o.quiet;
  let lastDraw = 0;
  const fd = openSync(resultsPath, "a");
  let summary: Awaited<ReturnType<typeof runSweep>>;
  try {
    summary = await runSweep(x, {
      workerFactory: nodeWorkerFactory(undefined, dirname(specPath)),
      workers,
      shard,
      skip,
      onLine: (line) => {
        writeSync(fd, `${line}\n`); // one whole line per write: appended, never rewritten
      },
      onTiming: (t) => appendFileSync(timingsPath, `${JSON.stringify(t)}\n`),
      onProgress: showProgress
        ? (p) => {
            const now = performance.now();
            if (now - lastDraw < 100 && p.done < p.total) return;
            lastDraw = now;
            io.err(progressLine(p));
          }
        : undefined,
    });
  } finally {
    closeSync(fd);
    if (showProgress) io.err("\r\x1b[K");
  }
  const results = await io.readFile(resultsPath, max);
  writeAtomic(join(dir, SUMMARY), summaryCsv(x, results));
  const used = Math.min(workers, Math.max(1, summary.ran));
  const what = shard.count > 1 ? `shard ${shardText(shard)}: ` : "";
  io.out(
    `sweep ${x.spec.name}: ${what}${summary.shardTasks} tasks (${summary.ran} run now, ${skip} resumed) of ` +
      `${x.cells.length} cells x ${x.seeds} seeds in ${(summary.elapsedMs / 1000).toFixed(1)} s on ` +
      `${used} worker${used === 1 ? "" : "s"}: ${join(dir, RESULTS)}, ${join(dir, SUMMARY)}\n`,
  );
  if (shard.count === 1 && results.length)
    io.out(reportLine(await writeReport(dir, results, { title: `oomlab sweep ${x.spec.name}` })));
}

export async function runMerge(args: ParsedArgs, io: CliIo): Promise<void> {
  const out = args.options.out as string | undefined;
  if (!out) throw usage("'sweep merge' needs --out DIR (see oomlab sweep merge --help)");
  const max = maxInputBytes(args);
  const dirs = args.positionals;
  let first: { dir: string; m: SweepManifest } | null = null;
  const inputs: { name: string; text: string }[] = [];
  const timings: string[] = [];
  for (const dir of dirs) {
    const mPath = join(dir, MANIFEST);
    const text = await readIfExists(io, mPath, max);
    if (text === null) throw usage(`${dir}: no ${MANIFEST} (not the output directory of oomlab sweep)`);
    const m = parseManifest(text, mPath);
    if (first && JSON.stringify(first.m.spec) !== JSON.stringify(m.spec))
      throw usage(`${dir} holds a run of another spec than ${first.dir} (their ${MANIFEST} differ)`);
    first ??= { dir, m };
    inputs.push({ name: join(dir, RESULTS), text: (await readIfExists(io, join(dir, RESULTS), max)) ?? "" });
    const t = await readIfExists(io, join(dir, TIMINGS), max);
    if (t) timings.push(...t.split("\n").filter((l) => l.endsWith("}")));
  }
  if (!first) throw usage("'sweep merge' needs at least one DIR");
  const x = expandSweep(validateSweepSpec(first.m.spec));
  const merged = mergeResults(x, inputs);
  mkdirSync(out, { recursive: true });
  writeAtomic(join(out, MANIFEST), manifestText(x, WHOLE));
  writeAtomic(join(out, RESULTS), merged);
  // wall times in task order (they differ from run to run anyway; the order makes the file easy to read)
  const key = (l: string) => {
    const r = JSON.parse(l) as { index: number; seedIndex: number };
    return r.index * x.seeds + r.seedIndex;
  };
  writeAtomic(
    join(out, TIMINGS),
    timings
      .sort((a, b) => key(a) - key(b))
      .map((l) => `${l}\n`)
      .join(""),
  );
  writeAtomic(join(out, SUMMARY), summaryCsv(x, merged));
  io.out(
    `sweep ${x.spec.name}: merged ${dirs.length} directories (${dirs.map((d) => basename(d)).join(", ")}), ` +
      `${x.taskCount} tasks: ${join(out, RESULTS)}, ${join(out, SUMMARY)}\n`,
  );
  io.out(reportLine(await writeReport(out, merged, { title: `oomlab sweep ${x.spec.name}` })));
}
