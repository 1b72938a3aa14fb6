// What the Sweep panel (src/sweep.ts) says to its workers besides the library's own cell protocol
// (sweep/protocol.ts): a spec to check (src/sweep_worker.ts) and a report to draw (src/sweep_report_worker.ts).
import type { Comparison, SweepProgress } from "oomlab";

/** A spec's text to check as `oomlab sweep` does before it runs anything. */
export interface CheckRequest {
  kind: "check";
  id: number;
  text: string;
}

export interface CheckAnswer {
  kind: "check";
  id: number;
  /** The problem (an OomlabError's message), or null when the spec runs. */
  error: string | null;
}

export interface ReportRequest {
  kind: "report";
  id: number;
  /** results.jsonl's text. */
  results: string;
  /** The report's title, as the CLI's: "oomlab sweep NAME". */
  title: string;
  /** A cell id (compare --baseline); the first cell when undefined. */
  baseline?: string;
}

export interface SweepPlot {
  /** The CLI's file name (plots/NAME.svg), title and question. */
  name: string;
  title: string;
  question: string;
  svg: string;
}

export interface ReportAnswer {
  kind: "report";
  id: number;
  comparison: Comparison | null;
  plots: SweepPlot[];
  /** The first plot that failed to draw (the others are drawn). */
  plotError: string | null;
  markdown: string;
  html: string;
  error: string | null;
}

/** The page to the run worker (src/sweep_run_worker.ts): run a spec's text on this many cell workers, or
 *  cancel the run. */
export type RunRequest = { kind: "run"; text: string; workers: number } | { kind: "cancel" };

/** The run worker to the page, in this order: the spec's problem (failed), or started, progress..., then done
 *  or failed (cancelled when the page asked). */
export type RunEvent =
  | { kind: "started"; name: string; cells: number; seeds: number; tasks: number }
  | { kind: "progress"; progress: SweepProgress }
  | { kind: "done"; name: string; results: string; csv: string; ran: number; elapsedMs: number }
  | { kind: "failed"; error: string; cancelled: boolean; done: number; tasks: number };
