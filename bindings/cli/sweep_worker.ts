// A sweep worker thread (cli/sweep_workers.ts starts them): runs one cell per message with the cell
// function of workerData.cellModule (a module URL exporting runCell; default sweep/default_cell.js)
// and answers with sweep/runner.ts's CellResponse.

import { parentPort, workerData } from "node:worker_threads";
import { type CellRequest, serveCell } from "../sweep/protocol.js";
import type { RunCell } from "../sweep/spec.js";

const port = parentPort;
if (port) {
  const url = (workerData as { cellModule?: string } | null)?.cellModule;
  const mod = (await import(url ?? "../sweep/default_cell.js")) as { runCell: RunCell };
  port.on("message", (req: CellRequest) => port.postMessage(serveCell(mod.runCell, req)));
}
