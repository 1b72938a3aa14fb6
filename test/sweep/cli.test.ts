// `oomlab sweep` and `oomlab sweep merge` as a user runs them: the built CLI in fresh processes, real
// worker threads, real files. The cell module is the CLI's (bindings/sweep/default_cell.ts: sweep/cell.ts's
// workloads; CHURN below is the one place that names its parameters).

import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = new URL("../../dist/bindings/cli/main.js", import.meta.url).pathname;
const TMP = mkdtempSync(path.join(tmpdir(), "oomlab-sweep-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** The workload of these runs (the CLI's cell module's churn). */
const CHURN = { name: "churn", params: { requests: 100_000 } };
const SPEC = {
  format: "oomlab-sweep/1",
  name: "cli",
  machine: { era: "2.6.11", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 16384 }] }] },
  workload: CHURN,
  grid: [{ path: "machine.minFreeKbytes", values: [128, 1024, 4096] }],
  seeds: 3,
};

function file(name: string, value: unknown): string {
  const p = path.join(TMP, name);
  writeFileSync(p, typeof value === "string" ? value : JSON.stringify(value));
  return p;
}
const specPath = file("spec.json", SPEC);

function oomlab(...argv: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...argv], { cwd: TMP, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const read = (dir: string, f: string) => readFileSync(path.join(TMP, dir, f), "utf8");

describe("oomlab sweep", () => {
  it("1 and 2 workers write byte-identical results.jsonl and summary.csv; nothing on stderr off a terminal", () => {
    const a = oomlab("sweep", specPath, "--workers", "1", "--out", "w1");
    expect(a.stderr).toBe("");
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(
      /^sweep cli: 9 tasks \(9 run now, 0 resumed\) of 3 cells x 3 seeds in [\d.]+ s on 1 worker: /,
    );
    const b = oomlab("sweep", specPath, "--workers", "2", "--out", "w2");
    expect([b.status, b.stderr]).toEqual([0, ""]);
    expect(read("w2", "results.jsonl")).toBe(read("w1", "results.jsonl"));
    expect(read("w2", "summary.csv")).toBe(read("w1", "summary.csv"));
    expect(read("w1", "results.jsonl").split("\n").length - 1).toBe(9);
    expect(read("w1", "summary.csv").split("\n")[0]).toMatch(/^cell,index,seedIndex,seed,machine\.minFreeKbytes,/);
    const timings = read("w2", "timings.jsonl")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(timings.length).toBe(9);
    expect(new Set(timings.map((t) => t.worker))).toEqual(new Set([0, 1]));
  });

  it("shards 0/2 and 1/2 merged are byte-identical to the unsharded run (results, summary, manifest)", () => {
    expect(oomlab("sweep", specPath, "--out", "whole").status).toBe(0);
    expect(oomlab("sweep", specPath, "--shard", "0/2", "--out", "s0").status).toBe(0);
    const s1 = oomlab("sweep", specPath, "--shard", "1/2");
    expect(s1.stdout).toContain("sweep cli: shard 1/2: 4 tasks"); // ordinals 1, 3, 5, 7
    expect(existsSync(path.join(TMP, "sweep-out/cli.shard-1-of-2/results.jsonl"))).toBe(true);
    const m = oomlab("sweep", "merge", "s0", "sweep-out/cli.shard-1-of-2", "--out", "merged");
    expect([m.status, m.stderr]).toEqual([0, ""]);
    for (const f of ["results.jsonl", "summary.csv", "sweep.json"]) expect(read("merged", f), f).toBe(read("whole", f));
    // the report too, plots byte for byte (a shard's run writes none)
    expect(m.stdout).toContain("report: merged/report.html, merged/report.md, 1 plot\n");
    for (const f of ["report.md", "report.html", "plots/success-pct.svg", "plots/success-pct.vl.json"])
      expect(read("merged", f), f).toBe(read("whole", f));
    expect(existsSync(path.join(TMP, "s0/report.html"))).toBe(false);
    expect(read("merged", "timings.jsonl").split("\n").length - 1).toBe(9);
    const partial = oomlab("sweep", "merge", "s0", "--out", "partial");
    expect(partial.status).toBe(2);
    expect(partial.stderr).toMatch(/^oomlab: the merged results lack 4 of 9 tasks/);
    expect(oomlab("sweep", "merge", "s0").stderr).toContain("'sweep merge' needs --out DIR");
  });

  it("--resume drops a truncated last line with a warning and completes the file to the same bytes", () => {
    expect(oomlab("sweep", specPath, "--out", "full").status).toBe(0);
    const full = read("full", "results.jsonl");
    cpSync(path.join(TMP, "full"), path.join(TMP, "cut"), { recursive: true });
    const cut = full.indexOf("\n", full.indexOf("\n") + 1) + 30; // two lines and 29 characters of the third
    writeFileSync(path.join(TMP, "cut/results.jsonl"), full.slice(0, cut));
    const again = oomlab("sweep", specPath, "--out", "cut");
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(
      "oomlab: cut/results.jsonl exists: --resume continues that run, or choose another --out\n",
    );
    const r = oomlab("sweep", specPath, "--out", "cut", "--resume", "--workers", "2");
    expect(r.stderr).toBe("oomlab: cut/results.jsonl: dropped a truncated last line (29 characters)\n");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("9 tasks (7 run now, 2 resumed)");
    expect(read("cut", "results.jsonl")).toBe(full);
    expect(read("cut", "summary.csv")).toBe(read("full", "summary.csv"));
    // another spec in the same directory is refused
    const other = file("other.json", { ...SPEC, seeds: 2 });
    expect(oomlab("sweep", other, "--out", "cut", "--resume").stderr).toContain(
      "--resume: cut holds a run of another spec",
    );
  });

  it("input errors exit 2 naming the field: schema, grid values, workload, --shard, JSON", () => {
    const cases: [unknown, string][] = [
      [{ ...SPEC, seeds: 0 }, "oomlab: sweep: seeds 0 is out of range: an integer from 1 to 10000"],
      [{ ...SPEC, grid: [{ path: "sysctl.swapiness", values: [1] }] }, "sysctl.swapiness is not a field of sysctl"],
      [{ ...SPEC, extra: 1 }, "oomlab: sweep: extra is not a field of the sweep spec"],
      [
        { ...SPEC, grid: [{ path: "machine.pageSize", values: [4096, 8192] }] },
        "oomlab: sweep: cell 1 (machine.pageSize=8192): machine.pageSize 8192 is not 4096, 16384 or 65536",
      ],
      [{ ...SPEC, workload: { name: "nope" } }, 'workload.name "nope" is not one of'],
      // a placement policy the workload cannot run on, in a grid: the cell, the policy and the workload
      [
        {
          ...SPEC,
          workload: { name: "thp-storm", params: {} },
          grid: [{ path: "policy.placement", values: ["buddy-6.18", "llfree"] }],
        },
        "oomlab: sweep: cell 1 (policy.placement=llfree): policy.placement llfree cannot run workload thp-storm",
      ],
      [{ ...SPEC, policy: { caller: "kvmalloc" } }, 'policy.caller "kvmalloc" has no effect on workload churn'],
      ["{", "is not valid JSON"],
    ];
    cases.forEach(([spec, message], i) => {
      const r = oomlab("sweep", file(`bad${i}.json`, spec), "--out", `bad${i}`);
      expect(r.status, message).toBe(2);
      expect(r.stderr).toContain(message);
    });
    for (const s of ["2/2", "1", "-1/3", "a/b"]) {
      const r = oomlab("sweep", specPath, "--shard", s);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`--shard "${s}" is not I/N with 0 <= I < N`);
    }
    expect(oomlab("sweep", specPath, "--workers", "0").status).toBe(2);
    expect(oomlab("sweep").stderr).toContain("'sweep' takes SPEC.json, got none");
    const h = oomlab("help", "sweep");
    expect(h.stdout).toContain("Usage: oomlab sweep SPEC.json [options]");
    expect(h.stdout).toContain("oomlab sweep merge DIR... --out DIR");
  });

  it("SIGINT: exit 130, results.jsonl keeps whole lines only, --resume completes it to the same bytes", async () => {
    const big = file("big.json", {
      ...SPEC,
      name: "big",
      workload: { ...CHURN, params: { requests: 1_000_000 } },
      seeds: 8,
    });
    expect(oomlab("sweep", big, "--out", "big-full", "--workers", "2").status).toBe(0);
    const full = read("big-full", "results.jsonl");
    const results = path.join(TMP, "big-int/results.jsonl");
    const status = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [CLI, "sweep", big, "--out", "big-int", "--workers", "2"], { cwd: TMP });
      const poll = setInterval(() => {
        if (existsSync(results) && statSync(results).size > 0) {
          clearInterval(poll);
          child.kill("SIGINT");
        }
      }, 5);
      child.on("close", (code) => {
        clearInterval(poll);
        resolve(code);
      });
    });
    expect(status).toBe(130);
    const part = readFileSync(results, "utf8");
    expect(part.endsWith("\n")).toBe(true);
    const lines = part.split("\n").length - 1;
    expect(lines).toBeLessThan(24);
    expect(full.startsWith(part)).toBe(true);
    const r = oomlab("sweep", big, "--out", "big-int", "--resume");
    expect(r.status).toBe(0);
    expect(read("big-int", "results.jsonl")).toBe(full);
  });
});
