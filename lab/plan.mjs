// The pure half of the lab runner (tested in test/lab/plan.test.ts): lab/runs.json checked, each run
// turned into the shell functions the VM's /init runs, and the VM's raw outputs turned into the run
// folder's workload.json, probe.json and result.json (the lab run folder format, LABFORMAT).

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const TASK = /^[a-z][a-z0-9_-]{0,14}$/; // TASK_COMM_LEN 16 with its NUL
const WORKLOAD_PARAMS = {
  pepper: ["keepOneIn", "reserveMiB"],
  pagecache: ["cacheMiB"],
  "anon-half": ["anonMiB", "chunkKiB"],
  mix: ["anonMiB", "chunkKiB", "cacheMiB", "keepOneIn", "reserveMiB"],
};
/** What every workload process is, besides its params: order-0 anonymous memory and unkillable. */
const WORKLOAD_FIXED = { oomScoreAdj: -1000, anonAdvice: "MADV_NOHUGEPAGE" };
export const DEFAULT_TRACE_KIB = 8192;

function bad(run, message) {
  throw new Error(`lab/runs.json: ${run?.name ?? "a run"}: ${message}`);
}

function positiveInt(run, what, v) {
  if (!Number.isSafeInteger(v) || v <= 0) bad(run, `${what} must be a positive integer, not ${JSON.stringify(v)}`);
}

function adj(run, what, v) {
  if (!Number.isSafeInteger(v) || v < -1000 || v > 1000) bad(run, `${what} must be an integer in -1000..1000`);
}

/** Checks the run list; returns it with traceKiB filled in. Throws an Error naming the run and field. */
export function validateRuns(runs) {
  if (!Array.isArray(runs) || runs.length === 0) throw new Error("lab/runs.json: expected a non-empty array of runs");
  const seen = new Set();
  return runs.map((run) => {
    if (typeof run?.name !== "string" || !NAME.test(run.name)) bad(run, "name must match [a-z0-9][a-z0-9-]*");
    if (seen.has(run.name)) bad(run, "duplicate name");
    seen.add(run.name);
    const keys = WORKLOAD_PARAMS[run.workload];
    if (!keys) bad(run, `workload must be one of ${Object.keys(WORKLOAD_PARAMS).join(", ")}`);
    for (const k of keys) positiveInt(run, `params.${k}`, run.params?.[k]);
    for (const k of Object.keys(run.params ?? {})) if (!keys.includes(k)) bad(run, `unknown param "${k}"`);
    const p = run.probe;
    if (p?.kind === "nr_hugepages") positiveInt(run, "probe.value", p.value);
    else if (p?.kind === "thp-storm") positiveInt(run, "probe.bytes", p.bytes);
    else if (p?.kind === "oom") {
      if (!Array.isArray(p.tasks)) bad(run, "probe.tasks must be an array");
      const names = new Set();
      for (const t of [...p.tasks, p.then]) {
        if (typeof t?.name !== "string" || !TASK.test(t.name))
          bad(run, "a probe task name must match [a-z][a-z0-9_-]{0,14}");
        if (names.has(t.name)) bad(run, `duplicate probe task "${t.name}"`);
        names.add(t.name);
        adj(run, `${t.name}.oomScoreAdj`, t.oomScoreAdj);
      }
      for (const t of p.tasks) positiveInt(run, `${t.name}.bytes`, t.bytes);
      positiveInt(run, "probe.then.stepBytes", p.then.stepBytes);
    } else bad(run, 'probe.kind must be "nr_hugepages", "thp-storm" or "oom"');
    const traceKiB = run.traceKiB ?? DEFAULT_TRACE_KIB;
    positiveInt(run, "traceKiB", traceKiB);
    return { ...run, traceKiB };
  });
}

/** /runs/<name>.sh for the VM's /init: TRACE_KB and the workload and probe shell functions. */
export function runScript(run) {
  const p = run.params;
  const anon = `  start /tmp/ready.anon labtool anon ${p.anonMiB} ${p.chunkKiB} /tmp/ready.anon`;
  const cache = `  dd if=/data/fill of=/dev/null bs=1M count=${p.cacheMiB}`;
  const pepper = `  start /tmp/ready.pepper labtool pepper ${p.keepOneIn} ${p.reserveMiB} /tmp/ready.pepper`;
  const steps = { pepper: [pepper], pagecache: [cache], "anon-half": [anon], mix: [anon, cache, pepper] }[run.workload];
  const probe = run.probe;
  let probeLines;
  if (probe.kind === "nr_hugepages")
    probeLines = [
      `  echo ${probe.value} > /proc/sys/vm/nr_hugepages`,
      '  result "hugepages=$(cat /proc/sys/vm/nr_hugepages)"',
    ];
  else if (probe.kind === "thp-storm")
    probeLines = [`  start /tmp/ready.thp labtool thp ${probe.bytes} /tmp/ready.thp`];
  else {
    const t = probe.then;
    probeLines = probe.tasks.map(
      (h) => `  start /tmp/ready.${h.name} labtool hog ${h.name} ${h.bytes} ${h.oomScoreAdj} /tmp/ready.${h.name}`,
    );
    probeLines.push(
      `  start /tmp/ready.${t.name} labtool grow ${t.name} ${t.stepBytes} ${t.oomScoreAdj} /tmp/ready.${t.name}`,
    );
    probeLines.push("  sleep 1");
  }
  // THP starts "never" (enabled and defrag) below 512 MiB of RAM (mm/huge_memory.c hugepage_init, 6.1): the
  // storm sets both to their Kconfig default for MADV_HUGEPAGE regions, "madvise" (direct compaction on the
  // fault), before the before- state; the enabled write also raises min_free_kbytes
  // (set_recommended_min_free_kbytes), so before-zoneinfo's watermarks already include it.
  const thp = "/sys/kernel/mm/transparent_hugepage";
  const setup =
    probe.kind === "thp-storm" ? [`  echo madvise > ${thp}/enabled`, `  echo madvise > ${thp}/defrag`] : ["  :"];
  return [
    `# ${run.name}: ${run.workload} ${JSON.stringify(p)}, then ${JSON.stringify(probe)}`,
    `TRACE_KB=${run.traceKiB}`,
    "setup() {",
    ...setup,
    "}",
    "workload() {",
    ...steps,
    "}",
    "probe() {",
    ...probeLines,
    "}",
    "",
  ].join("\n");
}

/** The VM's /out/vm-info ("key=value" lines) as an object; a THP setting is its [bracketed] choice. */
export function kernelInfo(text) {
  const info = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) info[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  for (const k of ["thp_enabled", "thp_defrag"]) {
    const m = /\[([^\]]+)\]/.exec(info[k] ?? "");
    if (m) info[k] = m[1];
  }
  return info;
}

export function workloadJson(run, info, vm) {
  return {
    name: run.workload,
    params: { ...run.params, ...WORKLOAD_FIXED },
    vm: {
      memMiB: vm.memMiB,
      cpus: vm.cpus,
      kernel: info.release,
      cmdline: info.cmdline,
      traceKiB: run.traceKiB,
      minFreeKbytes: Number(info.min_free_kbytes),
      thp: { enabled: info.thp_enabled, defrag: info.thp_defrag },
    },
  };
}

export function probeJson(run, info) {
  const p = run.probe;
  if (p.kind === "nr_hugepages") return { kind: p.kind, value: p.value };
  if (p.kind === "thp-storm")
    return {
      kind: p.kind,
      bytes: p.bytes,
      threads: 1,
      madvise: "MADV_HUGEPAGE",
      defrag: info.thp_defrag,
      enabled: info.thp_enabled,
    };
  return {
    kind: p.kind,
    tasks: p.tasks.map((t) => ({ name: t.name, bytes: t.bytes, oomScoreAdj: t.oomScoreAdj })),
    then: { name: p.then.name, stepBytes: p.then.stepBytes, oomScoreAdj: p.then.oomScoreAdj, untilOomKill: true },
  };
}

/** per_cpu/cpu0/stats ("overrun: 0", "commit overrun: 0", "dropped events: 0", ...) as camelCase numbers. */
export function parseTraceStats(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const m = /^([a-z ]+):\s*(\d+)(?:\.\d+)?\s*$/.exec(line.trim());
    if (m) out[m[1].replace(/ (\w)/g, (_, c) => c.toUpperCase())] = Number(m[2]);
  }
  return out;
}

/** /proc/vmstat ("name value" lines) as a Map. */
export function parseVmstat(text) {
  const out = new Map();
  for (const line of text.split("\n")) {
    const m = /^(\w+) (\d+)$/.exec(line.trim());
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/**
 * The OOM kills of the console after the probe started: "Out of memory: Killed process %d (%s) ..."
 * (mm/oom_kill.c __oom_kill_process, 6.1), in console order.
 */
export function consoleKills(console) {
  const start = console.indexOf("oomlab-lab: phase probe-start");
  const text = start < 0 ? console : console.slice(start);
  return [...text.matchAll(/Killed process (\d+) \(([^)]*)\)/g)].map((m) => ({ pid: Number(m[1]), name: m[2] }));
}

export function resultJson(run, vm) {
  const stats = parseTraceStats(vm.traceStats);
  for (const k of ["overrun", "commitOverrun", "droppedEvents"])
    if (stats[k] === undefined) throw new Error(`${run.name}: trace stats lack "${k}"`);
  const out = {};
  const kind = run.probe.kind;
  if (kind === "nr_hugepages") {
    const m = /^hugepages=(\d+)$/m.exec(vm.probeResult);
    if (!m) throw new Error(`${run.name}: the VM reported no hugepages count`);
    out.hugepages = Number(m[1]);
  } else if (kind === "thp-storm") {
    const mid = parseVmstat(vm.midVmstat);
    const after = parseVmstat(vm.afterVmstat);
    for (const k of ["thp_fault_alloc", "thp_fault_fallback"]) {
      if (!mid.has(k) || !after.has(k)) throw new Error(`${run.name}: vmstat lacks ${k}`);
      out[k] = after.get(k) - mid.get(k);
    }
  } else {
    const kills = consoleKills(vm.console);
    if (kills.length === 0) throw new Error(`${run.name}: no "Killed process" line after probe-start`);
    out.victim = kills[0];
    out.oomKills = kills;
  }
  out.traceOverrun = stats.overrun > 0 || stats.commitOverrun > 0 || stats.droppedEvents > 0;
  out.traceStats = {
    entries: stats.entries,
    overrun: stats.overrun,
    commitOverrun: stats.commitOverrun,
    droppedEvents: stats.droppedEvents,
    bytes: stats.bytes,
  };
  out.bootSeconds = vm.bootSeconds === null ? null : Math.round(vm.bootSeconds * 10) / 10;
  out.runSeconds = Math.round(vm.runSeconds * 10) / 10;
  return out;
}

/**
 * The program interpreter an x86-64 ELF file asks for (its PT_INTERP segment, e.g. "/lib64/ld-linux-x86-64.so.2"),
 * or null for a static executable; throws when the bytes are not a 64-bit little-endian ELF file.
 */
export function elfInterpreter(buf) {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1)
    throw new Error("not a 64-bit little-endian ELF file");
  const phoff = Number(buf.readBigUInt64LE(32));
  const phentsize = buf.readUInt16LE(54);
  const phnum = buf.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 56 > buf.length) throw new Error("ELF program headers cut short");
    if (buf.readUInt32LE(ph) !== 3) continue; // PT_INTERP
    const off = Number(buf.readBigUInt64LE(ph + 8));
    const size = Number(buf.readBigUInt64LE(ph + 32));
    return buf.toString("latin1", off, off + size).replace(/\0.*$/s, "");
  }
  return null;
}

function taskLabel(t) {
  return t.oomScoreAdj ? `${t.name} (${t.oomScoreAdj})` : t.name;
}

/** A row of the table `npm run lab` ends with: run, workload, probe, result, boot s, run s. */
export function summaryRow(run, result) {
  const p = run.probe;
  const probe =
    p.kind === "nr_hugepages"
      ? `nr_hugepages=${p.value}`
      : p.kind === "thp-storm"
        ? `thp-storm ${p.bytes >> 20} MiB`
        : `oom: ${[...p.tasks, p.then].map(taskLabel).join(", ")}`;
  const outcome =
    result.hugepages !== undefined
      ? `${result.hugepages} huge pages`
      : result.victim !== undefined
        ? `victim ${result.victim.name}` + (result.oomKills.length > 1 ? ` (${result.oomKills.length} kills)` : "")
        : `thp_fault_alloc ${result.thp_fault_alloc}, thp_fault_fallback ${result.thp_fault_fallback}`;
  const params = Object.entries(run.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const overrun = result.traceOverrun ? " (trace overrun)" : "";
  const seconds = `${result.bootSeconds} | ${result.runSeconds}`;
  return `| ${run.name} | ${run.workload} ${params} | ${probe} | ${outcome}${overrun} | ${seconds} |`;
}
