// Memory of a sweep cell: `node bench/memory.mjs [--json]`. Each configuration runs in a fresh Node
// process (one cell, as a worker runs it), which reports its resident set before the cell (Node, the
// modules and the compiled engine loaded) and its peak during the cell (VmHWM from /proc/self/status,
// Linux only). The growth divided by the machine's pages is the cost per simulated page; the issue's
// target is at most 16 bytes per page plus 64 MiB per worker.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const json = process.argv.includes("--json");
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "--child") {
  const [log2, workload] = [Number(process.argv[3]), process.argv[4]];
  const { runCell } = await import(new URL("../dist/bindings/sweep/cell.js", import.meta.url));
  const { readFileSync } = await import("node:fs");
  const status = (key) =>
    Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
  const pages = 2 ** log2;
  const machine = (n) => ({
    era: "6.18",
    nodes: [
      {
        zones: [
          { type: "DMA", startPfn: 1, spannedPages: 4095 },
          { type: "DMA32", startPfn: 4096, spannedPages: Math.min(n, 2 ** 20) / 2 - 4096 },
          { type: "Normal", startPfn: Math.min(n, 2 ** 20) / 2, spannedPages: n - Math.min(n, 2 ** 20) / 2 },
        ],
      },
    ],
  });
  const params = workload === "churn" ? { requests: 200_000 } : { cachePercent: 20 };
  // warm: modules and the engine compiled on a small machine, as a worker is before its first cell
  runCell({ era: "6.18", machine: machine(2 ** 14), workload: { name: workload, params }, seed: 1 });
  global.gc?.();
  const before = status("VmRSS");
  runCell({ era: "6.18", machine: machine(pages), workload: { name: workload, params }, seed: 1, sampleEvery: 10_000 });
  const peak = status("VmHWM");
  console.log(JSON.stringify({ workload, pages, before, peak }));
} else {
  const rows = [];
  for (const [log2, workload] of [
    [20, "churn"],
    [22, "churn"],
    [20, "page-cache"],
    [22, "page-cache"],
  ]) {
    const out = execFileSync(process.execPath, ["--expose-gc", self, "--child", String(log2), workload], {
      encoding: "utf8",
    });
    const r = JSON.parse(out);
    rows.push({ ...r, bytesPerPage: (r.peak - r.before) / r.pages });
  }
  if (json) console.log(JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }));
  else {
    console.log("workload    pages      before MiB  peak MiB  growth bytes/page");
    for (const r of rows)
      console.log(
        `${r.workload.padEnd(10)}  ${String(r.pages).padEnd(9)}  ${(r.before / 2 ** 20).toFixed(0).padStart(10)}  ` +
          `${(r.peak / 2 ** 20).toFixed(0).padStart(8)}  ${r.bytesPerPage.toFixed(1).padStart(17)}`,
      );
  }
}
