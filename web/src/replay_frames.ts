// A scenario replayed in the worker with the library's replay() (2.6.11, scenario/replay.ts) or
// replayScenario618() (6.1/6.18 machines, as `oomlab replay` chooses), with frames recorded as the
// kernel runs. A frame is cheap: every page's state is read straight from the engine's memory (the
// info words of the page array, one pass that jumps over each block's tail pages) and kept only as the
// runs of pages that changed since the previous frame (a keyframe holds every page when that is
// smaller, and at the first frame); the zones' free pages, watermarks and nr_free per order come from
// the engine's counters, the free blocks per migratetype from its free lists (as /proc/pagetypeinfo
// walks them). The kernel events are told in plain words as they are recorded (replay_story.ts). The
// frames' buffers are transferred to the page, not copied.
import { isScenario618, replay, replayScenario618 } from "oomlab";
import exhaustion618 from "../../scenarios/exhaustion-618.json";
import kvmalloc618 from "../../scenarios/kvmalloc-618.json";
import nicAtomic from "../../scenarios/nic-atomic.json";
import seed from "../../scenarios/seed.json";
import thpCompaction from "../../scenarios/thp-compaction.json";
import unmovablePepper from "../../scenarios/unmovable-pepper.json";
import type { ReplayFrame, ReplayFrames, ZoneFrame } from "./protocol.js";
import { applyRuns, composeRuns, PAGE_PCP, PAGE_RESERVED } from "./replay_pages.js";
import { scaleScenario618 } from "./replay_scale.js";
import { StoryLog } from "./replay_story.js";

/** The large machine: exhaustion-618 on 4 GiB, 2^20 pfns (the map is 1024 x 1024 pages). */
export const LARGE_FACTOR = 8;

export const SCENARIOS: Record<string, unknown> = {
  seed,
  "exhaustion-618": exhaustion618,
  "unmovable-pepper": unmovablePepper,
  "kvmalloc-618": kvmalloc618,
  "nic-atomic": nicAtomic,
  "thp-compaction": thpCompaction,
  "exhaustion-618-4g": scaleScenario618(exhaustion618, LARGE_FACTOR, "exhaustion-618-4g"),
};

/** Frames kept at most: a frame every `stride` kernel events, the stride doubling (and every other
 *  frame merged into the next) whenever the frames outgrow this; the first and the last moment are
 *  always kept. */
const MAX_FRAMES = 240;

interface Kernel {
  machine: {
    machine: { nrPages: number; basePfn: number; pageblockOrder: number; maxOrder: number };
    engineExports: { infoPtr(): number };
    engineViews: { u16: Uint16Array };
    engineAbi: Record<string, number>;
    pageblockTypes(): Uint8Array;
    allStats(): {
      type: string;
      spannedPages: number;
      freePages: number;
      watermarks: { min: number; low: number; high: number };
      nrFree: number[];
      nrFreeByType: number[][];
    }[];
  };
  clock: { nowMs: number };
  log: {
    context: string | null;
    printk(text: string): void;
    event(kind: string, fields: Record<string, unknown>): void;
  };
}

/** Every page's state, read from the engine's info words (abi.ts decodePageInfo: order, state,
 *  migratetype): a block head gives its state to its 2^order pages. A buddy block never crosses an
 *  aligned block of the largest order (a "chunk"), so a chunk whose info words are the ones read last
 *  time holds the same states: only the chunks that changed are decoded again. */
export class PageReader {
  /** The states (replay_pages.ts), and the info words they were decoded from. */
  readonly pages: Uint8Array;
  private readonly words: Uint16Array;
  private readonly chunk: number;
  private readonly first: number;
  private readonly scratch: Uint8Array;
  private read = false;

  constructor(private readonly k: Kernel) {
    const m = k.machine.machine;
    this.pages = new Uint8Array(m.nrPages);
    this.words = new Uint16Array(m.nrPages);
    this.chunk = 1 << (m.maxOrder - 1);
    // the first chunk boundary at or after the first pfn, as a page index
    this.first = (this.chunk - (m.basePfn % this.chunk)) % this.chunk;
    this.scratch = new Uint8Array(this.chunk);
  }

  /** Reads the pages: the runs [first page, pages, state]* that changed since the last read (at the
   *  first read, every page that is not free). */
  update(): Uint32Array {
    const m = this.k.machine;
    const n = this.pages.length;
    const base = m.engineExports.infoPtr() >>> 1;
    const info = m.engineViews.u16.subarray(base, base + n);
    const runs: number[] = [];
    for (let start = 0, end = this.first || Math.min(n, this.chunk); start < n; ) {
      if (!this.read || !same(info, this.words, start, end)) {
        this.decode(info, start, end, runs);
        this.words.set(info.subarray(start, end), start);
      }
      start = end;
      end = Math.min(n, end + this.chunk);
    }
    this.read = true;
    return Uint32Array.from(runs);
  }

  private decode(info: Uint16Array, start: number, end: number, runs: number[]): void {
    const a = this.k.machine.engineAbi;
    const { ORDER_MASK, STATE_SHIFT, STATE_MASK, MT_SHIFT, MT_MASK, STATE_FREE, STATE_ALLOC, STATE_PCP } = a;
    const out = this.scratch;
    const len = end - start;
    let p = 0;
    while (p < len) {
      const w = info[start + p];
      const st = (w >>> STATE_SHIFT) & STATE_MASK;
      const head = st === STATE_FREE || st === STATE_ALLOC || st === STATE_PCP;
      const v =
        st === STATE_FREE ? 0 : st === STATE_ALLOC ? 1 + ((w >>> MT_SHIFT) & MT_MASK) : head ? PAGE_PCP : PAGE_RESERVED;
      const stop = head ? Math.min(len, p + (1 << (w & ORDER_MASK))) : p + 1;
      if (stop - p === 1) out[p] = v;
      else out.fill(v, p, stop);
      p = stop;
    }
    const pages = this.pages;
    for (let i = 0; i < len; i++) {
      const v = out[i];
      if (pages[start + i] === v) continue;
      let j = i + 1;
      while (j < len && out[j] === v && pages[start + j] !== v) j++;
      runs.push(start + i, j - i, v);
      pages.fill(v, start + i, start + j);
      i = j - 1;
    }
  }
}

function same(a: Uint16Array, b: Uint16Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Frame b follows frame a, which is dropped: b's pages become a's change and then b's. */
function merge(a: ReplayFrame, b: ReplayFrame): void {
  if (b.keyframe) return;
  const runs = b.runs as Uint32Array;
  if (a.keyframe) {
    const pages = a.keyframe.slice();
    applyRuns(pages, runs);
    b.keyframe = pages;
    b.runs = null;
  } else b.runs = composeRuns(a.runs as Uint32Array, runs);
}

export function scenarioFrames(name: string): ReplayFrames {
  const sc = SCENARIOS[name];
  if (!sc) throw new Error(`no scenario ${name}`);
  let frames: ReplayFrame[] = [];
  const story = new StoryLog();
  let printed = 0;
  let events = 0;
  let stride = 1;
  let pageblockOrder = 0;
  let nrPages = 0;
  let recordMs = 0;
  let capture: () => void = () => undefined;
  const onKernel = (k: Kernel): void => {
    const m = k.machine;
    ({ pageblockOrder, nrPages } = m.machine);
    const reader = new PageReader(k);
    capture = () => {
      const t0 = performance.now();
      let runs: Uint32Array | null = reader.update();
      let keyframe: Uint8Array | null = null;
      // a run costs 12 bytes: a keyframe is smaller when more than nrPages / 12 runs changed
      if (!frames.length || runs.length * 4 > nrPages) {
        keyframe = reader.pages.slice();
        runs = null;
      }
      const zones: ZoneFrame[] = m.allStats().map((z) => ({
        name: z.type,
        spannedPages: z.spannedPages,
        freePages: z.freePages,
        min: z.watermarks.min,
        low: z.watermarks.low,
        high: z.watermarks.high,
        nrFree: z.nrFree,
        nrFreeByType: z.nrFreeByType,
      }));
      frames.push({ t: k.clock.nowMs, events, lines: printed, keyframe, runs, pageblocks: m.pageblockTypes(), zones });
      if (frames.length > MAX_FRAMES) {
        // keep frames 0, 2, 4, ...: each odd frame's change goes into the frame after it
        const kept: ReplayFrame[] = [];
        for (let i = 0; i < frames.length; i++) {
          if (i % 2 === 0) kept.push(frames[i]);
          else if (i + 1 < frames.length) merge(frames[i], frames[i + 1]);
          else kept.push(frames[i]);
        }
        frames = kept;
        stride *= 2;
      }
      recordMs += performance.now() - t0;
    };
    const printk = k.log.printk.bind(k.log);
    k.log.printk = (text: string) => {
      printk(text);
      printed += text.replace(/\n$/, "").split("\n").length;
    };
    const event = k.log.event.bind(k.log);
    k.log.event = (kind: string, fields: Record<string, unknown>) => {
      event(kind, fields);
      events++;
      story.tell(kind, fields, k.clock.nowMs, events, k.log.context);
      if (events % stride === 0) capture();
    };
    capture();
  };
  const t0 = performance.now();
  const modern = isScenario618(sc);
  const hook = { onKernel: onKernel as unknown as (k: unknown) => void };
  const result = modern ? replayScenario618(sc, hook) : replay(sc, hook);
  capture();
  return {
    scenario: result.scenario,
    outcome: result.outcome,
    simMs: result.simMs,
    events,
    lines: result.lines,
    story: story.entries,
    storyMore: story.more,
    nrPages,
    pageblockOrder,
    migratetypes: modern,
    frames,
    ms: performance.now() - t0,
    recordMs,
  };
}

/** The buffers of a replay's frames, for postMessage's transfer list. */
export function frameBuffers(r: ReplayFrames): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const f of r.frames) {
    for (const a of [f.keyframe, f.runs, f.pageblocks]) if (a) out.push(a.buffer as ArrayBuffer);
  }
  return out;
}
