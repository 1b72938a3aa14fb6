// `oomlab lab predict RUNDIR` and `oomlab lab compare RUNDIR...`: a lab run folder's files read here
// (the run's inputs for predict, and its mid-*, after-*, *-vmstat and result.json for compare), the work
// in analyse/lab_predict.ts and analyse/lab_compare.ts, the text in render/lab.ts. A missing or
// unreadable file is an input error naming it (exit 2).

import { join } from "node:path";
import { finishCapture, type ProcTexts, TraceCaptureBuilder } from "../../analyse/trace_capture.js";
import { compareLab, type LabComparison, labReal } from "../../analyse/lab_compare.js";
import { labEra, type LabPrediction, predictLab } from "../../analyse/lab_predict.js";
import { OomlabError } from "../../errors.js";
import type { TraceCapture } from "../../include/trace_capture.js";
import { renderLabComparison, renderLabPrediction } from "../../render/lab.js";
import { maxInputBytes, type ParsedArgs } from "../args.js";
import { printable, type CliIo } from "../io.js";

/** The trace file of a run folder. */
export const LAB_TRACE_FILE = "trace.txt.xz";

/** An OomlabError whose message starts with a file name of the run, with the run's folder put before it. */
function inRun(dir: string, e: unknown): unknown {
  if (!(e instanceof OomlabError) || e.code !== "OOMLAB_BAD_ARGUMENT") return e;
  return new OomlabError(e.code, join(dir, e.message));
}

async function need(io: CliIo, dir: string, file: string, max: number): Promise<string> {
  return io.readFile(join(dir, file), max);
}

async function optional(io: CliIo, dir: string, file: string, max: number): Promise<string | undefined> {
  try {
    return await io.readFile(join(dir, file), max);
  } catch (e) {
    if (e instanceof OomlabError && e.code === "OOMLAB_USAGE" && /ENOENT/.test(e.message)) return undefined;
    throw e;
  }
}

async function* textLines(io: CliIo, path: string, max: number): AsyncGenerator<string[]> {
  yield (await io.readFile(path, max)).split("\n");
}

/** The run's capture with its before-* files (after-* is not read: it is what the probe gives). */
async function readCapture(io: CliIo, dir: string, max: number): Promise<TraceCapture> {
  const before: ProcTexts = {
    zoneinfo: await need(io, dir, "before-zoneinfo", max),
    buddyinfo: await need(io, dir, "before-buddyinfo", max),
    pagetypeinfo: await optional(io, dir, "before-pagetypeinfo", max),
  };
  const path = join(dir, LAB_TRACE_FILE);
  const b = new TraceCaptureBuilder();
  try {
    for await (const lines of io.readLines ? io.readLines(path) : textLines(io, path, max)) b.lines(lines);
  } catch (e) {
    if (e instanceof OomlabError) throw e;
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new OomlabError("OOMLAB_USAGE", `cannot read ${path}: ${why}`);
  }
  try {
    return finishCapture(path, b, before, null, null);
  } catch (e) {
    throw inRun(dir, e);
  }
}

async function predictRun(args: ParsedArgs, io: CliIo, dir: string): Promise<LabPrediction> {
  const max = maxInputBytes(args);
  const era = args.options.era === undefined ? undefined : labEra(args.options.era as string);
  const capture = await readCapture(io, dir, max);
  for (const w of capture.warnings) io.err(printable(`oomlab: ${w.file}:${w.line}: ${w.message}\n`));
  const probe = await need(io, dir, "probe.json", max);
  const workload = await optional(io, dir, "workload.json", max);
  try {
    return predictLab({ run: dir, capture, probe, workload }, { era, pcp: args.options.pcp !== "off" });
  } catch (e) {
    throw inRun(dir, e);
  }
}

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const p = await predictRun(args, io, args.positionals[0]);
  io.out(args.options.json ? `${JSON.stringify(p)}\n` : renderLabPrediction(p));
}

export async function runCompare(args: ParsedArgs, io: CliIo): Promise<void> {
  const max = maxInputBytes(args);
  const out: LabComparison[] = [];
  if (args.options.era !== undefined) labEra(args.options.era as string);
  for (const dir of args.positionals) {
    const p = await predictRun(args, io, dir);
    const texts = {
      midBuddyinfo: await need(io, dir, "mid-buddyinfo", max),
      afterBuddyinfo: await need(io, dir, "after-buddyinfo", max),
      beforeVmstat: await optional(io, dir, "before-vmstat", max),
      midVmstat: await optional(io, dir, "mid-vmstat", max),
      afterVmstat: await optional(io, dir, "after-vmstat", max),
      result: await need(io, dir, "result.json", max),
    };
    try {
      out.push(compareLab(p, labReal(texts)));
    } catch (e) {
      throw inRun(dir, e);
    }
  }
  io.out(args.options.json ? `${JSON.stringify(out)}\n` : renderLabComparison(out));
}
