// `oomlab bench churn`: the churn benchmark (engine/churn.ts, or the reference model with
// --engine reference) with its checksum and timing.

import type { ParsedArgs } from "../args.js";
import type { CliIo } from "../io.js";
import { renderChurn } from "../../render/bench.js";

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const o = args.options;
  const opts = {
    seed: o.seed as number,
    log2Pages: o["log2-pages"] as number,
    ops: o.ops as number,
    chunk: o.chunk as number,
  };
  let result: { checksum: string; nsPerOp: number; opsPerSec: number };
  if (o.engine === "reference") {
    const { runRefChurn } = await import("../../../reference/churn.js");
    result = { impl: "reference", ...opts, ...runRefChurn(opts) } as typeof result;
  } else {
    const { runChurn } = await import("../../engine/churn.js");
    result = runChurn(opts);
  }
  io.out(o.json ? JSON.stringify(result) + "\n" : renderChurn(result));
}
