// `oomlab sweep` over the trace workload as a user runs it: the built CLI, real worker threads that each
// load the capture once (cli/trace_load.ts), the capture named relative to the spec file. The results
// must not depend on the number of workers or on sharding.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = new URL("../../dist/bindings/cli/main.js", import.meta.url).pathname;
const FIXTURE = new URL("../fixtures/traces/6.18-mixed-1", import.meta.url).pathname;
const TMP = mkdtempSync(path.join(tmpdir(), "oomlab-trace-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const SPEC = {
  format: "oomlab-sweep/1",
  name: "trace-cli",
  machine: { era: "6.18", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096 }] }] },
  // relative to the spec file, which is written into TMP
  workload: { name: "trace", params: { trace: path.relative(TMP, FIXTURE), events: 20_000 } },
  grid: [
    { path: "workload.params.mode", values: ["requests", "pinned"] },
    { path: "workload.params.freePercent", values: [100, 40] },
  ],
  seeds: 1,
};

function file(name: string, value: unknown): string {
  const p = path.join(TMP, name);
  writeFileSync(p, JSON.stringify(value));
  return p;
}
const specPath = file("trace.json", SPEC);

function oomlab(...argv: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...argv], { cwd: TMP, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const read = (dir: string, f: string) => readFileSync(path.join(TMP, dir, f), "utf8");

describe("oomlab sweep with the trace workload", () => {
  it("1 and 2 workers, and two shards merged, write byte-identical results", () => {
    const a = oomlab("sweep", specPath, "--workers", "1", "--out", "w1");
    expect([a.status, a.stderr]).toEqual([0, ""]);
    const b = oomlab("sweep", specPath, "--workers", "2", "--out", "w2");
    expect([b.status, b.stderr]).toEqual([0, ""]);
    expect(read("w2", "results.jsonl")).toBe(read("w1", "results.jsonl"));
    expect(oomlab("sweep", specPath, "--shard", "0/2", "--workers", "1", "--out", "s0").status).toBe(0);
    expect(oomlab("sweep", specPath, "--shard", "1/2", "--workers", "1", "--out", "s1").status).toBe(0);
    expect(oomlab("sweep", "merge", "s0", "s1", "--out", "merged").status).toBe(0);
    expect(read("merged", "results.jsonl")).toBe(read("w1", "results.jsonl"));
    const lines = read("w1", "results.jsonl")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(4);
    // the first 20,000 events: the same requests in both modes
    const requests = lines.map((l) => l.metrics.trace_requests);
    expect(new Set(requests).size).toBe(1);
    expect(requests[0]).toBeGreaterThan(0);
    expect(lines[2].metrics.pinned_conflicts).toBeTypeOf("number");
  });

  it("a capture that does not exist stops the sweep before any worker starts (exit 2, naming it)", () => {
    const bad = file("missing.json", { ...SPEC, workload: { name: "trace", params: { trace: "nowhere.txt.xz" } } });
    const r = oomlab("sweep", bad, "--out", "missing");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("trace nowhere.txt.xz: cannot read");
    expect(r.stderr).toContain("ENOENT");
  });

  it("a file that is not a capture is a typed error naming the file and its first bad line", () => {
    writeFileSync(path.join(TMP, "junk.txt"), "hello\nworld\n");
    const bad = file("junk.json", { ...SPEC, grid: [], workload: { name: "trace", params: { trace: "junk.txt" } } });
    const r = oomlab("sweep", bad, "--out", "junk");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("junk.txt is not an ftrace kmem capture: no event line (line 1:");
  });
});
