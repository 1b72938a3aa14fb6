// The seed scenario replayed in the worker (the library's replay(), scenario/replay.ts) with frames
// recorded as simulated time passes: every page's state, the zone's free pages and watermarks, and
// how many kernel log lines were printed by then. The page plays the frames back at any speed.
import { replay } from "oomlab";
import seed from "../../scenarios/seed.json";
import type { ReplayFrame, ReplayFrames } from "./protocol.js";

/** A frame at most every FRAME_MS of simulated time, and at every printk line. */
const FRAME_MS = 10;
/** Frames kept at most (the replay is not slowed by a long scenario: later moments are sampled less). */
const MAX_FRAMES = 4000;

export function seedFrames(): ReplayFrames {
  const frames: ReplayFrame[] = [];
  let printed = 0;
  let lastT = Number.NEGATIVE_INFINITY;
  let pageblockOrder = 0;
  let nrPages = 0;
  let capture: (force: boolean) => void = () => undefined;
  const t0 = performance.now();
  const result = replay(seed, {
    onKernel: (k) => {
      const m = k.machine;
      ({ pageblockOrder, nrPages } = m.machine);
      capture = (force) => {
        const t = k.clock.nowMs;
        if (!force && t - lastT < FRAME_MS) return;
        if (!force && frames.length >= MAX_FRAMES) return;
        lastT = t;
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
        frames.push({ t, lines: printed, pages, pageblocks: Uint8Array.from(s.pageblocks), zones });
      };
      const printk = k.log.printk.bind(k.log);
      k.log.printk = (text: string) => {
        printk(text);
        printed += text.replace(/\n$/, "").split("\n").length;
        capture(true);
      };
      const event = k.log.event.bind(k.log) as (kind: never, fields: never) => void;
      k.log.event = ((kind: never, fields: never) => {
        event(kind, fields);
        capture(false);
      }) as typeof k.log.event;
      capture(true);
    },
  });
  capture(true);
  return {
    scenario: result.scenario,
    outcome: result.outcome,
    simMs: result.simMs,
    lines: result.lines,
    nrPages,
    pageblockOrder,
    frames,
    ms: performance.now() - t0,
  };
}
