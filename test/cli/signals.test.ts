// The built CLI in a fresh process under SIGINT and a closed standard output: a long command stops soon
// after SIGINT with exit 130, what it printed so far, and a line on stderr saying the output is incomplete;
// `oomlab ... | head` ends with 141 (as SIGPIPE would) and no stack trace. The limits below are generous:
// they say "stops", not how fast.

import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

const CLI = new URL("../../dist/bindings/cli/main.js", import.meta.url).pathname;
const REPORT = new URL("../fixtures/seed-article-oom-report.txt", import.meta.url).pathname;
/** How long the command runs before SIGINT, at first; doubled when the signal came before the process had
 * set up its handler (it then dies of the signal's default action: a loaded machine, a slow start). */
const RUN_BEFORE_SIGNAL_MS = 1000;
const MAX_TRIES = 4;
/** How long after SIGINT the process may take to end before the test calls it ignored. */
const STOP_WITHIN_MS = 5000;
const INCOMPLETE = "oomlab: interrupted: output incomplete\n";
/** Replay bounds that keep the seed's kmem_alloc loop running for many seconds. */
const HUGE_BOUNDS = ["--max-retries", "1000000", "--max-sim-ms", "86400000"];
const NOFS = '--set=events.0.flags=["KM_NOFS"]';

interface Ended {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from SIGINT to exit, or null if the process had to be killed. */
  stoppedAfterMs: number | null;
}

/** Spawns the CLI, sends SIGINT once `ready` says so (default: after runMs), waits for the end. */
function interruptOnce(argv: string[], runMs: number, ready?: (stdout: string) => boolean): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...argv], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let signalledAt = 0;
    let killer: NodeJS.Timeout | undefined;
    const signal = () => {
      if (signalledAt) return;
      signalledAt = performance.now();
      child.kill("SIGINT");
      killer = setTimeout(() => child.kill("SIGKILL"), STOP_WITHIN_MS);
    };
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (ready?.(stdout)) signal();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    if (!ready) setTimeout(signal, runMs);
    child.on("close", (status, sig) => {
      clearTimeout(killer);
      const stoppedAfterMs = sig === "SIGKILL" ? null : performance.now() - signalledAt;
      resolve({ status, signal: sig, stdout, stderr, stoppedAfterMs });
    });
  });
}

/** interruptOnce, again with a longer run while the signal arrived before the process's handler existed. */
async function interrupt(argv: string[], ready?: (stdout: string) => boolean): Promise<Ended> {
  let runMs = RUN_BEFORE_SIGNAL_MS;
  for (let tries = 1; ; tries++, runMs *= 2) {
    const r = await interruptOnce(argv, runMs, ready);
    if (r.signal !== "SIGINT" || tries === MAX_TRIES) return r;
  }
}

describe("SIGINT stops every command with exit 130 and marks the output incomplete", () => {
  it.concurrent.each([
    ["bench churn (WebAssembly)", ["bench", "churn", "--ops", "4000000000"]],
    ["bench churn (the TypeScript reference)", ["bench", "churn", "--engine", "reference", "--ops", "4000000000"]],
    ["demo", ["demo", "--ops", "1000000000"]],
    // KM_NOFS: no __GFP_FS, so no OOM killer; kmem_alloc reclaims and retries up to the largest bounds
    ["replay with the largest bounds", ["replay", "seed", NOFS, ...HUGE_BOUNDS]],
    ["replay --json with the largest bounds", ["replay", "seed", NOFS, "--json", ...HUGE_BOUNDS]],
    ["diagnose waiting on standard input", ["diagnose", "-"]],
  ])("%s", async (_, argv) => {
    const r = await interrupt(argv);
    expect(r.stoppedAfterMs, "the process ignored SIGINT and was killed").not.toBeNull();
    expect(r.stoppedAfterMs).toBeLessThan(STOP_WITHIN_MS);
    expect([r.status, r.stderr.endsWith(INCOMPLETE)]).toEqual([130, true]);
  });

  it("what was printed before SIGINT is flushed: diagnose's first report, then the marker", async () => {
    // The first input is diagnosed and printed; the second is standard input, left open, so the command waits.
    const r = await interrupt(["diagnose", REPORT, "-"], (out) => out.includes("Victim:"));
    expect(r.status).toBe(130);
    expect(r.stdout).toContain(`${REPORT}: `);
    expect(r.stdout).toContain("o=3: 233 - 216 = 17 <= 23 -> fail");
    expect(r.stderr).toBe(INCOMPLETE);
  });
});

describe("a closed standard output", () => {
  it("ends the command with 141 and no stack trace", async () => {
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      // 2.4 MB of JSON: far more than a pipe holds, so writes continue after the reader has gone.
      const child = spawn(process.execPath, [CLI, "replay", "seed", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stdout.once("data", () => child.stdout.destroy());
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("close", (status) => resolve({ status, stderr }));
    });
    expect(r).toEqual({ status: 141, stderr: "" });
  });
});
