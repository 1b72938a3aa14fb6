// Where `trace` cells find their capture: a capture is loaded once per worker (or process) by whoever can
// read files (cli/trace_load.ts; a browser would build one from bytes) and handed over here under the name
// the spec gives it (its path as written in the spec). Cells then take it by that name, so a cell's
// input stays a few hundred bytes however large the capture. Pure.

import { OomlabError } from "../errors.js";
import type { TraceCapture } from "../include/trace_capture.js";

const captures = new Map<string, TraceCapture>();

/** Makes a capture available to cells under name (replacing any capture of that name). */
export function provideTraceCapture(name: string, capture: TraceCapture): void {
  captures.set(name, capture);
}

/** Whether a capture of that name has been provided. */
export function hasTraceCapture(name: string): boolean {
  return captures.has(name);
}

/** The capture provided under name; OOMLAB_BAD_ARGUMENT when none was. */
export function traceCapture(name: string): TraceCapture {
  const c = captures.get(name);
  if (!c)
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `trace ${JSON.stringify(name)} was not loaded: the runner loads each capture a spec names ` +
        "before its cells run (provideTraceCapture)",
    );
  return c;
}

/** Forgets every capture (tests). */
export function clearTraceCaptures(): void {
  captures.clear();
}
