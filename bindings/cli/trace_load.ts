// Loads an ftrace capture for the `trace` workload: the capture file (plain, .gz or .xz: cli/text_lines.ts)
// streamed through analyse/trace_capture.ts into compact typed arrays, and the before-* / after-* /proc
// files beside it (zoneinfo, buddyinfo, pagetypeinfo). Each capture is loaded once per process (or
// worker thread), keyed by its resolved path and the SHA-256 of its bytes, and provided to the cells
// under the name the spec gives it (sweep/trace_source.ts).

import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { OomlabError } from "../errors.js";
import type { TraceCapture } from "../include/trace_capture.js";
import { finishCapture, type ProcTexts, TraceCaptureBuilder } from "../analyse/trace_capture.js";
import { hasTraceCapture, provideTraceCapture } from "../sweep/trace_source.js";
import { fileLines } from "./text_lines.js";

/** /proc files read beside a capture, at most this large each. */
const MAX_PROC_BYTES = 16 << 20;

function procTexts(dir: string, prefix: "before-" | "after-"): ProcTexts | null {
  const out: ProcTexts = {};
  let any = false;
  for (const f of ["zoneinfo", "buddyinfo", "pagetypeinfo"] as const) {
    const path = join(dir, `${prefix}${f}`);
    if (!existsSync(path)) continue;
    if (statSync(path).size > MAX_PROC_BYTES)
      throw new OomlabError("OOMLAB_INPUT_TOO_LARGE", `${path} is over ${MAX_PROC_BYTES} bytes`);
    out[f] = readFileSync(path, "utf8");
    any = true;
  }
  return any ? out : null;
}

async function sha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** The file a spec's trace parameter names: relative to baseDir; a directory means its trace.txt.xz,
 *  trace.txt.gz or trace.txt. OOMLAB_USAGE naming the path when there is none. */
export function traceFile(name: string, baseDir: string): string {
  const p = isAbsolute(name) ? name : resolve(baseDir, name);
  if (existsSync(p) && statSync(p).isDirectory()) {
    for (const f of ["trace.txt.xz", "trace.txt.gz", "trace.txt"]) if (existsSync(join(p, f))) return join(p, f);
    throw new OomlabError("OOMLAB_USAGE", `trace ${name}: ${p} holds no trace.txt.xz, trace.txt.gz or trace.txt`);
  }
  if (!existsSync(p)) throw new OomlabError("OOMLAB_USAGE", `trace ${name}: cannot read ${p}: ENOENT`);
  return p;
}

const loaded = new Map<string, Promise<TraceCapture>>();

/** Loads the capture at path (any name; the /proc files are read from its directory); o.cache false
 *  reads it again even when this process already has it (benchmarks). */
export async function loadTraceCapture(
  name: string,
  path: string,
  o: { xzWorker?: boolean; cache?: boolean } = {},
): Promise<TraceCapture> {
  const digest = await sha256(path);
  const key = `${path}\0${digest}`;
  let p = o.cache === false ? undefined : loaded.get(key);
  if (!p) {
    p = (async () => {
      const b = new TraceCaptureBuilder();
      for await (const lines of fileLines(path, { xzWorker: o.xzWorker })) b.lines(lines);
      const dir = dirname(path);
      return finishCapture(name, b, procTexts(dir, "before-"), procTexts(dir, "after-"), digest);
    })();
    loaded.set(key, p);
  }
  const c = await p;
  return c.name === name ? c : { ...c, name };
}

/** Loads (once) and provides every capture the cell inputs name, relative to baseDir. */
export async function provideTraces(
  inputs: Iterable<{ workload: { name: string; params?: Record<string, unknown> } }>,
  baseDir: string,
  o: { xzWorker?: boolean } = {},
): Promise<void> {
  for (const input of inputs) {
    if (input.workload.name !== "trace") continue;
    const name = input.workload.params?.trace;
    if (typeof name !== "string" || hasTraceCapture(name)) continue;
    provideTraceCapture(name, await loadTraceCapture(name, traceFile(name, baseDir), o));
  }
}
