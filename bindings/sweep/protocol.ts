// What a sweep worker and the pool say to each other, and the worker's side of it (serveCell). Kept
// apart from the runner, with nothing but types from the rest of sweep/, so that a worker thread loads
// only this and its cell module (loading the spec's schemas would cost each worker about 0.1 s).

import { OomlabError } from "../errors.js";
import type { CellInput, CellResult, RunCell } from "./spec.js";

/** The message a worker receives: a cell to run. */
export interface CellRequest {
  id: number;
  input: CellInput;
}

/** The message a worker answers with. */
export type CellResponse =
  | { id: number; ok: true; result: CellResult; ms: number }
  | { id: number; ok: false; code?: string; message: string };

/** What runs inside a worker: one request in, one response out (errors become messages). */
export function serveCell(runCell: RunCell, req: CellRequest): CellResponse {
  const t0 = performance.now();
  try {
    const result = runCell(req.input);
    return { id: req.id, ok: true, result, ms: performance.now() - t0 };
  } catch (e) {
    const code = e instanceof OomlabError ? e.code : undefined;
    return { id: req.id, ok: false, code, message: e instanceof Error ? e.message : String(e) };
  }
}
