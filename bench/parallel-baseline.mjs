// What two cores give here, without oomlab's pool: `node bench/parallel-baseline.mjs [--runs 4]
// [--cache-percent 60]`. The same kernel cell (page-cache on the 4 GiB 6.18 machine of bench/cell.mjs)
// runs `runs` times in fresh Node processes, first one after another, then as two chains side by side;
// the ratio of the two wall times is the speedup the machine itself allows for this work (shared caches,
// memory bandwidth, a VM's vCPUs), the ceiling for `oomlab sweep --workers 2` (bench/sweep.mjs and
// bench/sweep64.mjs measure the pool).
import { x86Machine } from "./machines.mjs";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const self = fileURLToPath(import.meta.url);

if (argv[0] === "--child") {
  const { runCell } = await import(new URL("../dist/bindings/sweep/cell.js", import.meta.url));
  const PAGES = 2 ** 20;
  const machine = x86Machine(PAGES);
  runCell({
    era: "6.18",
    machine,
    workload: { name: "page-cache", params: { cachePercent: Number(argv[1]) } },
    seed: 1,
  });
} else {
  const runs = opt("--runs", 4);
  const cachePercent = opt("--cache-percent", 60);
  const one = () =>
    new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [self, "--child", String(cachePercent)], { stdio: "inherit" });
      c.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}`))));
    });
  const chain = async (n) => {
    for (let i = 0; i < n; i++) await one();
  };
  const rows = [];
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    await chain(runs);
    const seq = (performance.now() - t) / 1000;
    t = performance.now();
    await Promise.all([chain(Math.ceil(runs / 2)), chain(Math.floor(runs / 2))]);
    const par = (performance.now() - t) / 1000;
    rows.push({ seq, par, speedup: seq / par });
  }
  console.log(
    `${runs} processes of one page-cache cell (cachePercent ${cachePercent}), one after another vs two chains`,
  );
  for (const r of rows)
    console.log(`sequential ${r.seq.toFixed(2)} s  two at a time ${r.par.toFixed(2)} s  ${r.speedup.toFixed(2)}x`);
  const med = rows.map((r) => r.speedup).sort((a, b) => a - b)[1];
  console.log(`median ${med.toFixed(2)}x: what 2 cores give this work here, without any pool`);
}
