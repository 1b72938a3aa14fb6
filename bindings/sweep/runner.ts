// The sweep runner: a spec's tasks (cells x seeds, or one shard's share of them) run on a pool of
// workers, and their results come out as results lines in task order, whatever the number of workers
// and the order the workers finish in. A worker is anything that runs one cell at a time and answers
// with a promise: a Node worker_threads Worker (cli/sweep_workers.ts), a browser Web Worker
// (webWorkerFactory), or the cell function on this thread (no factory). The runner writes nothing: the
// caller gets each line (onLine, in order), each wall time (onTiming, in completion order: wall times
// never enter the results) and progress (onProgress).
//
// The pool is oomlab's own, about 60 lines: a shared queue of task ordinals, one loop per worker that
// takes the next ordinal when its worker is free, and a reorder buffer that releases lines in ordinal
// order. A pool library (tinypool, piscina) would serve Node only, and the browser needs the same
// runner over Web Workers.

import { OomlabError, type OomlabErrorCode } from "../errors.js";
import { resultLine } from "./merge.js";
import { type CellRequest, type CellResponse, serveCell } from "./protocol.js";
import { type Shard, shardOrdinals, WHOLE } from "./shard.js";
import {
  type CellInput,
  type CellResult,
  type ExpandedSweep,
  expandSweep,
  type RunCell,
  type SweepSpec,
  type SweepTask,
  taskAt,
  taskInput,
} from "./spec.js";

/** The metric a cell reports its simulated operations in (for ops/s in the progress line). */
export const OPS_METRIC = "ops";

export { type CellRequest, type CellResponse, serveCell };

/** A worker's answer for one cell: its result and the wall time it took (ms). */
export interface CellReply {
  result: CellResult;
  ms: number;
}

/** A worker: runs one cell at a time. */
export interface CellWorker {
  run(input: CellInput): Promise<CellReply>;
  terminate(): void;
}

/** Makes worker number k (0-based). */
export type CellWorkerFactory = (k: number) => CellWorker;

/** The error an error response stands for: an OomlabError with its code, or a plain Error. */
function errorOf(m: { code?: string; message: string }): Error {
  return m.code ? new OomlabError(m.code as OomlabErrorCode, m.message) : new Error(m.message);
}

/** A message channel to a worker that runs serveCell: Node's Worker and the browser's Worker both fit
 *  behind these three functions. */
export interface CellPort {
  postMessage(m: CellRequest): void;
  /** Registers the handlers for responses and for the worker's death (an uncaught error, an exit). */
  listen(onResponse: (m: CellResponse) => void, onError: (e: Error) => void): void;
  terminate(): void;
}

/** A CellWorker over a message port (one request in flight at a time). */
export function workerOverPort(port: CellPort): CellWorker {
  let pending: { id: number; resolve: (r: CellReply) => void; reject: (e: Error) => void } | null = null;
  let dead: Error | null = null;
  let nextId = 0;
  port.listen(
    (m) => {
      const p = pending;
      if (!p || m.id !== p.id) return;
      pending = null;
      if (m.ok) p.resolve({ result: m.result, ms: m.ms });
      else p.reject(errorOf(m));
    },
    (e) => {
      dead = e;
      pending?.reject(e);
      pending = null;
    },
  );
  return {
    run(input) {
      if (dead) return Promise.reject(dead);
      return new Promise((resolve, reject) => {
        pending = { id: nextId, resolve, reject };
        port.postMessage({ id: nextId++, input });
      });
    },
    terminate() {
      // a cell in flight is abandoned: its promise rejects, so no one waits for it
      dead ??= new Error("the sweep worker was terminated");
      pending?.reject(dead);
      pending = null;
      port.terminate();
    },
  };
}

/** The part of a browser Worker that webWorkerFactory uses. */
export interface WebWorkerLike {
  postMessage(m: unknown): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: { message?: string }) => void) | null;
  terminate(): void;
}

/** Workers in a browser: each a module Web Worker running scriptUrl, a script that answers every message
 *  with serveCell, e.g. `self.onmessage = (ev) => self.postMessage(serveCell(runCell, ev.data))`.
 *  (make is the Worker constructor, replaceable in tests.) */
export function webWorkerFactory(
  scriptUrl: string | URL,
  make: (url: string | URL) => WebWorkerLike = (url) => new Worker(url, { type: "module" }) as unknown as WebWorkerLike,
): CellWorkerFactory {
  return () => {
    const w = make(scriptUrl);
    return workerOverPort({
      postMessage: (m) => w.postMessage(m),
      listen(onResponse, onError) {
        w.onmessage = (ev) => onResponse(ev.data as CellResponse);
        w.onerror = (ev) => onError(new Error(`sweep worker: ${ev.message ?? "error"}`));
      },
      terminate: () => w.terminate(),
    });
  };
}

/** A worker that runs the cell function on this thread, yielding to the event loop between cells. */
export function inThreadWorker(runCell: RunCell): CellWorker {
  return {
    async run(input) {
      await new Promise((r) => setTimeout(r, 0));
      const r = serveCell(runCell, { id: 0, input });
      if (!r.ok) throw errorOf(r);
      return { result: r.result, ms: r.ms };
    },
    terminate() {},
  };
}

/** A task's wall time (timings.jsonl): not part of the results, which must not depend on the machine. */
export interface TimingRecord {
  cell: string;
  index: number;
  seedIndex: number;
  /** The worker that ran it. */
  worker: number;
  ms: number;
}

export interface SweepProgress {
  /** Tasks finished in this run (resumed ones not counted) and to do in this run. */
  done: number;
  total: number;
  /** Simulated operations finished (the cells' OPS_METRIC). */
  ops: number;
  elapsedMs: number;
}

export interface RunSweepOptions {
  /** The cell function, run on this thread when there is no workerFactory. */
  runCell?: RunCell;
  workerFactory?: CellWorkerFactory;
  /** Workers (default 1; at most one per task is started). */
  workers?: number;
  shard?: Shard;
  /** The shard's first `skip` tasks are done already (--resume). */
  skip?: number;
  /** Each results line (without newline), in task order; awaited before the next. */
  onLine(line: string, task: SweepTask): void | Promise<void>;
  onTiming?(t: TimingRecord): void;
  onProgress?(p: SweepProgress): void;
  /** The workloads' own check of a cell's input, run on every cell before anything runs. */
  checkCell?: (input: Omit<CellInput, "seed">) => void;
  signal?: AbortSignal;
}

export interface SweepRunSummary {
  /** Tasks run now, and the shard's tasks in all (resumed ones included). */
  ran: number;
  shardTasks: number;
  ops: number;
  elapsedMs: number;
}

/** Runs a spec's tasks (or a shard's) on the pool; resolves when every line has been handed to onLine.
 *  The first cell error stops the pool (its workers are terminated) and rejects with the error, named
 *  with its cell and seed. */
export async function runSweep(spec: SweepSpec | ExpandedSweep, opts: RunSweepOptions): Promise<SweepRunSummary> {
  const x = "cells" in spec ? spec : expandSweep(spec, opts.checkCell);
  const shard = opts.shard ?? WHOLE;
  const ordinals = shardOrdinals(shard, x.taskCount).slice(opts.skip ?? 0);
  const total = ordinals.length;
  const factory: CellWorkerFactory | null =
    opts.workerFactory ?? (opts.runCell ? () => inThreadWorker(opts.runCell as RunCell) : null);
  if (!factory) throw new OomlabError("OOMLAB_BAD_ARGUMENT", "runSweep needs runCell or workerFactory");
  const nWorkers = Math.max(1, Math.min(opts.workers ?? 1, total));
  const t0 = performance.now();
  let next = 0;
  let written = 0;
  let done = 0;
  let ops = 0;
  let failed: unknown = null;
  const ready = new Map<number, { line: string; task: SweepTask }>();
  let writing: Promise<void> = Promise.resolve();

  // Lines leave in order: the one at `written` as soon as it is ready, then any that waited for it.
  const release = async () => {
    while (ready.has(written)) {
      const r = ready.get(written) as { line: string; task: SweepTask };
      ready.delete(written);
      written++;
      await opts.onLine(r.line, r.task);
    }
  };

  const workers: CellWorker[] = [];
  const loop = async (k: number) => {
    const w = factory(k);
    workers.push(w);
    while (next < total && failed === null) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("aborted");
      const slot = next++;
      const task = taskAt(x, ordinals[slot]);
      let reply: CellReply;
      try {
        reply = await w.run(taskInput(task));
      } catch (e) {
        const what = `cell ${task.cell.index} (${task.cell.id}) seed ${task.seed}`;
        if (e instanceof OomlabError) throw new OomlabError(e.code, `sweep: ${what}: ${e.message}`);
        throw new Error(`sweep: ${what}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (failed !== null) return;
      const line = resultLine(task, reply.result);
      const o = reply.result.metrics[OPS_METRIC];
      if (typeof o === "number" && Number.isFinite(o)) ops += o;
      done++;
      opts.onTiming?.({
        cell: task.cell.id,
        index: task.cell.index,
        seedIndex: task.seedIndex,
        worker: k,
        ms: reply.ms,
      });
      ready.set(slot, { line, task });
      writing = writing.then(release);
      await writing;
      opts.onProgress?.({ done, total, ops, elapsedMs: performance.now() - t0 });
    }
  };
  try {
    await Promise.all(
      Array.from({ length: nWorkers }, (_, k) =>
        loop(k).catch((e) => {
          failed ??= e;
          for (const w of workers) w.terminate();
        }),
      ),
    );
    if (failed !== null) throw failed;
    await writing;
  } finally {
    for (const w of workers) w.terminate();
  }
  return { ran: done, shardTasks: shardOrdinals(shard, x.taskCount).length, ops, elapsedMs: performance.now() - t0 };
}
