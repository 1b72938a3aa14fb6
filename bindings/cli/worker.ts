// A command on a worker thread, started by cli/process.ts: main() with the process's files and an io
// whose output goes to the main thread as messages, in order, as it is produced.

import { parentPort, workerData } from "node:worker_threads";
import { main } from "./main.js";
import { nodeIo } from "./io.js";
import type { WorkerMessage } from "./process.js";

const port = parentPort;
if (port) {
  const post = (m: WorkerMessage) => port.postMessage(m);
  const io = await nodeIo();
  const readStdin = io.readStdin;
  const status = await main((workerData as { argv: string[] }).argv, {
    ...io,
    out: (text) => post({ kind: "out", text }),
    err: (text) => post({ kind: "err", text }),
    readStdin: readStdin
      ? (maxBytes) => {
          post({ kind: "stdin" });
          return readStdin(maxBytes);
        }
      : undefined,
  });
  post({ kind: "done", status });
  // End the thread even if standard input's stream still holds it open (a source read only up to the cap);
  // in a worker, process.exit() ends the thread, and the messages posted above are still delivered.
  process.exit();
}
