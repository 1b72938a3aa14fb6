// Times parsing and diagnosing a 10 MB log built from the test corpus (every fixture repeated),
// in one process: `npm run bench:diagnose`. Prints the date, node version, sizes and timings.
import { readFileSync, readdirSync } from "node:fs";
import { parseReports } from "../dist/bindings/parse/reports.js";
import { diagnose } from "../dist/bindings/analyse/diagnose.js";

const dir = new URL("../test/fixtures/", import.meta.url);
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith(".log"))
  .map((f) => readFileSync(new URL(f, dir), "utf8"))
  .join("\n");
const target = 10 * 1024 * 1024;
const text = corpus.repeat(Math.ceil(target / corpus.length)).slice(0, target);

function time(label, f) {
  const t0 = performance.now();
  const out = f();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(10)} ${ms.toFixed(0).padStart(6)} ms`);
  return out;
}

console.log(`date: ${new Date().toISOString()}  node: ${process.version}  command: node bench/diagnose.mjs`);
console.log(`log: ${(text.length / 1048576).toFixed(1)} MB, ${text.split("\n").length} lines`);
const parsed = time("parse", () => parseReports(text));
const diag = time("diagnose", () => diagnose(text));
console.log(`reports: ${parsed.reports.length} parsed, ${diag.reports.length} diagnosed`);
