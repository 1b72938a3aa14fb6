// The runner and the files' text: results in task order whatever the workers and their finishing order,
// shards merged back to the whole, --resume's reading of a truncated file, summary.csv, the message
// protocol of port workers. The cells are test/sweep/fake_cell.ts's; workers are simulated on this
// thread with random delays (test/sweep/threads.test.ts runs real worker_threads).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OomlabError } from "../../bindings/errors.js";
import { checkLine, mergeResults, readExisting, resultLine, summaryCsv } from "../../bindings/sweep/merge.js";
import {
  type CellPort,
  type CellRequest,
  type CellResponse,
  type CellWorker,
  runSweep,
  serveCell,
  type WebWorkerLike,
  webWorkerFactory,
  workerOverPort,
} from "../../bindings/sweep/runner.js";
import { parseShard, shardOrdinals } from "../../bindings/sweep/shard.js";
import { type ExpandedSweep, expandSweep, taskAt, validateSweepSpec } from "../../bindings/sweep/spec.js";
import { xorshift32 } from "../../bindings/engine/churn.js";
import { fakeCell } from "./fake_cell.js";

const SPEC = validateSweepSpec({
  format: "oomlab-sweep/1",
  name: "fake",
  machine: { era: "6.18", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096 }] }] },
  workload: { name: "fake", params: { ops: 250 } },
  grid: [
    { path: "sysctl.min_free_kbytes", values: [128, 512, 2048] },
    {
      zip: [
        { path: "thp.defrag", values: ["never", "always"] },
        { path: "workload.params.k", values: [1, 2] },
      ],
    },
  ],
  seeds: 3,
});
const X = expandSweep(SPEC);

/** Workers on this thread that finish after a random delay (seeded), so completion order is scrambled. */
function delayedWorkers(seed: number, log?: string[]) {
  return (k: number): CellWorker => {
    const rnd = xorshift32(seed + k);
    return {
      run: (input) =>
        new Promise((resolve, reject) =>
          setTimeout(() => {
            log?.push(`w${k}`);
            const r = serveCell(fakeCell, { id: 0, input });
            if (r.ok) resolve({ result: r.result, ms: r.ms });
            else reject(new OomlabError("OOMLAB_BAD_SPEC", r.message));
          }, rnd() % 5),
        ),
      terminate() {
        log?.push(`t${k}`);
      },
    };
  };
}

async function run(x: ExpandedSweep, workers: number, seed = 1, shard = "0/1", skip = 0): Promise<string> {
  let out = "";
  await runSweep(x, {
    workerFactory: delayedWorkers(seed),
    workers,
    shard: parseShard(shard),
    skip,
    onLine: (l) => {
      out += `${l}\n`;
    },
  });
  return out;
}

describe("runSweep", () => {
  it("gives the same bytes with 1, 2 and 3 workers, however they finish, and on this thread", async () => {
    const one = await run(X, 1);
    expect(one.split("\n").length - 1).toBe(18); // 3 x 2 cells x 3 seeds
    for (const [w, seed] of [
      [2, 1],
      [2, 99],
      [3, 7],
    ])
      expect(await run(X, w, seed)).toBe(one);
    const inThread: string[] = [];
    await runSweep(SPEC, { runCell: fakeCell, onLine: (l) => void inThread.push(`${l}\n`) });
    expect(inThread.join("")).toBe(one);
    // lines in task order: line t is task t
    one
      .trim()
      .split("\n")
      .forEach((l, t) => {
        checkLine(l, taskAt(X, t), `line ${t + 1}`);
      });
  });

  it("writes each line as documented: keys in order, metrics sorted, NaN as null", async () => {
    const t = taskAt(X, 4); // cell 1 (index 4 / 3), seed index 1
    const line = resultLine(t, fakeCell({ ...t.cell.input, seed: t.seed }));
    const r = JSON.parse(line);
    expect(Object.keys(r)).toEqual(["cell", "index", "seedIndex", "seed", "params", "metrics", "series"]);
    expect(r.cell).toBe("sysctl.min_free_kbytes=128,thp.defrag=always,workload.params.k=2");
    expect([r.index, r.seedIndex]).toEqual([1, 1]);
    expect(Object.keys(r.metrics)).toEqual(["byKey", "ops", "perOrder", "ratio", "undefinedRatio", "zeta"]);
    expect(Object.keys(r.metrics.byKey)).toEqual(["2", "10", "a", "b"]);
    expect(r.metrics.undefinedRatio).toBeNull();
    expect(line).toContain('"undefinedRatio":null');
  });

  it("writes the pageblock map last, checks its characters, and reads it back", () => {
    const t = taskAt(X, 4);
    const line = resultLine(t, { metrics: { n: 1 }, series: { ops: [0] }, pageblocks: "MmU.X-#" });
    expect(Object.keys(JSON.parse(line))).toEqual([
      "cell",
      "index",
      "seedIndex",
      "seed",
      "params",
      "metrics",
      "series",
      "pageblocks",
    ]);
    expect(line.endsWith(',"pageblocks":"MmU.X-#"}')).toBe(true);
    expect(checkLine(line, t, "line").pageblocks).toBe("MmU.X-#");
    expect(() => resultLine(t, { metrics: {}, pageblocks: "M<" })).toThrow(/pageblocks is not a pageblock map/);
  });

  it("shards: the shares are disjoint, cover every task, and merge to the whole run's bytes", async () => {
    const whole = await run(X, 2);
    for (const n of [2, 3, 5, 18, 40]) {
      const parts = [];
      for (let i = 0; i < n; i++) parts.push({ name: `s${i}`, text: await run(X, 2, i + 3, `${i}/${n}`) });
      const counts = parts.map((p) => p.text.split("\n").length - 1);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(18);
      // shard i of n holds ordinals i, i + n, ...: ceil((18 - i) / n) tasks
      expect(counts).toEqual(counts.map((_, i) => Math.max(0, Math.ceil((18 - i) / n))));
      expect(mergeResults(X, parts.reverse())).toBe(whole);
    }
    expect(shardOrdinals(parseShard("1/4"), 10)).toEqual([1, 5, 9]);
  });

  it("merge refuses a missing shard, a truncated file, a line of another spec and conflicting lines", async () => {
    const a = await run(X, 1, 1, "0/2");
    const b = await run(X, 1, 1, "1/2");
    expect(() => mergeResults(X, [{ name: "a", text: a }])).toThrow(/lack 9 of 18 tasks/);
    expect(() => mergeResults(X, [{ name: "a", text: a.slice(0, -5) }])).toThrow(/a: its last line is incomplete/);
    const other = expandSweep(validateSweepSpec({ ...SPEC, seed: 2 }));
    expect(() => mergeResults(other, [{ name: "a", text: a }])).toThrow(/a line 1: not as this sweep writes it/);
    const forged = b.replace(/"zeta":\d+/, '"zeta":-1');
    expect(() =>
      mergeResults(X, [
        { name: "a", text: a },
        { name: "b", text: b },
        { name: "c", text: forged },
      ]),
    ).toThrow(/c line 1: cell 0 seed index 1 differs from the same task in b line 1/);
    // the same line twice is harmless
    expect(
      mergeResults(X, [
        { name: "a", text: a },
        { name: "b", text: b },
        { name: "b2", text: b },
      ]),
    ).toBe(await run(X, 1));
  });

  it("resume: a truncated last line is dropped, the rest kept, and the remaining tasks complete the file", async () => {
    const whole = await run(X, 2);
    const cut = whole.indexOf("\n", whole.indexOf("\n") + 1) + 1 + 40; // two lines and 40 characters
    const kept = readExisting(X, parseShard("0/1"), whole.slice(0, cut), "r");
    expect(kept.done).toBe(2);
    expect(kept.truncated?.length).toBe(40);
    const rest = await run(X, 2, 5, "0/1", kept.done);
    expect(kept.text + rest).toBe(whole);
    // a shard resumes too: its own ordinals
    const s1 = await run(X, 1, 1, "1/3");
    const k1 = readExisting(X, parseShard("1/3"), s1.split("\n").slice(0, 3).join("\n") + "\n", "r");
    expect(k1.done).toBe(3);
    expect(k1.text + (await run(X, 2, 1, "1/3", 3))).toBe(s1);
    // a complete line that is not the next task is an error, not a truncation
    const lines = whole.split("\n");
    expect(() => readExisting(X, parseShard("0/1"), `${lines[1]}\n`, "r")).toThrow(
      /r line 1: holds cell .* seed index 1; this sweep's task 0 there is cell .* seed index 0/,
    );
    expect(() => readExisting(X, parseShard("0/1"), "{not json\n", "r")).toThrow(/r line 1: not JSON/);
  });

  it("the first cell error stops the pool, names the cell and terminates every worker", async () => {
    const bad = expandSweep(
      validateSweepSpec({ ...SPEC, grid: [{ path: "workload.params.fail", values: [false, 0, true, 1] }] }),
    );
    const log: string[] = [];
    const lines: string[] = [];
    const p = runSweep(bad, { workerFactory: delayedWorkers(3, log), workers: 2, onLine: (l) => void lines.push(l) });
    await expect(p).rejects.toThrow(
      /^sweep: cell 2 \(workload\.params\.fail=true\) seed \d+: workload\.params\.fail is set$/,
    );
    await p.catch((e) => expect((e as OomlabError).code).toBe("OOMLAB_BAD_SPEC"));
    expect(log).toContain("t0");
    expect(log).toContain("t1");
    expect(lines.length).toBeLessThanOrEqual(6); // cells 0 and 1, 3 seeds each, at most
  });

  it("progress counts tasks and the cells' ops; timings carry the worker and never enter the results", async () => {
    const seen: { done: number; ops: number }[] = [];
    const workersSeen = new Set<number>();
    const s = await runSweep(X, {
      workerFactory: delayedWorkers(1),
      workers: 2,
      onLine: () => {},
      onProgress: (p) => seen.push({ done: p.done, ops: p.ops }),
      onTiming: (t) => workersSeen.add(t.worker),
    });
    expect(seen.at(-1)).toEqual({ done: 18, ops: 18 * 250 });
    expect(s.ran).toBe(18);
    expect(s.ops).toBe(4500);
    expect([...workersSeen].sort()).toEqual([0, 1]);
  });

  it("property: any worker count and any shard split merges to the 1-worker bytes", async () => {
    const whole = await run(X, 1);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 }), async (w, n) => {
        const parts = [];
        for (let i = 0; i < n; i++) parts.push({ name: `${i}`, text: await run(X, w, w * 31 + i, `${i}/${n}`) });
        expect(mergeResults(X, parts)).toBe(whole);
      }),
      { numRuns: 15 },
    );
  });
});

describe("workerOverPort", () => {
  it("sends a request and resolves with its response; an error response rejects with its code", async () => {
    const sent: CellRequest[] = [];
    let reply: (m: CellResponse) => void = () => {};
    let die: (e: Error) => void = () => {};
    const port: CellPort = {
      postMessage: (m) => sent.push(m),
      listen: (r, e) => {
        reply = r;
        die = e;
      },
      terminate: () => {},
    };
    const w = workerOverPort(port);
    const input = { ...taskAt(X, 0).cell.input, seed: 5 };
    const p1 = w.run(input);
    expect(sent).toEqual([{ id: 0, input }]);
    reply({ id: 0, ok: true, result: { metrics: { a: 1 } }, ms: 2 });
    expect(await p1).toEqual({ result: { metrics: { a: 1 } }, ms: 2 });
    const p2 = w.run(input);
    reply({ id: 1, ok: false, code: "OOMLAB_BAD_SPEC", message: "no" });
    await expect(p2).rejects.toMatchObject({ code: "OOMLAB_BAD_SPEC", message: "no" });
    const p3 = w.run(input);
    die(new Error("worker died"));
    await expect(p3).rejects.toThrow("worker died");
    await expect(w.run(input)).rejects.toThrow("worker died");
    // terminating a worker with a cell in flight rejects that cell (the pool never waits on a dead worker)
    const w2 = workerOverPort({ ...port, listen: () => {} });
    const p4 = w2.run(input);
    w2.terminate();
    await expect(p4).rejects.toThrow("the sweep worker was terminated");
  });
});

describe("webWorkerFactory", () => {
  it("runs a sweep over Web-Worker-shaped workers (messages in, events out) to the same bytes", async () => {
    const urls: string[] = [];
    // a stand-in for `new Worker(url, { type: "module" })` whose script is serveCell over fakeCell
    const make = (url: string | URL): WebWorkerLike => {
      urls.push(String(url));
      const w: WebWorkerLike = {
        onmessage: null,
        onerror: null,
        postMessage: (m) => setTimeout(() => w.onmessage?.({ data: serveCell(fakeCell, m as CellRequest) }), 1),
        terminate: () => {},
      };
      return w;
    };
    const lines: string[] = [];
    await runSweep(X, {
      workerFactory: webWorkerFactory("cells.js", make),
      workers: 2,
      onLine: (l) => void lines.push(`${l}\n`),
    });
    expect(lines.join("")).toBe(await run(X, 1));
    expect(urls).toEqual(["cells.js", "cells.js"]);
  });
});

describe("summaryCsv", () => {
  it("one row per task, grid paths then flattened metrics, quoted where needed, worked by hand", () => {
    const x = expandSweep(
      validateSweepSpec({ ...SPEC, seeds: 1, grid: [{ path: "workload.params.tag", values: ["a,b", "c"] }] }),
    );
    const lines = [0, 1].map((t) => {
      const task = taskAt(x, t);
      return resultLine(task, { metrics: { n: t + 1, v: [1, 2], m: { x: 0.5 }, z: Number.NaN } });
    });
    const csv = summaryCsv(x, lines.map((l) => `${l}\n`).join(""));
    const [s0, s1] = [taskAt(x, 0).seed, taskAt(x, 1).seed];
    expect(csv).toBe(
      "cell,index,seedIndex,seed,workload.params.tag,m.x,n,v.0,v.1,z\n" +
        `"workload.params.tag=""a,b""",0,0,${s0},"a,b",0.5,1,1,2,\n` +
        `workload.params.tag=c,1,0,${s1},c,0.5,2,1,2,\n`,
    );
  });
});
