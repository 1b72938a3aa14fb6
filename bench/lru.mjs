// Times building a 2.6.11 scenario whose zone holds N inactive LRU pages, then a kill of their
// owner (the exit takes them off the LRU): `node bench/lru.mjs [N...] [--dist DIR] [--json]`
// (default N: 65536 262144 1048576; DIR: this checkout's dist/, so an older build can be timed
// the same way). Laying out N pages adds N pages to the LRU one list_add at a time.
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const distAt = argv.indexOf("--dist");
const dist = distAt >= 0 ? pathToFileURL(`${argv[distAt + 1]}/`) : new URL("../dist/", import.meta.url);
const json = argv.includes("--json");
const sizes = argv.filter((a, i) => /^\d+$/.test(a) && (distAt < 0 || i !== distAt + 1)).map(Number);
const { buildKernel } = await import(new URL("bindings/scenario/build.js", dist));
const { validateScenario } = await import(new URL("bindings/scenario/schema.js", dist));

const OWNER_PID = 2;

/** A zone of 2n pages, the first n on the inactive list, owned by one task. */
function scenarioWith(n) {
  return {
    name: `lru-${n}`,
    machine: {
      era: "2.6.11",
      minFreeKbytes: 1200,
      nodes: [{ zones: [{ type: "DMA", startPfn: 0, spannedPages: 2 * n }] }],
    },
    tasks: [
      { pid: 1, comm: "init" },
      { pid: OWNER_PID, comm: "reader", totalVm: n },
    ],
    layout: [
      { at: 0, count: n, kind: "lru", owner: OWNER_PID, lru: { list: "inactive", anon: true } },
      { at: n, count: n / 2, kind: "free" },
    ],
    events: [],
  };
}

if (!json) console.log(`date: ${new Date().toISOString()}  node: ${process.version}  dist: ${dist.pathname}`);
for (const n of sizes.length ? sizes : [65_536, 262_144, 1_048_576]) {
  const sc = validateScenario(scenarioWith(n));
  const t0 = performance.now();
  const k = buildKernel(sc);
  const t1 = performance.now();
  const task = k.tasks.find((t) => t.pid === OWNER_PID);
  const freed = k.exitTask(task);
  const t2 = performance.now();
  const row = { lruPages: n, buildMs: Math.round(t1 - t0), exitMs: Math.round(t2 - t1), freed };
  if (json) console.log(JSON.stringify(row));
  else
    console.log(
      `${String(n).padStart(8)} LRU pages  build ${String(row.buildMs).padStart(6)} ms  ` +
        `exit ${String(row.exitMs).padStart(6)} ms  (${freed} pages freed)`,
    );
}
