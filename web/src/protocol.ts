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

/** One zone at one moment: free pages, the watermarks (boost included), and its free lists' blocks. */
export interface ZoneFrame {
  name: string;
  /** Pages the zone spans (0: an empty zone, which the free-blocks view leaves out). */
  spannedPages: number;
  freePages: number;
  min: number;
  low: number;
  high: number;
  /** nr_free (blocks) per order: the engine's counters (free_area[order].nr_free). */
  nrFree: number[];
  /** Blocks per order per migratetype list, walked as /proc/pagetypeinfo does (2.6.11: list 0 only). */
  nrFreeByType: number[][];
}

/** One moment of a replay. */
export interface ReplayFrame {
  /** Simulated ms, and kernel events so far (a 6.18 scenario's clock may not move). */
  t: number;
  events: number;
  /** Kernel log lines printed by then. */
  lines: number;
  /** Every page from the machine's first pfn (0 free, 1 + migratetype allocated, 7 on a per-CPU list,
   *  8 reserved or a hole), or null when the frame holds only the changes (runs). */
  keyframe: Uint8Array | null;
  /** The pages changed since the previous frame, as [first page, pages, state] triples sorted by page
   *  (null in a keyframe). */
  runs: Uint32Array | null;
  /** Every pageblock's migratetype. */
  pageblocks: Uint8Array;
  zones: ZoneFrame[];
}

/** One kernel event told in plain words (replay_story.ts). */
export interface StoryEntry {
  /** Simulated ms; the event's number (the first frame whose events reach it shows it). */
  t: number;
  at: number;
  kind: string;
  text: string;
  /** Times it happened in a row. */
  times: number;
}

export interface ReplayFrames {
  scenario: string;
  outcome: string;
  simMs: number;
  events: number;
  /** The replay's printk lines (ReplayResult.lines, as `oomlab replay seed` prints them). */
  lines: string[];
  /** The kernel's decisions, in order, in plain words; storyMore: entries left out past the limit. */
  story: StoryEntry[];
  storyMore: number;
  nrPages: number;
  pageblockOrder: number;
  /** The kernel groups pages by mobility (2.6.24+): free pages are tinted by their pageblock's type. */
  migratetypes: boolean;
  frames: ReplayFrame[];
  /** Milliseconds the worker spent replaying and recording, and of those, recording the frames. */
  ms: number;
  recordMs: number;
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
