// Typed errors. Every error oomlab raises is an OomlabError with a stable code; the CLI maps them to
// exit codes in one place (bindings/cli/main.ts).

export type OomlabErrorCode =
  | "OOMLAB_BAD_SPEC" // a machine description that cannot describe a machine
  | "OOMLAB_OVERLAPPING_ZONES"
  | "OOMLAB_TOO_BIG" // more page frames than the engine holds
  | "OOMLAB_BAD_ORDER"
  | "OOMLAB_DOUBLE_FREE"
  | "OOMLAB_NOT_BLOCK_HEAD" // free of a pfn that is inside a block, or not allocated
  | "OOMLAB_BAD_PFN"
  | "OOMLAB_BAD_ARGUMENT"
  | "OOMLAB_USAGE" // command-line usage
  | "OOMLAB_DISPOSED" // a call on a Machine after its dispose()
  | "OOMLAB_INPUT_TOO_LARGE" // an input the CLI reads is over its cap (--max-input-mb)
  | "OOMLAB_WASM" // the engine could not be loaded or trapped
  | "OOMLAB_INVARIANT"; // the debug invariant check found corrupt state

export class OomlabError extends Error {
  readonly code: OomlabErrorCode;
  constructor(code: OomlabErrorCode, message: string) {
    super(message);
    this.name = "OomlabError";
    this.code = code;
  }
}

/** Throws OOMLAB_BAD_SPEC (or code) unless cond holds. */
export function check(cond: unknown, message: string, code: OomlabErrorCode = "OOMLAB_BAD_SPEC"): asserts cond {
  if (!cond) throw new OomlabError(code, message);
}

export function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}
