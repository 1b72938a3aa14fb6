// The task dump of an OOM report (mm/oom_kill.c dump_tasks, every era that prints one; global and memcg
// OOMs print the same table). The header line names the columns, so rows are read by the header's
// names; a row that does not fit its header is a warning with its line number. Nothing here throws.
//
// Headers by release (mm/oom_kill.c dump_tasks):
//   2.6.25 .. 2.6.35  "[ pid ]   uid  tgid total_vm      rss cpu oom_adj name"
//   2.6.36 .. 3.4     "[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name" (and RHEL 6's 2.6.32)
//   3.5 .. 3.19       "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name"
//   4.0 .. 4.14       "... rss nr_ptes nr_pmds swapents oom_score_adj name"
//   4.15 .. 6.x       "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"
//                     (4.19+ after "Tasks state (memory values in pages):")
//   6.9+ (6.18)       "... rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name"

import { echoed, type LineWarning } from "./warnings.js";

/** One row of the task dump, values as printed (pages, except pgtablesBytes). */
export interface ParsedTask {
  /** Physical line of the row. */
  line: number;
  pid: number;
  uid: number;
  tgid: number;
  totalVmPages: number;
  rssPages: number;
  rssAnonPages?: number;
  rssFilePages?: number;
  rssShmemPages?: number;
  /** mm_pgtables_bytes (4.15+). */
  pgtablesBytes?: number;
  /** nr_ptes and nr_pmds, page-table pages (3.5 .. 4.14). */
  nrPtes?: number;
  nrPmds?: number;
  swapEntries?: number;
  /** The CPU the task last ran on (2.6.25 .. 3.4). */
  cpu?: number;
  /** oom_adj, -17 .. 15 (2.6.25 .. 3.4). */
  oomAdj?: number;
  /** oom_score_adj, -1000 .. 1000 (2.6.36+). */
  oomScoreAdj?: number;
  name: string;
}

export interface ParsedTaskTable {
  /** Physical line of the header. */
  line: number;
  /** The header's column names after "[ pid ]", as printed ("uid", "tgid", ..., "name"). */
  columns: string[];
  tasks: ParsedTask[];
}

/** Column name -> the row field it fills. */
const FIELD: Record<string, keyof ParsedTask> = {
  uid: "uid",
  tgid: "tgid",
  total_vm: "totalVmPages",
  rss: "rssPages",
  rss_anon: "rssAnonPages",
  rss_file: "rssFilePages",
  rss_shmem: "rssShmemPages",
  pgtables_bytes: "pgtablesBytes",
  nr_ptes: "nrPtes",
  nr_pmds: "nrPmds",
  swapents: "swapEntries",
  cpu: "cpu",
  oom_adj: "oomAdj",
  oom_score_adj: "oomScoreAdj",
};

/** Columns every era prints; a header without them is not a task table oomlab can read. */
const REQUIRED = ["uid", "tgid", "total_vm", "rss"];

// "[ pid ]" / "[  pid  ]" then the column names (dump_tasks, 2.6.25+).
const HEADER = /^\[\s*pid\s*\]\s+(.{1,400})$/;
// "[%5d] " / "[%7d] " then the numbers and the comm (dump_task, 2.6.25+).
const ROW = /^\[\s*(\d{1,10})\]\s+(.{0,600})$/;
const NUMBER = /^-?\d{1,20}$/;

/** Collects the task dump of one report. */
export class TaskTableCollector {
  table: ParsedTaskTable | null = null;
  private readonly warn: (w: LineWarning) => void;
  private warnedOrphans = false;

  constructor(warn: (w: LineWarning) => void) {
    this.warn = warn;
  }

  /** Feeds one line; true when it is the table's header or one of its rows. */
  feed(raw: string, line: number): boolean {
    // rows start with "[" (after the indent some pastes keep); most lines are refused on that
    const text = raw.charCodeAt(0) === 0x20 ? raw.trimStart() : raw;
    if (text.charCodeAt(0) !== 0x5b) return false; // "["
    const h = HEADER.exec(text);
    if (h) return this.header(h[1], line);
    const r = ROW.exec(text);
    if (!r) return false;
    if (!this.table) {
      // rows without their header: the column layout is ambiguous (2.6.36's and 3.5's rows both
      // hold seven numbers), so they are not guessed
      if (!this.warnedOrphans) this.warn({ line, message: "task table rows without their header line: not read" });
      this.warnedOrphans = true;
      return true;
    }
    this.row(this.table, Number(r[1]), r[2], line);
    return true;
  }

  private header(rest: string, line: number): boolean {
    const columns = rest.trim().split(/\s+/);
    if (columns[columns.length - 1] !== "name" || !REQUIRED.every((c) => columns.includes(c))) {
      this.warn({ line, message: `task table header not understood: ${echoed(rest.slice(0, 100))}` });
      return true;
    }
    const unknown = columns.slice(0, -1).filter((c) => !(c in FIELD));
    if (unknown.length)
      this.warn({ line, message: `task table columns not read: ${unknown.map((c) => echoed(c)).join(", ")}` });
    if (this.table) this.warn({ line, message: "a second task table in one report: keeping the rows of both" });
    this.table = { line, columns, tasks: this.table?.tasks ?? [] };
    return true;
  }

  private row(t: ParsedTaskTable, pid: number, rest: string, line: number): void {
    const numeric = t.columns.length - 1; // every column but the name
    const parts = rest.trim().split(/\s+/);
    const values = parts.slice(0, numeric);
    const bad = values.findIndex((v) => !NUMBER.test(v));
    if (values.length < numeric || bad >= 0 || parts.length === numeric) {
      const why =
        bad >= 0
          ? `column ${t.columns[bad]} is ${echoed(values[bad].slice(0, 20))}, not a number`
          : `it holds ${Math.min(parts.length, numeric)} of the header's ${numeric} numbers and a name`;
      this.warn({ line, message: `task table row for pid ${pid} not read: ${why}` });
      return;
    }
    // the name is the rest of the line after the numbers (a comm may hold spaces)
    const name = restAfter(rest, numeric);
    const task: ParsedTask = { line, pid, uid: 0, tgid: 0, totalVmPages: 0, rssPages: 0, name };
    const fields = task as unknown as Record<string, number | string>;
    t.columns.slice(0, numeric).forEach((c, i) => {
      const f = FIELD[c];
      if (f) fields[f] = Number(values[i]);
    });
    t.tasks.push(task);
  }
}

/** The text after the first n whitespace-separated words, its inner spaces kept. */
function restAfter(s: string, n: number): string {
  const m = new RegExp(String.raw`^\s*(?:\S+\s+){${n}}`).exec(s);
  return m ? s.slice(m[0].length).trimEnd() : "";
}
