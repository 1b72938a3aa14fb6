// A scenario replayed in the worker with the library's replay() (2.6.11, scenario/replay.ts) or
// replayScenario618() (6.1/6.18 machines, as `oomlab replay` chooses), with frames recorded as the
// kernel runs: every page's state, the pageblocks' migratetypes, the zones' free pages and watermarks,
// and how many kernel log lines were printed by then. The page plays the frames back at any speed.
import { isScenario618, replay, replayScenario618 } from "oomlab";
import exhaustion618 from "../../scenarios/exhaustion-618.json";
import seed from "../../scenarios/seed.json";
import unmovablePepper from "../../scenarios/unmovable-pepper.json";
import type { ReplayFrame, ReplayFrames } from "./protocol.js";

export const SCENARIOS: Record<string, unknown> = {
  seed,
  "exhaustion-618": exhaustion618,
  "unmovable-pepper": unmovablePepper,
};

/** Frames kept at most: a frame every `stride` kernel events, the stride doubling (and every other
 *  frame dropped) whenever the frames outgrow this; the first and the last moment are always kept. */
const MAX_FRAMES = 240;

interface Kernel {
  machine: {
    machine: { nrPages: number; basePfn: number; pageblockOrder: number };
    snapshot(): { allocated: [number, number, number, number][]; pageblocks: number[] };
    allStats(): { type: string; freePages: number; watermarks: { min: number; low: number; high: number } }[];
  };
  clock: { nowMs: number };
  log: { printk(text: string): void; event(...a: never[]): void };
}

export function scenarioFrames(name: string): ReplayFrames {
  const sc = SCENARIOS[name];
  if (!sc) throw new Error(`no scenario ${name}`);
  let frames: ReplayFrame[] = [];
  let printed = 0;
  let events = 0;
  let stride = 1;
  let pageblockOrder = 0;
  let nrPages = 0;
  let capture: () => void = () => undefined;
  const onKernel = (k: Kernel): void => {
    const m = k.machine;
    ({ pageblockOrder, nrPages } = m.machine);
    capture = () => {
      // 0: free; 1 + migratetype: allocated (snapshot's allocated blocks, 2^order pages each)
      const pages = new Uint8Array(nrPages);
      const s = m.snapshot();
      const base = m.machine.basePfn;
      for (const [pfn, order, mt] of s.allocated) pages.fill(1 + mt, pfn - base, pfn - base + 2 ** order);
      const zones = m.allStats().map((z) => ({
        name: z.type,
        freePages: z.freePages,
        min: z.watermarks.min,
        low: z.watermarks.low,
        high: z.watermarks.high,
      }));
      frames.push({
        t: k.clock.nowMs,
        events,
        lines: printed,
        pages,
        pageblocks: Uint8Array.from(s.pageblocks),
        zones,
      });
      if (frames.length > MAX_FRAMES) {
        frames = frames.filter((_, i) => i % 2 === 0);
        stride *= 2;
      }
    };
    const printk = k.log.printk.bind(k.log);
    k.log.printk = (text: string) => {
      printk(text);
      printed += text.replace(/\n$/, "").split("\n").length;
    };
    const event = k.log.event.bind(k.log);
    k.log.event = (...a: never[]) => {
      event(...a);
      if (++events % stride === 0) capture();
    };
    capture();
  };
  const t0 = performance.now();
  const modern = isScenario618(sc);
  const result = modern
    ? replayScenario618(sc, { onKernel: onKernel as unknown as (k: unknown) => void })
    : replay(sc, { onKernel: onKernel as unknown as (k: unknown) => void });
  capture();
  return {
    scenario: result.scenario,
    outcome: result.outcome,
    simMs: result.simMs,
    events,
    lines: result.lines,
    nrPages,
    pageblockOrder,
    migratetypes: modern,
    frames,
    ms: performance.now() - t0,
  };
}
