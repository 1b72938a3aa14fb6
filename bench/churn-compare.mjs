#!/usr/bin/env node
// Interleaved churn benchmark: C baseline vs WASM engine vs reference engine.
//
// The workload is defined in docs/churn-benchmark.md. Every
// implementation must print the same checksum (identical decisions), then the
// churn-phase ns/op are compared. The machine is noisy (+-30% between rounds),
// so each run gets a fresh process, implementations are interleaved within a
// round, and we report medians plus the median of the per-round paired ratios.
//
// Usage: node bench/churn-compare.mjs [--seed S] [--log2-pages L] [--ops N]
//          [--rounds R] [--only c,wasm,reference] [--json]

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const C_SOURCE = "bench/native/churn.c";
const C_BINARY = "bench/native/churn";
const CLI = "dist/bindings/cli/main.js";
const ALL_IMPLS = ["c", "wasm", "reference"];
const VALUE_FLAGS = ["--seed", "--log2-pages", "--ops", "--rounds", "--only"];

const USAGE = `usage: node bench/churn-compare.mjs [options]
  --seed S          xorshift32 seed, decimal or 0x hex (default 0x12345678)
  --log2-pages L    zone of 2^L pages (default 20)
  --ops N           timed churn operations per run (default 10000000)
  --rounds R        interleaved rounds, one fresh process per run (default 5)
  --only LIST       comma-separated subset of c,wasm,reference (default all)
  --json            print one JSON object instead of the table`;

class UsageError extends Error {}

function fail(message, code = 1) {
  process.stderr.write(`churn-compare: ${message}\n`);
  process.exit(code);
}

// ------------------------------------------------------------- arguments --

function parseArgs(argv) {
  const opts = {
    seed: "0x12345678",
    log2Pages: 20,
    ops: 10000000,
    rounds: 5,
    only: ALL_IMPLS,
    onlyGiven: false,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--json") {
      opts.json = true;
      continue;
    }
    if (flag === "--help" || flag === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (!VALUE_FLAGS.includes(flag)) throw new UsageError(`unknown argument: ${flag}`);
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`missing value for ${flag}`);
    applyOption(opts, flag, value);
  }
  return opts;
}

function applyOption(opts, flag, value) {
  switch (flag) {
    case "--seed":
      // Range checks are left to the implementations; they exit 2 on bad values.
      if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(value)) throw new UsageError(`bad --seed: ${value}`);
      opts.seed = value;
      break;
    case "--log2-pages":
      opts.log2Pages = parseInteger(flag, value, 1);
      break;
    case "--ops":
      opts.ops = parseInteger(flag, value, 1);
      break;
    case "--rounds":
      opts.rounds = parseInteger(flag, value, 1);
      break;
    case "--only":
      opts.only = parseOnly(value);
      opts.onlyGiven = true;
      break;
    default:
      throw new UsageError(`unknown argument: ${flag}`);
  }
}

function parseInteger(flag, value, min) {
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
    throw new UsageError(`bad ${flag}: ${value} (expected an integer >= ${min})`);
  }
  return Number(value);
}

function parseOnly(value) {
  const wanted = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((name) => !ALL_IMPLS.includes(name));
  if (wanted.length === 0 || unknown.length > 0) {
    throw new UsageError(`bad --only: ${value} (choose from ${ALL_IMPLS.join(",")})`);
  }
  // Keep the canonical order so rounds always interleave C, wasm, reference.
  return ALL_IMPLS.filter((name) => wanted.includes(name));
}

// ----------------------------------------------------------- environment --

function firstLine(command, args) {
  const res = spawnSync(command, args, { encoding: "utf8" });
  if (res.error || res.status !== 0) return null;
  return res.stdout.split("\n")[0].trim();
}

// Builds the C baseline; returns false (with a notice) when there is no `cc`.
function buildC(ccVersion, explicitlyRequested) {
  if (ccVersion === null) {
    if (explicitlyRequested) fail("--only includes c but no C compiler (`cc`) was found");
    process.stderr.write("churn-compare: notice: no C compiler (`cc`) found, skipping the C baseline\n");
    return false;
  }
  const res = spawnSync("cc", ["-O2", "-o", C_BINARY, C_SOURCE], { cwd: ROOT, encoding: "utf8" });
  if (res.error || res.status !== 0) {
    fail(`building the C baseline failed:\n${res.stderr || res.error}`);
  }
  return true;
}

function checkCli(impls) {
  if (!impls.some((name) => name !== "c")) return;
  if (!existsSync(path.join(ROOT, CLI))) {
    fail(
      `${CLI} not found: build the TypeScript bindings first (needed for --engine wasm/reference), ` +
        "or run with --only c",
    );
  }
}

// ------------------------------------------------------------------ runs --

function commandFor(impl, opts) {
  const common = ["--seed", opts.seed, "--log2-pages", String(opts.log2Pages), "--ops", String(opts.ops)];
  if (impl === "c") return [path.join(ROOT, C_BINARY), common];
  return [process.execPath, [CLI, "bench", "churn", "--engine", impl, ...common, "--json"]];
}

// One run in a fresh process, so no JIT/cache state leaks between runs.
function runOnce(impl, opts) {
  const [command, args] = commandFor(impl, opts);
  const res = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const shown = [path.relative(ROOT, command) || command, ...args].join(" ");
  if (res.error) fail(`${impl}: could not run \`${shown}\`: ${res.error.message}`);
  if (res.status !== 0) {
    fail(`${impl}: \`${shown}\` exited with ${res.status ?? res.signal}\n${res.stderr.trim()}`);
  }
  return parseResult(impl, shown, res.stdout);
}

// Takes the last JSON line, tolerating any log lines printed before it.
function parseResult(impl, shown, stdout) {
  const line = stdout
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s.startsWith("{"))
    .pop();
  let result;
  try {
    result = JSON.parse(line);
  } catch {
    fail(`${impl}: \`${shown}\` did not print a JSON line; stdout was:\n${stdout}`);
  }
  if (typeof result.checksum !== "string" || !(result.nsPerOp > 0) || !(result.opsPerSec > 0)) {
    fail(`${impl}: result lacks checksum/nsPerOp/opsPerSec: ${line}`);
  }
  if (result.coalesced === false) fail(`${impl}: zone did not coalesce back after freeing everything`);
  return result;
}

function runRounds(impls, opts) {
  const rounds = [];
  for (let r = 1; r <= opts.rounds; r++) {
    const round = {};
    for (const impl of impls) {
      const result = runOnce(impl, opts);
      round[impl] = { checksum: result.checksum, nsPerOp: result.nsPerOp, opsPerSec: result.opsPerSec };
      process.stderr.write(`round ${r}/${opts.rounds} ${impl}: ${result.nsPerOp.toFixed(2)} ns/op\n`);
    }
    rounds.push(round);
  }
  return rounds;
}

// Equal checksums prove identical decisions (docs/churn-benchmark.md); without
// that the timings would not be comparable.
function checkChecksums(rounds) {
  const seen = new Map();
  rounds.forEach((round, i) => {
    for (const [impl, { checksum }] of Object.entries(round)) {
      if (!seen.has(checksum)) seen.set(checksum, []);
      seen.get(checksum).push(`${impl}#${i + 1}`);
    }
  });
  if (seen.size === 1) return [...seen.keys()][0];
  const lines = [...seen].map(([checksum, runs]) => `  ${runs.join(" ")}:\n    ${checksum}`);
  fail(`checksum mismatch between runs:\n${lines.join("\n")}`);
}

// --------------------------------------------------------------- summary --

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Ratios are paired within a round: both runs saw the same machine state.
// The baseline is C; without C (no compiler) fall back to wasm.
function summarize(impls, rounds) {
  const baseline = impls[0] === "c" || impls[0] === "wasm" ? impls[0] : null;
  const others = baseline ? impls.filter((name) => name !== baseline) : [];
  const ratioName = (impl) => `${impl}/${baseline}`;
  const perRound = rounds.map((round, i) => {
    const nsPerOp = Object.fromEntries(impls.map((impl) => [impl, round[impl].nsPerOp]));
    const ratios = Object.fromEntries(others.map((impl) => [ratioName(impl), nsPerOp[impl] / nsPerOp[baseline]]));
    return { round: i + 1, nsPerOp, ratios };
  });
  const medianOf = (pick) => median(perRound.map(pick));
  const medianNsPerOp = Object.fromEntries(impls.map((impl) => [impl, medianOf((r) => r.nsPerOp[impl])]));
  const medianRatios = Object.fromEntries(
    others.map((impl) => {
      const name = ratioName(impl);
      return [name, medianOf((r) => r.ratios[name])];
    }),
  );
  return { baseline, perRound, medianNsPerOp, medianRatios };
}

function printTable(meta, impls, summary) {
  const out = [];
  out.push(`date:    ${meta.date}`);
  out.push(`node:    ${meta.node}`);
  out.push(`cc:      ${meta.cc ?? "(none)"}`);
  out.push(`cpu:     ${meta.cpu}`);
  out.push(`command: ${meta.command}`);
  out.push(`workload: seed=${meta.seed} log2Pages=${meta.log2Pages} ops=${meta.ops} rounds=${meta.rounds}`);
  out.push(`checksum: ${meta.checksum}`);
  out.push("");
  const ratioNames = Object.keys(summary.medianRatios);
  const header = ["round", ...impls.map((impl) => `${impl} ns/op`), ...ratioNames];
  const rows = summary.perRound.map((r) => [
    String(r.round),
    ...impls.map((impl) => r.nsPerOp[impl].toFixed(2)),
    ...ratioNames.map((name) => r.ratios[name].toFixed(2)),
  ]);
  rows.push([
    "median",
    ...impls.map((impl) => summary.medianNsPerOp[impl].toFixed(2)),
    ...ratioNames.map((name) => summary.medianRatios[name].toFixed(2)),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const format = (cells) => cells.map((cell, c) => cell.padStart(widths[c])).join("  ");
  out.push(format(header));
  out.push(widths.map((w) => "-".repeat(w)).join("  "));
  rows.forEach((row, i) => {
    if (i === rows.length - 1) out.push(widths.map((w) => "-".repeat(w)).join("  "));
    out.push(format(row));
  });
  if (ratioNames.length > 0) {
    out.push("");
    out.push(
      `ratios: ns/op relative to ${summary.baseline} in the same round; ` +
        "the median row holds the median of the per-round ratios",
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

// ------------------------------------------------------------------ main --

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    fail(`${err.message}\n${USAGE}`, 2);
  }
  const ccVersion = firstLine("cc", ["--version"]);
  let impls = opts.only;
  if (impls.includes("c") && !buildC(ccVersion, opts.onlyGiven)) {
    impls = impls.filter((name) => name !== "c");
  }
  checkCli(impls);

  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cc: ccVersion,
    cpu: `${os.cpus()[0]?.model ?? "unknown"} (${os.cpus().length} logical CPUs), ${os.platform()} ${os.release()}`,
    command: ["node", path.relative(process.cwd(), process.argv[1]), ...process.argv.slice(2)].join(" "),
    seed: opts.seed,
    log2Pages: opts.log2Pages,
    ops: opts.ops,
    rounds: opts.rounds,
    impls,
  };
  const rounds = runRounds(impls, opts);
  meta.checksum = checkChecksums(rounds);
  const summary = summarize(impls, rounds);

  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...meta, ...summary })}\n`);
  } else {
    printTable(meta, impls, summary);
  }
}

main();
