// Messages between the page and its worker (src/worker.ts). The page never runs the engine itself:
// it posts a request and draws the answer, so a long diagnosis never freezes it.

/** One input: a pasted text ("-", as the CLI names standard input) or a chosen or dropped file. */
export interface Input {
  file: string;
  text: string;
}

export interface DiagnoseRequest {
  kind: "diagnose";
  id: number;
  inputs: Input[];
  /** KEY=VALUE items, as `oomlab diagnose --what-if` takes them (analyse/what_if.ts parseWhatIf). */
  whatIf: string[];
}

export interface DiagnoseAnswer {
  kind: "diagnose";
  id: number;
  /** `oomlab diagnose --json`'s text (analyse/diagnose.ts filedJson), or null after an error. */
  json: string | null;
  /** Inputs in which no report was found. */
  empty: string[];
  error: string | null;
  /** Milliseconds the worker spent (engine start-up excluded). */
  ms: number;
}

/** One moment of a replay. */
export interface ReplayFrame {
  /** Simulated ms, and kernel events so far (a 6.18 scenario's clock may not move). */
  t: number;
  events: number;
  /** Kernel log lines printed by then. */
  lines: number;
  /** Every page from the machine's first pfn: 0 free, 1 + migratetype allocated. */
  pages: Uint8Array;
  /** Every pageblock's migratetype. */
  pageblocks: Uint8Array;
  zones: { name: string; freePages: number; min: number; low: number; high: number }[];
}

export interface ReplayFrames {
  scenario: string;
  outcome: string;
  simMs: number;
  events: number;
  /** The replay's printk lines (ReplayResult.lines, as `oomlab replay seed` prints them). */
  lines: string[];
  nrPages: number;
  pageblockOrder: number;
  /** The kernel groups pages by mobility (2.6.24+): free pages are tinted by their pageblock's type. */
  migratetypes: boolean;
  frames: ReplayFrame[];
  /** Milliseconds the worker spent replaying and recording. */
  ms: number;
}

export interface ReplayRequest {
  kind: "replay";
  id: number;
  /** A name of replay_frames.ts SCENARIOS. */
  scenario: string;
}

export interface ReplayAnswer {
  kind: "replay";
  id: number;
  replay: ReplayFrames | null;
  error: string | null;
}

export type Request = DiagnoseRequest | ReplayRequest;
export type Answer = DiagnoseAnswer | ReplayAnswer;
