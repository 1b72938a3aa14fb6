// The Sweep panel's run worker: a spec's text checked (by a cell worker, src/sweep_check.ts) and run as
// `oomlab sweep SPEC` runs it, by the library's runner (sweep/runner.ts runSweep) on a pool of cell workers
// (src/sweep_worker.ts, through webWorkerFactory, nested in this one), the results lines in task order:
// results.jsonl byte for byte the CLI's, and summary.csv (sweep/merge.ts summaryCsv). It runs here rather
// than on the page's thread, which then loads none of the library's code (the spec's schemas alone cost
// the page about 0.2 s to load) and never waits for it. One run at a time; "cancel" aborts it (its
// AbortSignal), terminating the cells in flight.
import {
  type CellWorker,
  type CellWorkerFactory,
  expandSweep,
  runSweep,
  summaryCsv,
  validateSweepSpec,
  webWorkerFactory,
} from "oomlab";
import type { CheckAnswer, RunEvent, RunRequest } from "./sweep_protocol.js";
import CellWorkerScript from "./sweep_worker.ts?worker&inline";

interface Scope {
  onmessage: ((e: MessageEvent<RunRequest>) => void) | null;
  postMessage(m: RunEvent): void;
}
const scope = self as unknown as Scope;
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

// a cell worker kept for checking specs (its engine is not needed for that)
let checker: Worker | null = null;
let nextCheck = 1;
function check(text: string): Promise<string | null> {
  checker ??= new CellWorkerScript();
  const w = checker;
  const id = nextCheck++;
  return new Promise((resolve) => {
    const on = (e: MessageEvent<CheckAnswer>) => {
      if (e.data?.kind !== "check" || e.data.id !== id) return;
      w.removeEventListener("message", on);
      resolve(e.data.error);
    };
    w.addEventListener("message", on);
    w.postMessage({ kind: "check", id, text });
  });
}

let busy = false;
let running: AbortController | null = null;

async function run(text: string, workers: number): Promise<void> {
  const problem = await check(text);
  if (problem !== null) {
    scope.postMessage({ kind: "failed", error: problem, cancelled: false, done: 0, tasks: 0 });
    return;
  }
  const x = expandSweep(validateSweepSpec(JSON.parse(text)));
  const controller = new AbortController();
  running = controller;
  scope.postMessage({ kind: "started", name: x.spec.name, cells: x.cells.length, seeds: x.seeds, tasks: x.taskCount });
  // the pool's workers, so that a cancel ends the cells in flight too
  const pool: CellWorker[] = [];
  const base = webWorkerFactory("sweep_worker", () => new CellWorkerScript() as never);
  const factory: CellWorkerFactory = (k) => {
    const w = base(k);
    pool.push(w);
    return w;
  };
  controller.signal.addEventListener("abort", () => {
    for (const w of pool) w.terminate();
  });
  const lines: string[] = [];
  try {
    const summary = await runSweep(x, {
      workerFactory: factory,
      workers,
      signal: controller.signal,
      onLine: (line) => {
        lines.push(`${line}\n`); // as the CLI appends it to results.jsonl
      },
      onProgress: (progress) => scope.postMessage({ kind: "progress", progress }),
    });
    const results = lines.join("");
    scope.postMessage({
      kind: "done",
      name: x.spec.name,
      results,
      csv: summaryCsv(x, results),
      ran: summary.ran,
      elapsedMs: summary.elapsedMs,
    });
  } catch (e) {
    const cancelled = controller.signal.aborted;
    scope.postMessage({ kind: "failed", error: message(e), cancelled, done: lines.length, tasks: x.taskCount });
  } finally {
    running = null;
  }
}

scope.onmessage = (e) => {
  const req = e.data;
  if (req.kind === "cancel") running?.abort(new Error("cancelled"));
  else if (!busy) {
    busy = true;
    void run(req.text, req.workers)
      .catch((err: unknown) =>
        scope.postMessage({ kind: "failed", error: message(err), cancelled: false, done: 0, tasks: 0 }),
      )
      .finally(() => {
        busy = false;
      });
  }
};
