// A sweep worker thread (cli/sweep_workers.ts starts them): runs one cell per message with the cell
// function of workerData.cellModule (a module URL exporting runCell; default sweep/default_cell.js)
// and answers with sweep/runner.ts's CellResponse. A `trace` cell's capture is loaded here once, the
// first time a cell names it (relative to workerData.baseDir, the spec's directory).

import { parentPort, workerData } from "node:worker_threads";
import { type CellRequest, serveCell } from "../sweep/protocol.js";
import type { RunCell } from "../sweep/spec.js";
import { provideTraces } from "./trace_load.js";
import { OomlabError } from "../errors.js";

const port = parentPort;
if (port) {
  const data = workerData as { cellModule?: string; baseDir?: string } | null;
  const mod = (await import(data?.cellModule ?? "../sweep/default_cell.js")) as { runCell: RunCell };
  // one cell at a time, in arrival order, even while a capture loads
  let queue = Promise.resolve();
  port.on("message", (req: CellRequest) => {
    queue = queue.then(async () => {
      try {
        await provideTraces([req.input], data?.baseDir ?? ".");
      } catch (e) {
        const code = e instanceof OomlabError ? e.code : undefined;
        port.postMessage({ id: req.id, ok: false, code, message: e instanceof Error ? e.message : String(e) });
        return;
      }
      port.postMessage(serveCell(mod.runCell, req));
    });
  });
}
