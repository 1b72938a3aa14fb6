#!/usr/bin/env node
// Micro-benchmarks of the public API: the WASM engine (Machine, release build) and the plain
// TypeScript reference model (RefMachine) side by side, in one process and one run, so each pair
// shares the machine's state of the moment (this machine is noisy: trust ratios over absolutes).
//
// Tasks (wasm then reference, back to back):
//   per-call  alloc+free of one block of order 0, 3, 9 on a fresh 2^18-page 2.6.11 Normal zone
//   batch     the same alloc/free pairs through Machine.batch, 4096 ops per batch (the reference
//             has no batch API: it runs the same op list through alloc/free in a loop)
//   watermark watermarkOk2611 / watermarkOk618 on a populated (fragmented) 2^18-page zone
//   create    Machine.create / new RefMachine for 2^16 and 2^24 pages
//
// An "op" is one alloc, one free or one watermark check (an alloc+free pair is 2 ops); creation
// tasks report time per machine. The wasm/ref column is wasm time / reference time (< 1: wasm
// is faster), from the medians.
//
// Usage: node bench/micro.mjs [--json]   (npm run bench builds first)

import os from "node:os";
import path from "node:path";
import { Bench } from "tinybench";
import { AllocFlags, Machine, initSync } from "../dist/bindings/index.js";
import { resolveMachine } from "../dist/bindings/mm/mm_init.js";
import { RefMachine } from "../dist/reference/model.js";

const ORDERS = [0, 3, 9];
const PAIRS_PER_SAMPLE = 256;
const BATCH_OPS = 4096;
const CHECKS_PER_SAMPLE = 1024;
const ZONE_LOG2 = 18;
// The reference's 2^24-page machine is skipped when one creation takes longer than this: its
// samples would dominate the run's ~60 s budget.
const REF_HUGE_LIMIT_MS = 3000;
const SEED = 0x2545f491;

const USAGE = "usage: node bench/micro.mjs [--json]";

// ----------------------------------------------------------------- machines --

function zoneSpec(era, log2Pages) {
  return { era, maxOrder: 11, nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 2 ** log2Pages }] }] };
}

/** Both engines on one description: wasm first, then the reference. */
function makePair(spec) {
  return { wasm: Machine.create(spec, { build: "release" }), reference: new RefMachine(resolveMachine(spec)) };
}

function xorshift32(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Fragments a zone the same way on both engines: many small blocks, about half freed again. */
function populate(m, era) {
  const rnd = xorshift32(SEED);
  const live = [];
  for (let i = 0; i < 40000; i++) {
    const r = rnd();
    const pfn = m.alloc({ order: r % 4, migratetype: era === "6.18" ? r % 3 : 0 });
    if (pfn >= 0) live.push(pfn);
  }
  for (let i = 0; i < live.length; i++) if (rnd() % 2 === 0) m.free(live[i]);
}

/** The numbers only compare like with like if both engines reached the same state. */
function assertSameState(pair, slot, what) {
  const a = JSON.stringify(pair.wasm.counters(slot));
  const b = JSON.stringify(pair.reference.counters(slot));
  if (a !== b) throw new Error(`${what}: wasm and reference disagree after populating\n  wasm ${a}\n  ref  ${b}`);
}

/** Bytes of engine memory per page frame: the WASM linear memory, or the reference's typed arrays. */
function bytesPerPage(impl, m) {
  if (impl === "wasm") return m.engineViews.byteLength / m.machine.nrPages;
  const bytes = Object.values(m)
    .filter((v) => ArrayBuffer.isView(v))
    .reduce((s, v) => s + v.byteLength, 0);
  return bytes / m.machine.nrPages;
}

// -------------------------------------------------------------------- tasks --

// Every task is { group, name, impl, opsPerSample, fn }; fn runs one sample.

function perCallTasks(pairs) {
  return ORDERS.flatMap((order) =>
    ["wasm", "reference"].map((impl) => {
      const m = pairs[impl];
      const req = { order };
      return {
        group: "per-call",
        name: `alloc+free order ${order}`,
        impl,
        opsPerSample: 2 * PAIRS_PER_SAMPLE,
        fn: () => {
          for (let i = 0; i < PAIRS_PER_SAMPLE; i++) m.free(m.alloc(req));
        },
      };
    }),
  );
}

/** A fresh zone hands out the same block after every alloc+free (the buddies merge back and the
 *  block returns to the list head), so the frees of a batch can name it before the batch runs. */
function batchOps(m, order) {
  const pfn = m.alloc({ order });
  m.free(pfn);
  const ops = [];
  for (let i = 0; i < BATCH_OPS / 2; i++) ops.push({ op: "alloc", req: { order } }, { op: "free", pfn });
  const out = m.batch(ops);
  if (out.some((v, i) => (i % 2 === 0 ? v !== pfn : v !== 0))) throw new Error(`batch order ${order}: the block moved`);
  return ops;
}

function runOpsOnRef(m, ops) {
  for (const o of ops) {
    if (o.op === "alloc") m.alloc(o.req);
    else m.free(o.pfn);
  }
}

function batchTasks(pairs) {
  return ORDERS.flatMap((order) => {
    const ops = batchOps(pairs.wasm, order);
    const name = `batch alloc+free order ${order}`;
    return [
      { group: "batch", name, impl: "wasm", opsPerSample: BATCH_OPS, fn: () => pairs.wasm.batch(ops) },
      { group: "batch", name, impl: "reference", opsPerSample: BATCH_OPS, fn: () => runOpsOnRef(pairs.reference, ops) },
    ];
  });
}

// Orders 0..10 in turn, so the per-order loops of both checks run at every length.
function watermarkTask(name, impl, check) {
  let sink = 0;
  return {
    group: "watermark",
    name,
    impl,
    opsPerSample: CHECKS_PER_SAMPLE,
    fn: () => {
      for (let i = 0; i < CHECKS_PER_SAMPLE; i++) sink += check(i % 11) ? 1 : 0;
      return sink;
    },
  };
}

function watermarkTasks() {
  const old = populatedPair("2.6.11");
  const cur = populatedPair("6.18");
  const t2611 = (m) => (o) => m.watermarkOk2611(old.slot, o, old.low, old.zoneIdx, false, false);
  const t618 = (m) => (o) => m.watermarkOk618(cur.slot, o, cur.low, cur.zoneIdx, AllocFlags.WMARK_LOW);
  for (let o = 0; o < 11; o++) {
    if (t2611(old.pair.wasm)(o) !== t2611(old.pair.reference)(o))
      throw new Error(`watermarkOk2611 order ${o}: engines disagree`);
    if (t618(cur.pair.wasm)(o) !== t618(cur.pair.reference)(o))
      throw new Error(`watermarkOk618 order ${o}: engines disagree`);
  }
  return ["wasm", "reference"]
    .flatMap((impl) => [
      watermarkTask("watermarkOk2611 (2.6.11)", impl, t2611(old.pair[impl])),
      watermarkTask("watermarkOk618 (6.18)", impl, t618(cur.pair[impl])),
    ])
    .sort((a, b) => a.name.localeCompare(b.name));
}

function populatedPair(era) {
  const pair = makePair(zoneSpec(era, ZONE_LOG2));
  populate(pair.wasm, era);
  populate(pair.reference, era);
  const z = pair.wasm.zone("Normal");
  assertSameState(pair, z.slot, `${era} zone`);
  return { pair, slot: z.slot, zoneIdx: z.zoneIdx, low: z.watermarks.low };
}

function createTask(impl, log2Pages, memory) {
  const spec = zoneSpec("2.6.11", log2Pages);
  const make =
    impl === "wasm" ? () => Machine.create(spec, { build: "release" }) : () => new RefMachine(resolveMachine(spec));
  return {
    group: "create",
    name: `create 2^${log2Pages} pages`,
    impl,
    opsPerSample: 1,
    fn: () => {
      const m = make();
      // Recorded from the last machine only; the layout does not change between samples.
      memory[`${impl} 2^${log2Pages}`] = bytesPerPage(impl, m);
    },
  };
}

/** Times one reference creation of the huge machine before deciding to benchmark it. */
function refHugeAffordable(notes) {
  const t0 = performance.now();
  new RefMachine(resolveMachine(zoneSpec("2.6.11", 24)));
  const ms = performance.now() - t0;
  if (ms <= REF_HUGE_LIMIT_MS) return true;
  notes.push(
    `reference create 2^24 pages skipped: one creation took ${ms.toFixed(0)} ms (limit ${REF_HUGE_LIMIT_MS} ms)`,
  );
  return false;
}

// ------------------------------------------------------------------ running --

/** Runs tasks in one tinybench instance; tasks run in insertion order, so pairs stay adjacent. */
function runGroup(tasks, opts) {
  const bench = new Bench({ throws: true, ...opts });
  for (const t of tasks) bench.add(`${t.impl}: ${t.name}`, t.fn);
  const done = bench.runSync();
  return tasks.map((t, i) => summarize(t, done[i].result));
}

function summarize(t, r) {
  if (r.state !== "completed") throw new Error(`${t.impl}: ${t.name}: ${r.state} ${r.error?.message ?? ""}`);
  const nsPerOp = (r.latency.p50 * 1e6) / t.opsPerSample;
  return {
    group: t.group,
    name: t.name,
    impl: t.impl,
    opsPerSample: t.opsPerSample,
    nsPerOp,
    meanNsPerOp: (r.latency.mean * 1e6) / t.opsPerSample,
    rme: r.latency.rme,
    opsPerSec: 1e9 / nsPerOp,
    samples: r.latency.samplesCount,
  };
}

function runAll(notes, memory) {
  initSync({ build: "release" });
  const fast = { time: 700, warmupTime: 200 };
  const results = [];
  results.push(...runGroup(perCallTasks(makePair(zoneSpec("2.6.11", ZONE_LOG2))), fast));
  results.push(...runGroup(batchTasks(makePair(zoneSpec("2.6.11", ZONE_LOG2))), fast));
  results.push(...runGroup(watermarkTasks(), fast));
  results.push(...runGroup([createTask("wasm", 16, memory), createTask("reference", 16, memory)], fast));
  // Each 2^24 machine takes ~160 MB (wasm) or ~400 MB (reference): a few samples, one warmup.
  const huge = [createTask("wasm", 24, memory)];
  if (refHugeAffordable(notes)) huge.push(createTask("reference", 24, memory));
  results.push(...runGroup(huge, { time: 0, iterations: 5, warmupTime: 0, warmupIterations: 1 }));
  return results;
}

// ------------------------------------------------------------------- output --

/** wasm time / reference time for every task both engines ran. */
function ratios(results) {
  const out = {};
  for (const w of results.filter((r) => r.impl === "wasm")) {
    const ref = results.find((r) => r.impl === "reference" && r.name === w.name);
    if (ref) out[w.name] = w.nsPerOp / ref.nsPerOp;
  }
  return out;
}

function formatTime(r) {
  if (r.group === "create") return `${(r.nsPerOp / 1e6).toFixed(2)} ms`;
  return `${r.nsPerOp.toFixed(1)} ns/op`;
}

function formatRate(v) {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(1);
}

function tableRows(results, ratio) {
  return results.map((r) => [
    r.group,
    r.name,
    r.impl,
    formatTime(r),
    `±${r.rme.toFixed(1)}%`,
    formatRate(r.opsPerSec),
    String(r.samples),
    r.impl === "reference" && ratio[r.name] !== undefined ? ratio[r.name].toFixed(2) : "",
  ]);
}

function printTable(meta, results, ratio, memory) {
  const header = ["group", "task", "impl", "median", "rme", "ops/s", "samples", "wasm/ref"];
  const rows = tableRows(results, ratio);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const left = new Set([0, 1, 2]);
  const fmt = (cells) =>
    cells
      .map((s, c) => (left.has(c) ? s.padEnd(widths[c]) : s.padStart(widths[c])))
      .join("  ")
      .trimEnd();
  const out = [
    `date:    ${meta.date}`,
    `node:    ${meta.node}`,
    `cpu:     ${meta.cpu}`,
    `command: ${meta.command}`,
    `elapsed: ${meta.seconds} s`,
    "",
    fmt(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(fmt),
    "",
    "median: median sample / ops per sample; op = one alloc, one free or one watermark check (create: per machine)",
    "rme: 95% margin of error of the mean; wasm/ref: wasm median / reference median (< 1: wasm faster)",
    `engine memory per page frame: ${Object.entries(memory)
      .map(([k, v]) => `${k}: ${v.toFixed(2)} B`)
      .join(", ")}`,
    "  (wasm: memory.buffer.byteLength / pages; reference: its typed arrays / pages)",
    ...meta.notes,
  ];
  process.stdout.write(`${out.join("\n")}\n`);
}

function parseArgs(argv) {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const unknown = argv.filter((a) => a !== "--json");
  if (unknown.length > 0) {
    process.stderr.write(`micro: unknown argument: ${unknown[0]}\n${USAGE}\n`);
    process.exit(2);
  }
  return { json: argv.includes("--json") };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const notes = [];
  const memory = {};
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? "unknown"} (${os.cpus().length} logical CPUs), ${os.platform()} ${os.release()}`,
    command: ["node", path.relative(process.cwd(), process.argv[1]), ...process.argv.slice(2)].join(" "),
    notes,
  };
  const t0 = performance.now();
  const results = runAll(notes, memory);
  meta.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  const ratio = ratios(results);
  if (opts.json) process.stdout.write(`${JSON.stringify({ ...meta, results, ratios: ratio, bytesPerPage: memory })}\n`);
  else printTable(meta, results, ratio, memory);
}

main();
