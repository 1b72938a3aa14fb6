// The end of an OOM report: which task was chosen and killed, the one-line oom-kill summary, the OOM
// reaper, and the memory-cgroup usage lines (mm/oom_kill.c, mm/memcontrol.c; releases per line below).

export interface ParsedVictim extends Omit<ParsedKill, "detailed"> {
  /** The task the selection line named ("Kill process %d ... or sacrifice child"), when printed. */
  selectedPid: number | null;
  selectedComm: string | null;
  /** The badness score the selection line printed. */
  score: number | null;
  /** False when only a selection or oom-kill summary line named the task. */
  killed: boolean;
  /** An "oom_reaper: reaped process" line for this pid followed. */
  reaped: boolean;
  line: number;
}

export interface ParsedSelection {
  pid: number;
  comm: string;
  score: number | null;
}

export interface ParsedKill {
  pid: number;
  comm: string;
  totalVmKb: number | null;
  anonRssKb: number | null;
  fileRssKb: number | null;
  shmemRssKb: number | null;
  uid: number | null;
  pgtablesKb: number | null;
  oomScoreAdj: number | null;
  /** The "Killed process" line carries the rss figures (2.6.3x+ modern form). */
  detailed: boolean;
}

export interface ParsedConstraint {
  /** CONSTRAINT_NONE/CPUSET/MEMORY_POLICY/MEMCG; "" when printed empty (RHEL 7 backport quirk). */
  constraint: string;
  fields: Record<string, string>;
  globalOom: boolean;
  oomMemcg: string | null;
  taskMemcg: string | null;
  task: string | null;
  pid: number | null;
  uid: number | null;
}

export interface ParsedMemcg {
  usageKb: number | null;
  limitKb: number | null;
  failcnt: number | null;
  swapUsageKb: number | null;
  /** The limit of the "swap:" line (cgroup v2) and of the "memory+swap:" line (cgroup v1). */
  swapLimitKb: number | null;
  memswLimitKb: number | null;
  kmemUsageKb: number | null;
  /** cgroup v1 "Task in %s killed as a result of limit of %s" (2.6.29-4.18). */
  taskCgroup: string | null;
  limitCgroup: string | null;
}

const INT = (s: string | undefined): number | null => (s === undefined ? null : Number.parseInt(s, 10));

// "Out of Memory: Killed process %d (%s)." (2.6.11-2.6.15), "%s: Killed process %d (%s)." (2.6.16-2.6.23),
// "Killed process %d (%s)" (2.6.24-2.6.3x), "Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB,
// file-rss:%lukB[, shmem-rss:%lukB]" (3.x-4.19), "...[, UID:%u pgtables:%lukB oom_score_adj:%hd]" (5.x+).
// RHEL 6's 2.6.32 prints "Killed process %d, UID %d, (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB".
const KILLED = new RegExp(
  String.raw`(?:^|: )Killed process (\d{1,10})(?:, UID (\d{1,10}),)? \((.{0,64}?)\)(?=\.?\s*$|,? total-vm:)` +
    String.raw`(?:,? total-vm:(\d{1,20})kB, anon-rss:(\d{1,20})kB, file-rss:(\d{1,20})kB(?:, shmem-rss:(\d{1,20})kB)?` +
    String.raw`(?:, UID:(\d{1,10}) pgtables:(\d{1,20})kB oom_score_adj:(-?\d{1,5}))?)?`,
);
// "%s: Kill process %d (%s) score %li and children." (2.6.16-2.6.31), "%s: kill process %d (%s) score %li
// or a child" (2.6.24-2.6.35), "%s: Kill process %d (%s) score %d or sacrifice child" (2.6.36-5.0).
const SELECTED =
  /(?:^|: )[Kk]ill process (\d{1,10}) \((.{0,64}?)\) score (-?\d{1,20}) (?:and children|or a child|or sacrifice child)/;
// "oom-kill:constraint=%s,nodemask=%*pbl,cpuset=...,mems_allowed=...,oom_memcg=...|global_oom,
// task_memcg=%s,task=%s,pid=%d,uid=%d" (4.19+; RHEL 7 prints "oom-kill:,cpuset=...").
const CONSTRAINT = /^oom-kill:(?:constraint=(\w{0,40}))?,(.{0,2000})$/;
// "oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB" (4.6+).
const REAPED = /^oom_reaper: reaped process (\d{1,10}) \((.{0,64}?)\)/;
// "Task in %s killed as a result of limit of %s" (mem_cgroup_print_oom_info, 2.6.29-4.18).
const TASK_IN = /^Task in (\S{1,4096}) killed as a result of limit of (\S{1,4096})/;
// "memory: usage %llukB, limit %llukB, failcnt %lu" and the memory+swap/swap/kmem lines (2.6.29+).
const USAGE = /^(memory|memory\+swap|swap|kmem): usage (\d{1,20})kB, limit (\d{1,20})kB, failcnt (\d{1,20})/;

export function parseKilled(text: string): ParsedKill | null {
  if (!text.includes("illed process")) return null;
  const m = KILLED.exec(text);
  if (!m) return null;
  return {
    pid: Number(m[1]),
    comm: m[3],
    totalVmKb: INT(m[4]),
    anonRssKb: INT(m[5]),
    fileRssKb: INT(m[6]),
    shmemRssKb: INT(m[7]),
    uid: INT(m[8]) ?? INT(m[2]),
    pgtablesKb: INT(m[9]),
    oomScoreAdj: INT(m[10]),
    detailed: m[4] !== undefined,
  };
}

export function parseSelected(text: string): ParsedSelection | null {
  if (!text.includes("ill process")) return null;
  const m = SELECTED.exec(text);
  return m ? { pid: Number(m[1]), comm: m[2], score: INT(m[3]) } : null;
}

export function parseReaped(text: string): number | null {
  if (!text.startsWith("oom_reaper: ")) return null;
  const m = REAPED.exec(text);
  return m ? Number(m[1]) : null;
}

/** Splits "k=v,k=v,global_oom,..." (a cpuset or memcg path never holds a comma in practice). */
function splitFields(s: string): { fields: Record<string, string>; flags: Set<string> } {
  const fields: Record<string, string> = {};
  const flags = new Set<string>();
  for (const part of s.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) flags.add(part);
    else fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return { fields, flags };
}

export function parseConstraint(text: string): ParsedConstraint | null {
  if (!text.startsWith("oom-kill:")) return null;
  const m = CONSTRAINT.exec(text);
  if (!m) return null;
  const { fields, flags } = splitFields(m[2]);
  // "pid=%d,uid=%d" values of the summary line (4.19+).
  const num = (k: string): number | null =>
    fields[k] !== undefined && /^\d{1,10}$/.test(fields[k]) ? Number(fields[k]) : null;
  return {
    constraint: m[1] ?? "",
    fields,
    globalOom: flags.has("global_oom"),
    oomMemcg: fields.oom_memcg ?? null,
    taskMemcg: fields.task_memcg ?? null,
    task: fields.task ?? null,
    pid: num("pid"),
    uid: num("uid"),
  };
}

export function emptyMemcg(): ParsedMemcg {
  return {
    usageKb: null,
    limitKb: null,
    failcnt: null,
    swapUsageKb: null,
    swapLimitKb: null,
    memswLimitKb: null,
    kmemUsageKb: null,
    taskCgroup: null,
    limitCgroup: null,
  };
}

/** False for a line foldMemcg surely refuses: TASK_IN starts "Task in ", USAGE holds ": usage ". */
export function mayBeMemcgLine(text: string): boolean {
  return text.startsWith("Task in ") || text.includes(": usage ");
}

/** Folds a memcg line into m; false when the line is none of them. */
export function foldMemcg(m: ParsedMemcg, text: string): boolean {
  if (!mayBeMemcgLine(text)) return false;
  const t = TASK_IN.exec(text);
  if (t) {
    m.taskCgroup = t[1];
    m.limitCgroup = t[2];
    return true;
  }
  const u = USAGE.exec(text);
  if (!u) return false;
  const usage = Number(u[2]);
  if (u[1] === "memory") {
    m.usageKb = usage;
    m.limitKb = Number(u[3]);
    m.failcnt = Number(u[4]);
  } else if (u[1] === "kmem") m.kmemUsageKb = usage;
  else if (u[1] === "swap") {
    m.swapUsageKb = usage;
    m.swapLimitKb = Number(u[3]);
  } else m.memswLimitKb = Number(u[3]);
  return true;
}

/** A victim record from a "Killed process" line, completed by the selection line before it. */
export function victimFromKill(k: ParsedKill, sel: ParsedSelection | null, line: number): ParsedVictim {
  const { detailed: _detailed, ...rest } = k;
  return {
    ...rest,
    selectedPid: sel?.pid ?? null,
    selectedComm: sel?.comm ?? null,
    score: sel?.score ?? null,
    killed: true,
    reaped: false,
    line,
  };
}

/** A victim known only from a selection or summary line (no "Killed process" line in the paste). */
export function victimFromName(pid: number, comm: string, score: number | null, line: number): ParsedVictim {
  return {
    pid,
    comm,
    selectedPid: pid,
    selectedComm: comm,
    score,
    totalVmKb: null,
    anonRssKb: null,
    fileRssKb: null,
    shmemRssKb: null,
    uid: null,
    pgtablesKb: null,
    oomScoreAdj: null,
    killed: false,
    reaped: false,
    line,
  };
}
