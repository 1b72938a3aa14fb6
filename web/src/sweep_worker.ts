// A sweep cell worker of the Sweep panel (src/sweep.ts starts a pool of them through the library's runner,
// sweep/runner.ts runSweep with workerOverPort): it loads the engine once, then answers every cell request
// with serveCell and the cell function `oomlab sweep` runs (sweep/default_cell.ts), one cell at a time
// in arrival order, as the CLI's worker thread (cli/sweep_worker.ts) does. It also checks a spec's text
// (src/sweep_check.ts: the cell module's own checks, which need no engine) for the panel before a run.
import { init, serveCell } from "oomlab";
import { runCell } from "../../bindings/sweep/default_cell.js";
import type { CellRequest, CellResponse } from "../../bindings/sweep/protocol.js";
import { checkSpec } from "./sweep_check.js";
import type { CheckAnswer, CheckRequest } from "./sweep_protocol.js";

interface Scope {
  onmessage: ((e: MessageEvent<CellRequest | CheckRequest>) => void) | null;
  postMessage(m: CellResponse | CheckAnswer): void;
}
const scope = self as unknown as Scope;
let queue: Promise<unknown> = init();

scope.onmessage = (e) => {
  const req = e.data;
  if ("kind" in req) {
    scope.postMessage({ kind: "check", id: req.id, error: checkSpec(req.text) });
    return;
  }
  queue = queue.then(
    () => scope.postMessage(serveCell(runCell, req)),
    (err: unknown) => scope.postMessage({ id: req.id, ok: false, message: `engine: ${String(err)}` }),
  );
};
