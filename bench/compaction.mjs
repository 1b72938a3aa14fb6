#!/usr/bin/env node
// One compact_zone pass over a 4 GiB zone (2^20 pages of 4 KiB), engine (assembly/compaction.ts)
// vs reference (reference/compaction.ts). The zone is fragmented the same way in both: every page
// allocated as a movable order-0 page, then every other page freed (2^19 free single pages, no free
// block above order 0). Two passes are timed:
//
//   whole zone   order -1, sync, whole zone (compact_memory / compact_node): the scanners cross the
//                whole zone; every movable page of the lower half moves up (~2^18 moves)
//   order 9      a THP-sized request, sync-light, direct, with capture (compact_zone_order at
//                COMPACT_PRIO_SYNC_LIGHT): stops at the first free order-9 block
//
// Each timed engine pass runs on a fork of the fragmented machine (the copy is not timed). Usage:
//   npm run bench:compaction [-- --runs N] [--json]

import { Machine, MigrateType } from "../dist/bindings/index.js";
import { resolveMachine } from "../dist/bindings/mm/mm_init.js";
import { RefMachine } from "../dist/reference/model.js";
import { refCompactZone } from "../dist/reference/compaction.js";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 5;
const json = args.includes("--json");
const PAGES = 1 << 20;
const spec = {
  era: "6.18",
  nodes: [
    {
      zones: [{ type: "Normal", startPfn: 0, spannedPages: PAGES, watermarks: { min: 4096, low: 5120, high: 6144 } }],
    },
  ],
};
const PASSES = {
  "whole zone": { order: -1, mode: "sync", wholeZone: true, ignoreSkipHint: true, direct: false },
  "order 9": { order: 9, migratetype: MigrateType.Movable, mode: "sync-light", direct: true, capture: true, owner: 1 },
};

function engineMachine() {
  const m = Machine.create(spec);
  const slot = m.zone("Normal").slot;
  m.allocAllOrder0(slot, MigrateType.Movable, 7);
  m.freeStrided(0, PAGES / 2, 2, 1);
  return { m, slot };
}

function referenceMachine() {
  const r = new RefMachine(resolveMachine(spec));
  for (let i = 0; i < PAGES; i++) r.alloc({ order: 0, migratetype: MigrateType.Movable, owner: 7, allocFlags: 0x04 });
  for (let p = 0; p < PAGES; p += 2) r.free(p);
  return r;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
const { m, slot } = engineMachine();
for (const [name, opts] of Object.entries(PASSES)) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const f = m.fork();
    const t0 = performance.now();
    last = f.compactZone(slot, opts);
    times.push(performance.now() - t0);
    f.dispose();
  }
  const r = referenceMachine();
  const t0 = performance.now();
  const ref = refCompactZone(r, slot, opts);
  const refMs = performance.now() - t0;
  const same =
    ref.result === last.result && ref.moves.length === last.moves.length && ref.capturedPfn === last.capturedPfn;
  if (!same) throw new Error(`${name}: engine and reference disagree`);
  results[name] = {
    result: last.resultName,
    moves: last.moves.length / 3,
    migrateScanned: last.counters.compactMigrateScanned,
    freeScanned: last.counters.compactFreeScanned,
    engineMsMedian: Number(median(times).toFixed(2)),
    engineMsMin: Number(Math.min(...times).toFixed(2)),
    referenceMs: Number(refMs.toFixed(1)),
  };
}
m.dispose();

if (json) {
  process.stdout.write(`${JSON.stringify({ pages: PAGES, runs, results }, null, 2)}\n`);
} else {
  process.stdout.write(`compact_zone over ${PAGES} pages (4 GiB), every other page free; ${runs} engine runs\n\n`);
  process.stdout.write(
    "pass         result                    moves  migrate scanned  free scanned  engine ms (med/min)  ref ms\n",
  );
  for (const [name, r] of Object.entries(results)) {
    const cells = [
      name.padEnd(12),
      r.result.padEnd(24),
      String(r.moves).padStart(6),
      String(r.migrateScanned).padStart(16),
      String(r.freeScanned).padStart(13),
      `${r.engineMsMedian} / ${r.engineMsMin}`.padStart(23),
      String(r.referenceMs).padStart(13),
    ];
    process.stdout.write(`${cells.join(" ")}\n`);
  }
}
