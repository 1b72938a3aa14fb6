// The process entry's way of running main(): on a worker thread (cli/worker.ts), so that this thread stays
// free. A simulation computes synchronously (JavaScript and WebAssembly) and Node delivers SIGINT only when
// the event loop is free, so a command run here could not be interrupted. The worker posts its output as it
// produces it; this thread writes it. On SIGINT the worker is terminated (which interrupts running
// JavaScript and WebAssembly), what it wrote is flushed, a line on stderr says the output is incomplete,
// and the process exits 130. Standard input is passed to the worker only when a command asks for it.

import { Worker } from "node:worker_threads";

/** Exit status after SIGINT: 128 + SIGINT, as shells report a process the signal ended. */
export const INTERRUPTED_STATUS = 130;
/** Exit status when standard output closes early (`oomlab ... | head`): 128 + SIGPIPE, as for a process
 * SIGPIPE ends (Node ignores SIGPIPE, so writes fail with EPIPE instead). */
export const BROKEN_PIPE_STATUS = 141;
/** Exit status when the worker died without reporting one (out of memory, an uncaught error). */
const FAILURE_STATUS = 1;
/** What an interrupted command writes on stderr after its partial output. */
export const INTERRUPTED_MESSAGE = "oomlab: interrupted: output incomplete\n";
/** How long to wait for the worker to stop after SIGINT before exiting anyway (ms). */
const TERMINATE_GRACE_MS = 500;

/** What the worker posts to this thread, in the order it happens. */
export type WorkerMessage =
  | { kind: "out" | "err"; text: string }
  /** The command is about to read standard input. */
  | { kind: "stdin" }
  | { kind: "done"; status: number };

/** Runs the CLI on a worker thread; resolves with the exit status (or exits the process on SIGINT). */
export function runOnWorker(argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL("./worker.js", import.meta.url), {
      workerData: { argv, errIsTTY: process.stderr.isTTY === true },
      stdin: true,
    });
    let status: number | null = null;
    let stdinPiped = false;
    let interrupted = false;

    const stopStdin = () => {
      if (!stdinPiped) return;
      stdinPiped = false;
      process.stdin.unpipe();
      process.stdin.destroy();
    };
    const interrupt = () => {
      if (status !== null) return; // the command has finished: its output is complete
      if (interrupted) process.exit(INTERRUPTED_STATUS); // a second Ctrl-C does not wait
      interrupted = true;
      void worker.terminate();
      setTimeout(() => {
        process.stderr.write(INTERRUPTED_MESSAGE);
        process.exit(INTERRUPTED_STATUS);
      }, TERMINATE_GRACE_MS).unref();
    };
    process.on("SIGINT", interrupt);

    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      void worker.terminate();
      if (e.code !== "EPIPE") process.stderr.write(`oomlab: cannot write standard output: ${e.code ?? e.message}\n`);
      process.exit(e.code === "EPIPE" ? BROKEN_PIPE_STATUS : FAILURE_STATUS);
    });

    worker.on("message", (m: WorkerMessage) => {
      if (m.kind === "out") process.stdout.write(m.text);
      else if (m.kind === "err") process.stderr.write(m.text);
      else if (m.kind === "done") {
        status = m.status;
        stopStdin(); // e.g. the rest of /dev/zero after the input cap
      } else if (!stdinPiped && worker.stdin) {
        stdinPiped = true;
        process.stdin.pipe(worker.stdin);
      }
    });
    worker.on("error", (e) => {
      // Only what main() cannot catch reaches here, e.g. ERR_WORKER_OUT_OF_MEMORY.
      if (!interrupted) process.stderr.write(`oomlab: ${e.message}\n`);
      status ??= FAILURE_STATUS;
    });
    // Every message the worker posted has been delivered before "exit" (Node drains the port).
    worker.on("exit", () => {
      if (interrupted) {
        process.stderr.write(INTERRUPTED_MESSAGE);
        process.exit(INTERRUPTED_STATUS);
      }
      // The SIGINT handler stays: a signal from here to the process's end finds the status set and is ignored.
      stopStdin();
      resolve(status ?? FAILURE_STATUS);
    });
  });
}
