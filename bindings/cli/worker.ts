// A command on a worker thread, started by cli/process.ts: main() with the process's files and an io
// whose output goes to the main thread as messages, in order, as it is produced.

import { parentPort, workerData } from "node:worker_threads";
import { main } from "./main.js";
import { nodeIo } from "./io.js";
import type { WorkerMessage } from "./process.js";

const port = parentPort;
if (port) {
  // Output is gathered into messages of up to OUT_CHUNK characters (diagnose writes one piece per
  // report: thousands of small messages cost more than the text); anything else flushes it first, so
  // standard output and error keep their order, and so does a pending write at the end of a tick.
  const OUT_CHUNK = 1 << 16;
  let pending = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending) port.postMessage({ kind: "out", text: pending } satisfies WorkerMessage);
    pending = "";
  };
  const post = (m: WorkerMessage) => {
    flush();
    port.postMessage(m);
  };
  const out = (text: string) => {
    pending += text;
    if (pending.length >= OUT_CHUNK) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const io = await nodeIo();
  const readStdin = io.readStdin;
  const data = workerData as { argv: string[]; errIsTTY?: boolean };
  const status = await main(data.argv, {
    ...io,
    // this thread's stderr is a pipe to the main thread: the main thread says whether its own is a terminal
    errIsTTY: data.errIsTTY === true,
    out,
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
