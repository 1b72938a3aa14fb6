// Sweep workers on Node's worker_threads: a CellWorkerFactory for sweep/runner.ts runSweep. Each
// worker is a thread running cli/sweep_worker.ts with its own engine instances.

import { Worker } from "node:worker_threads";
import { type CellResponse, type CellWorkerFactory, workerOverPort } from "../sweep/runner.js";

/** Workers that run the cell function of cellModule (a module URL; default sweep/default_cell.js);
 *  a `trace` cell's capture path is read relative to baseDir (the spec's directory). */
export function nodeWorkerFactory(cellModule?: string, baseDir?: string): CellWorkerFactory {
  return (k) => {
    const w = new Worker(new URL("./sweep_worker.js", import.meta.url), {
      workerData: { cellModule, baseDir },
      name: `oomlab-sweep-${k}`,
    });
    let ended = false;
    return workerOverPort({
      postMessage: (m) => w.postMessage(m),
      listen(onResponse, onError) {
        w.on("message", (m: CellResponse) => onResponse(m));
        w.on("error", (e) => onError(e));
        w.on("exit", (code) => {
          if (!ended) onError(new Error(`sweep worker ${k} exited (status ${code}) before finishing its cell`));
        });
      },
      terminate() {
        ended = true;
        void w.terminate();
      },
    });
  };
}
