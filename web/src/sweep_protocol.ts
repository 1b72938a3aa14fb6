// What the Sweep panel (src/sweep.ts) says to its workers besides the library's own cell protocol
// (sweep/protocol.ts): a spec to check (src/sweep_worker.ts) and a report to draw (src/sweep_report_worker.ts).
import type { Comparison } from "oomlab";

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
