// lab/plan.mjs: the run list checked, the VM's shell functions, and the run folder's JSON files made from
// the VM's raw outputs. No QEMU.
import { describe, expect, it } from "vitest";
import {
  consoleKills,
  DEFAULT_TRACE_KIB,
  elfInterpreter,
  kernelInfo,
  type LabRun,
  parseTraceStats,
  probeJson,
  resultJson,
  runScript,
  summaryRow,
  validateRuns,
  workloadJson,
} from "../../lab/plan.mjs";

const pepper = {
  name: "pepper32-hp64",
  workload: "pepper",
  params: { keepOneIn: 32, reserveMiB: 16 },
  probe: { kind: "nr_hugepages", value: 64 },
};
const oomProbe = {
  kind: "oom",
  tasks: [
    { name: "hog1", bytes: 33554432, oomScoreAdj: 0 },
    { name: "hog2", bytes: 16777216, oomScoreAdj: 500 },
  ],
  then: { name: "grow", stepBytes: 1048576, oomScoreAdj: 0 },
};
const mixOom = {
  name: "mix-oom",
  workload: "mix",
  params: { anonMiB: 64, chunkKiB: 64, cacheMiB: 48, keepOneIn: 16, reserveMiB: 16 },
  probe: oomProbe,
  traceKiB: 2048,
};

// The stats file of 6.1 (kernel/trace/trace.c tracing_stats_read).
const STATS = [
  "entries: 76544",
  "overrun: 0",
  "commit overrun: 0",
  "bytes: 2770304",
  "oldest event ts:     4.923390",
  "now ts:     9.712036",
  "dropped events: 0",
  "read events: 0",
].join("\n");

const vmOut = {
  probeResult: "hugepages=4\n",
  traceStats: STATS,
  midVmstat: "nr_free_pages 30000\nthp_fault_alloc 3\nthp_fault_fallback 1\n",
  afterVmstat: "nr_free_pages 1000\nthp_fault_alloc 20\nthp_fault_fallback 17\n",
  console: "",
  bootSeconds: 6.64,
  runSeconds: 13.06,
};

describe("validateRuns", () => {
  it("fills in the default trace buffer and keeps a given one", () => {
    const [a, b] = validateRuns([pepper, mixOom]);
    expect(a.traceKiB).toBe(DEFAULT_TRACE_KIB);
    expect(b.traceKiB).toBe(2048);
  });

  it.each([
    [{ ...pepper, name: "Bad Name" }, /name must match/],
    [{ ...pepper, workload: "swap" }, /workload must be one of/],
    [{ ...pepper, params: { keepOneIn: 32 } }, /params.reserveMiB must be a positive integer/],
    [{ ...pepper, params: { keepOneIn: 32, reserveMiB: 16, k: 1 } }, /unknown param "k"/],
    [{ ...pepper, probe: { kind: "nr_hugepages", value: 0 } }, /probe.value/],
    [{ ...pepper, probe: { kind: "compact" } }, /probe.kind must be/],
    [{ ...mixOom, probe: { ...oomProbe, then: { ...oomProbe.then, name: "hog1" } } }, /duplicate probe task "hog1"/],
    [{ ...mixOom, probe: { ...oomProbe, then: { ...oomProbe.then, oomScoreAdj: 1001 } } }, /-1000..1000/],
    [{ ...mixOom, probe: { ...oomProbe, then: { ...oomProbe.then, name: "a-name-of-16-chr" } } }, /task name/],
  ])("refuses %j", (run, message) => {
    expect(() => validateRuns([run])).toThrow(message);
  });

  it("refuses duplicate names and an empty list", () => {
    expect(() => validateRuns([pepper, pepper])).toThrow(/duplicate name/);
    expect(() => validateRuns([])).toThrow(/non-empty/);
  });
});

describe("runScript", () => {
  it("runs the mix as anonymous fill, page-cache read, then pepper, and the OOM probe's hogs before the grower", () => {
    const [run] = validateRuns([mixOom]);
    expect(runScript(run)).toBe(
      [
        '# mix-oom: mix {"anonMiB":64,"chunkKiB":64,"cacheMiB":48,"keepOneIn":16,"reserveMiB":16}, then ' +
          JSON.stringify(oomProbe),
        "TRACE_KB=2048",
        "setup() {",
        "  :",
        "}",
        "workload() {",
        "  start /tmp/ready.anon labtool anon 64 64 /tmp/ready.anon",
        "  dd if=/data/fill of=/dev/null bs=1M count=48",
        "  start /tmp/ready.pepper labtool pepper 16 16 /tmp/ready.pepper",
        "}",
        "probe() {",
        "  start /tmp/ready.hog1 labtool hog hog1 33554432 0 /tmp/ready.hog1",
        "  start /tmp/ready.hog2 labtool hog hog2 16777216 500 /tmp/ready.hog2",
        "  start /tmp/ready.grow labtool grow grow 1048576 0 /tmp/ready.grow",
        "  sleep 1",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("asks nr_hugepages for the value and reports what it reads back", () => {
    const script = runScript(validateRuns([pepper])[0]);
    expect(script).toContain("  echo 64 > /proc/sys/vm/nr_hugepages\n");
    expect(script).toContain('  result "hugepages=$(cat /proc/sys/vm/nr_hugepages)"\n');
  });

  it("turns THP on for MADV_HUGEPAGE regions before a THP storm only (the kernel leaves it off below 512 MiB)", () => {
    const thp = validateRuns([{ ...pepper, probe: { kind: "thp-storm", bytes: 4194304 } }])[0];
    expect(runScript(thp)).toContain(
      "setup() {\n  echo madvise > /sys/kernel/mm/transparent_hugepage/enabled\n" +
        "  echo madvise > /sys/kernel/mm/transparent_hugepage/defrag\n}\n",
    );
    expect(runScript(thp)).toContain("  start /tmp/ready.thp labtool thp 4194304 /tmp/ready.thp\n");
    expect(runScript(validateRuns([pepper])[0])).toContain("setup() {\n  :\n}\n");
  });
});

describe("the run folder's JSON", () => {
  const info = kernelInfo(
    [
      "release=6.1.0-50-amd64",
      "cmdline=console=ttyS0 panic=-1 oomlab.run=x",
      "thp_enabled=[always] madvise never",
      "thp_defrag=always defer defer+madvise [madvise] never",
      "min_free_kbytes=1417",
    ].join("\n"),
  );

  it("takes the bracketed THP settings and the release", () => {
    expect(info).toMatchObject({ release: "6.1.0-50-amd64", thp_enabled: "always", thp_defrag: "madvise" });
  });

  it("describes the workload with its VM and the probe with everything a predictor needs", () => {
    const [run] = validateRuns([mixOom]);
    expect(workloadJson(run, info, { memMiB: 256, cpus: 1 })).toEqual({
      name: "mix",
      params: { ...mixOom.params, oomScoreAdj: -1000, anonAdvice: "MADV_NOHUGEPAGE" },
      vm: {
        memMiB: 256,
        cpus: 1,
        kernel: "6.1.0-50-amd64",
        cmdline: "console=ttyS0 panic=-1 oomlab.run=x",
        traceKiB: 2048,
        minFreeKbytes: 1417,
        thp: { enabled: "always", defrag: "madvise" },
      },
    });
    expect(probeJson(run, info)).toEqual({ ...oomProbe, then: { ...oomProbe.then, untilOomKill: true } });
    const thp = validateRuns([{ ...pepper, probe: { kind: "thp-storm", bytes: 67108864 } }])[0];
    expect(probeJson(thp, info)).toEqual({
      kind: "thp-storm",
      bytes: 67108864,
      threads: 1,
      madvise: "MADV_HUGEPAGE",
      defrag: "madvise",
      enabled: "always",
    });
  });

  it("reads the ring buffer stats with their spaced names", () => {
    expect(parseTraceStats(STATS)).toMatchObject({ entries: 76544, overrun: 0, commitOverrun: 0, droppedEvents: 0 });
  });

  it("reports huge pages, the boot and run seconds to a tenth, and no overrun", () => {
    expect(resultJson(validateRuns([pepper])[0], vmOut)).toEqual({
      hugepages: 4,
      traceOverrun: false,
      traceStats: { entries: 76544, overrun: 0, commitOverrun: 0, droppedEvents: 0, bytes: 2770304 },
      bootSeconds: 6.6,
      runSeconds: 13.1,
    });
  });

  it("flags an overrun, or events dropped, as traceOverrun", () => {
    const run = validateRuns([pepper])[0];
    expect(resultJson(run, { ...vmOut, traceStats: STATS.replace("overrun: 0", "overrun: 12") }).traceOverrun).toBe(
      true,
    );
    expect(
      resultJson(run, { ...vmOut, traceStats: STATS.replace("dropped events: 0", "dropped events: 1") }).traceOverrun,
    ).toBe(true);
    expect(() => resultJson(run, { ...vmOut, traceStats: "entries: 5" })).toThrow(/lack "overrun"/);
  });

  it("takes the THP storm's result as vmstat deltas from mid to after: 20 - 3 = 17 and 17 - 1 = 16", () => {
    const run = validateRuns([{ ...pepper, probe: { kind: "thp-storm", bytes: 67108864 } }])[0];
    expect(resultJson(run, vmOut)).toMatchObject({ thp_fault_alloc: 17, thp_fault_fallback: 16 });
  });

  it("takes the OOM victim from the first Killed process line after probe-start", () => {
    const console = [
      "[    3.1] Out of memory: Killed process 77 (early) total-vm:1kB",
      "oomlab-lab: phase probe-start",
      "[   12.5] Out of memory: Killed process 212 (hog2) total-vm:17000kB, anon-rss:16384kB, oom_score_adj:500",
      "[   13.0] Out of memory: Killed process 215 (grow) total-vm:90000kB",
    ].join("\n");
    expect(consoleKills(console)).toEqual([
      { pid: 212, name: "hog2" },
      { pid: 215, name: "grow" },
    ]);
    const [run] = validateRuns([mixOom]);
    expect(resultJson(run, { ...vmOut, console })).toMatchObject({ victim: { pid: 212, name: "hog2" } });
    expect(() => resultJson(run, { ...vmOut, console: "oomlab-lab: phase probe-start\n" })).toThrow(/no "Killed/);
  });
});

describe("summaryRow", () => {
  it("writes one table row per probe kind", () => {
    const [hp, oom] = validateRuns([pepper, mixOom]);
    const seconds = { traceOverrun: false, bootSeconds: 12.5, runSeconds: 26.7 };
    expect(summaryRow(hp, { hugepages: 4, ...seconds })).toBe(
      "| pepper32-hp64 | pepper keepOneIn=32 reserveMiB=16 | nr_hugepages=64 | 4 huge pages | 12.5 | 26.7 |",
    );
    const kills = [
      { pid: 9, name: "hog2" },
      { pid: 11, name: "grow" },
    ];
    expect(summaryRow(oom, { victim: kills[0], oomKills: kills, ...seconds, traceOverrun: true })).toBe(
      "| mix-oom | mix anonMiB=64 chunkKiB=64 cacheMiB=48 keepOneIn=16 reserveMiB=16 | oom: hog1, hog2 (500), grow | " +
        "victim hog2 (2 kills) (trace overrun) | 12.5 | 26.7 |",
    );
    const thp = validateRuns([{ ...pepper, probe: { kind: "thp-storm", bytes: 67108864 } }])[0];
    expect(summaryRow(thp, { thp_fault_alloc: 13, thp_fault_fallback: 19, ...seconds })).toContain(
      "| thp-storm 64 MiB | thp_fault_alloc 13, thp_fault_fallback 19 |",
    );
  });
});

describe("elfInterpreter", () => {
  /** An ELF64 header (64 bytes) and one program header at 64 (56 bytes) of type `type`, its segment at 120. */
  function elf(type: number, segment: string): Buffer {
    const b = Buffer.alloc(120 + segment.length);
    b.writeUInt32BE(0x7f454c46, 0); // \x7fELF
    b[4] = 2; // ELFCLASS64
    b[5] = 1; // ELFDATA2LSB
    b.writeBigUInt64LE(64n, 32); // e_phoff
    b.writeUInt16LE(56, 54); // e_phentsize
    b.writeUInt16LE(1, 56); // e_phnum
    b.writeUInt32LE(type, 64); // p_type
    b.writeBigUInt64LE(120n, 64 + 8); // p_offset
    b.writeBigUInt64LE(BigInt(segment.length), 64 + 32); // p_filesz
    b.write(segment, 120, "latin1");
    return b;
  }

  it("reads PT_INTERP of a dynamic executable and finds none in a static one (PT_LOAD only)", () => {
    expect(elfInterpreter(elf(3, "/lib64/ld-linux-x86-64.so.2\0"))).toBe("/lib64/ld-linux-x86-64.so.2");
    expect(elfInterpreter(elf(1, "code"))).toBeNull();
  });

  it("refuses what is not a 64-bit little-endian ELF file", () => {
    expect(() => elfInterpreter(Buffer.from("#!/bin/sh\n".padEnd(80)))).toThrow(/not a 64-bit/);
  });
});

// Types only: a LabRun literal must satisfy the declaration file.
const typed: LabRun = { ...pepper, workload: "pepper", probe: { kind: "nr_hugepages", value: 1 }, traceKiB: 1 };
void typed;
