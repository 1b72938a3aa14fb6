// The stored lab runs (lab/runs/<name>/, made by `npm run lab` in QEMU): each folder holds what the lab
// run folder format lists, its JSON parses and agrees with the console and vmstat copies, the trace
// holds the three phase markers in order and parses, and the /proc copies parse with the project's parsers.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import xzDecompress from "xz-decompress";
import { describe, expect, it } from "vitest";
import { parseFtrace } from "../../bindings/parse/ftrace.js";
import { parseKilled } from "../../bindings/parse/kills.js";
import { parseBuddyinfo, parsePagetypeinfo, parseZoneinfo } from "../../bindings/parse/proc.js";

const RUNS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../lab/runs");
const LAB_RUNS: { name: string; workload: string; probe: { kind: string } }[] = JSON.parse(
  readFileSync(path.join(RUNS, "..", "runs.json"), "utf8"),
);
const PROC = ["buddyinfo", "pagetypeinfo", "zoneinfo", "vmstat"];
const FILES = [
  ...["before", "mid", "after"].flatMap((phase) => PROC.map((f) => `${phase}-${f}`)),
  "trace.txt.xz",
  "console.log",
  "probe.json",
  "workload.json",
  "result.json",
];
const MARKERS = ["oomlab: workload-start", "oomlab: probe-start", "oomlab: probe-end"];
const stored = readdirSync(RUNS).sort();

async function xzText(file: string): Promise<string> {
  const stream = new xzDecompress.XzReadableStream(
    new Blob([readFileSync(file)]).stream() as ReadableStream<Uint8Array>,
  );
  return new Response(stream).text();
}

function vmstat(text: string): Map<string, number> {
  return new Map(
    text
      .trim()
      .split("\n")
      .map((l) => [l.split(" ")[0], Number(l.split(" ")[1])]),
  );
}

describe("the stored lab runs", () => {
  it("cover at least 6 runs over at least 3 workloads and all 3 probes, each one listed in lab/runs.json", () => {
    expect(stored.length).toBeGreaterThanOrEqual(6);
    const runs = stored.map((name) => JSON.parse(readFileSync(path.join(RUNS, name, "workload.json"), "utf8")).name);
    expect(new Set(runs).size).toBeGreaterThanOrEqual(3);
    const probes = stored.map((name) => JSON.parse(readFileSync(path.join(RUNS, name, "probe.json"), "utf8")).kind);
    expect(new Set(probes)).toEqual(new Set(["nr_hugepages", "thp-storm", "oom"]));
    for (const name of stored) expect(LAB_RUNS.map((r) => r.name)).toContain(name);
  });

  describe.each(stored)("%s", (name) => {
    const dir = path.join(RUNS, name);
    const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
    const listed = LAB_RUNS.find((r) => r.name === name);

    it("has every file of the format and nothing else", () => {
      expect(readdirSync(dir).sort()).toEqual([...FILES].sort());
    });

    it("has workload.json and probe.json matching lab/runs.json, and a result of its probe", () => {
      const workload = JSON.parse(read("workload.json"));
      const probe = JSON.parse(read("probe.json"));
      const result = JSON.parse(read("result.json"));
      expect(workload.name).toBe(listed?.workload);
      expect(workload.vm).toMatchObject({ memMiB: 256, cpus: 1, kernel: "6.1.0-50-amd64" });
      expect(workload.vm.cmdline).toContain(`oomlab.run=${name}`);
      expect(probe.kind).toBe(listed?.probe.kind);
      expect(result.traceOverrun).toBe(false);
      expect(result.runSeconds).toBeGreaterThan(0);
      if (probe.kind === "nr_hugepages") {
        expect(Number.isInteger(result.hugepages)).toBe(true);
        expect(result.hugepages).toBeLessThanOrEqual(probe.value);
        // vmstat agrees: one buddy allocation per huge page, and growing the pool stops at the first failure
        // (mm/hugetlb.c set_max_huge_pages, 6.1), so a short pool has exactly one failure.
        const mid = vmstat(read("mid-vmstat"));
        const after = vmstat(read("after-vmstat"));
        const delta = (k: string) => after.get(k)! - mid.get(k)!;
        expect(delta("htlb_buddy_alloc_success")).toBe(result.hugepages);
        expect(delta("htlb_buddy_alloc_fail")).toBe(result.hugepages < probe.value ? 1 : 0);
      } else if (probe.kind === "thp-storm") {
        // The deltas are the vmstat copies' own, around the probe.
        const mid = vmstat(read("mid-vmstat"));
        const after = vmstat(read("after-vmstat"));
        expect(result.thp_fault_alloc).toBe(after.get("thp_fault_alloc")! - mid.get("thp_fault_alloc")!);
        expect(result.thp_fault_fallback).toBe(after.get("thp_fault_fallback")! - mid.get("thp_fault_fallback")!);
        expect(probe).toMatchObject({ madvise: "MADV_HUGEPAGE", threads: 1 });
        expect(typeof probe.defrag).toBe("string");
      } else {
        // The victim is a probe task, and the project's kill-line parser reads the same pid and name.
        const names = [...probe.tasks.map((t: { name: string }) => t.name), probe.then.name];
        expect(names).toContain(result.victim.name);
        const kills = read("console.log")
          .split("\n")
          .map((l) => parseKilled(l.replace(/^\[\s*[\d.]+\]\s*/, "").replace(/^Out of memory: /, "")))
          .filter((k) => k !== null);
        expect(kills.map((k) => ({ pid: k.pid, name: k.comm }))).toContainEqual(result.victim);
      }
    });

    it("has the phase markers in order in a trace that parses, with kmem events in every phase", async () => {
      const lines = (await xzText(path.join(dir, "trace.txt.xz"))).split("\n");
      const at = MARKERS.map((m) => lines.findIndex((l) => l.includes(`tracing_mark_write: ${m}`)));
      expect(at.every((i) => i >= 0)).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
      const perPhase = [0, 0, 0];
      const gen = parseFtrace(lines);
      let r = gen.next();
      while (!r.done) {
        const line = r.value.line - 1;
        perPhase[line < at[1] ? (line < at[0] ? 0 : 1) : 2] += 1;
        r = gen.next();
      }
      expect(r.value.malformed).toBe(0);
      expect(perPhase[1]).toBeGreaterThan(0); // the workload's events
      expect(perPhase[2]).toBeGreaterThan(0); // the probe's
    });

    it("has before, mid and after /proc copies the parsers read without a warning", () => {
      for (const phase of ["before", "mid", "after"]) {
        const buddy = parseBuddyinfo(read(`${phase}-buddyinfo`));
        expect(buddy.warnings).toEqual([]);
        expect(buddy.zones.map((z) => z.name)).toEqual(["DMA", "DMA32"]);
        for (const z of buddy.zones) expect(z.freeAreas).toHaveLength(11);
        const zoneinfo = parseZoneinfo(read(`${phase}-zoneinfo`));
        expect(zoneinfo.zones.length).toBeGreaterThanOrEqual(2);
        const pagetype = parsePagetypeinfo(read(`${phase}-pagetypeinfo`));
        expect(pagetype.warnings).toEqual([]);
        expect(vmstat(read(`${phase}-vmstat`)).get("nr_free_pages")).toBeGreaterThan(0);
      }
    });
  });
});
