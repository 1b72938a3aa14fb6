// Times the seed replay with N extra tasks: `node bench/tasks.mjs [N...] [--dist DIR] [--json]`
// (default N: 20000 50000 100000 200000; DIR: this checkout's dist/, so an older build can be
// timed the same way). The extra tasks form a fork tree under init (each task's parent is init or
// an earlier task, three children each, oldest first), own no pages and score below smbd, so the
// replay takes the seed's decisions and kills smbd once: what grows is the task list every
// select_bad_process and badness() walks, and every lookup of a task by pid.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const distAt = argv.indexOf("--dist");
const dist = distAt >= 0 ? pathToFileURL(`${argv[distAt + 1]}/`) : new URL("../dist/", import.meta.url);
const json = argv.includes("--json");
const sizes = argv.filter((a, i) => /^\d+$/.test(a) && (distAt < 0 || i !== distAt + 1)).map(Number);
const { replay } = await import(new URL("bindings/scenario/replay.js", dist));

const seed = readFileSync(new URL("../scenarios/seed.json", import.meta.url), "utf8");
const FIRST_PID = 10_000;
const CHILDREN = 3;

/** The seed scenario with n more tasks in a fork tree under init. */
function scenarioWith(n) {
  const sc = JSON.parse(seed);
  for (let i = 0; i < n; i++) {
    const parent = i < CHILDREN ? 1 : FIRST_PID + Math.floor(i / CHILDREN) - 1;
    sc.tasks.push({
      pid: FIRST_PID + i,
      comm: `worker${i % 1000}`,
      ppid: parent,
      uid: 1000,
      totalVm: 16 + (i % 48),
      startTimeSec: 60 + (i % 600),
      cpuJiffies: i % 5000,
    });
  }
  return sc;
}

if (!json) console.log(`date: ${new Date().toISOString()}  node: ${process.version}  dist: ${dist.pathname}`);
for (const n of sizes.length ? sizes : [20_000, 50_000, 100_000, 200_000]) {
  const sc = scenarioWith(n);
  const t0 = performance.now();
  const r = replay(sc);
  const ms = performance.now() - t0;
  const kills = r.kills.map((k) => `${k.pid} (${k.comm})`).join(", ");
  const row = { tasks: sc.tasks.length, ms: Math.round(ms), outcome: r.outcome, kills, events: r.events.length };
  if (json) console.log(JSON.stringify(row));
  else
    console.log(
      `${String(row.tasks).padStart(7)} tasks  ${String(row.ms).padStart(7)} ms  ${row.outcome}, kills ${kills}`,
    );
}
