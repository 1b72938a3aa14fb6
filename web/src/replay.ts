// The Replay panel: a scenario replayed in the worker (replay_frames.ts), played back in simulated
// time: every page of the machine on a canvas (free, tinted by its pageblock's migratetype on 6.x, or
// allocated coloured by migratetype), the zone's free pages against min/low/high, the free blocks per
// order, the kernel's decisions in words and the kernel log printed so far; play, pause, step, speed.
// The page map is one pixel per page, written into an ImageData from the current page states, which
// move from frame to frame by the recorded runs of changed pages (a keyframe restarts them).
import { byId, fill } from "./dom.js";
import type { ReplayAnswer, ReplayFrame, ReplayFrames } from "./protocol.js";
import { applyRuns, PAGE_PCP, PAGE_RESERVED } from "./replay_pages.js";
import { mountFreeBlocks, mountStory } from "./replay_views.js";

/** Allocated pages by migratetype (unmovable, movable, reclaimable, highatomic, CMA, isolate), as RGB. */
const MT_RGB: [number, number, number][] = [
  [178, 24, 43],
  [33, 102, 172],
  [27, 120, 55],
  [118, 42, 131],
  [224, 130, 20],
  [77, 77, 77],
];
const MT_NAMES = ["unmovable", "movable", "reclaimable", "highatomic", "CMA", "isolate"];
const FREE_RGB: [number, number, number] = [232, 232, 232];
/** The map's largest side in pixels: a page is a square of MAP_PX / side pixels (at least one). */
const MAP_PX = 512;
const css = ([r, g, b]: [number, number, number]) => `rgb(${r} ${g} ${b})`;
/** A free page in a pageblock of this type: the type's colour faded towards white. */
const tint = ([r, g, b]: [number, number, number]): [number, number, number] => [
  Math.round(r + (255 - r) * 0.8),
  Math.round(g + (255 - g) * 0.8),
  Math.round(b + (255 - b) * 0.8),
];

const PCP_RGB: [number, number, number] = [250, 210, 90];
const RESERVED_RGB: [number, number, number] = [40, 40, 40];
/** RGBA as one little-endian Uint32 (ImageData's bytes r, g, b, a). */
const rgba = ([r, g, b]: [number, number, number]): number => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;

/** The frame the pages are at, moved frame by frame by the runs (a step back restarts from a keyframe). */
class PageCursor {
  readonly pages: Uint8Array;
  at = -1;
  constructor(private readonly data: ReplayFrames) {
    this.pages = new Uint8Array(data.nrPages);
  }
  seek(i: number): void {
    const frames = this.data.frames;
    let from = this.at;
    if (i < from || from < 0) {
      from = i;
      while (!frames[from].keyframe) from--;
      this.pages.set(frames[from].keyframe as Uint8Array);
    } else if (i === from) return;
    for (let j = from + 1; j <= i; j++) {
      const f = frames[j];
      if (f.keyframe) this.pages.set(f.keyframe);
      else applyRuns(this.pages, f.runs as Uint32Array);
    }
    this.at = i;
  }
}

/** What other parts of the page (the URL) may ask of the panel. */
export interface ReplayPanel {
  /** Chooses a scenario of the select and replays it, as the Replay button does, then shows a frame
   *  (default the first); false when the select has no such scenario or the replay failed. */
  open(scenario: string, frame?: number): Promise<boolean>;
  /** The scenario replayed (its select value) and the frame shown; null before any replay. */
  current(): { scenario: string; frame: number } | null;
}

export function mountReplay(root: HTMLElement, load: (scenario: string) => Promise<ReplayAnswer>): ReplayPanel {
  const scenario = byId<HTMLSelectElement>(root, "replay-scenario");
  const loadButton = byId<HTMLButtonElement>(root, "replay-load");
  const play = byId<HTMLButtonElement>(root, "replay-play");
  const step = byId<HTMLButtonElement>(root, "replay-step");
  const speed = byId<HTMLSelectElement>(root, "replay-speed");
  const slider = byId<HTMLInputElement>(root, "replay-frame");
  const clock = byId<HTMLElement>(root, "replay-clock");
  const map = byId<HTMLCanvasElement>(root, "replay-map");
  const chart = byId<HTMLCanvasElement>(root, "replay-free");
  const story = byId<HTMLPreElement>(root, "replay-story");
  const blocks = byId<HTMLElement>(root, "replay-blocks");
  const events = byId<HTMLOListElement>(root, "replay-events");
  const status = byId<HTMLElement>(root, "replay-status");
  const controls = [play, step, speed, slider];
  let data: ReplayFrames | null = null;
  let cursor: PageCursor | null = null;
  let painter: MapPainter | null = null;
  let showBlocks: (f: ReplayFrame) => void = () => undefined;
  let showStory: (f: ReplayFrame) => void = () => undefined;
  let index = 0;
  let simNow = 0;
  let playing = false;
  let lastTick = 0;

  const show = (i: number): void => {
    if (!data || !cursor || !painter) return;
    index = Math.max(0, Math.min(data.frames.length - 1, i));
    const f = data.frames[index];
    slider.value = String(index);
    const z = f.zones[mainZone(data)];
    clock.textContent =
      `t = ${f.t} ms of ${data.simMs} ms, event ${f.events} of ${data.events}, ` +
      `frame ${index + 1} of ${data.frames.length}` +
      (z ? `; ${z.name}: ${z.freePages} free pages (min ${z.min}, low ${z.low}, high ${z.high})` : "");
    root.dataset.frame = String(index);
    const t0 = performance.now();
    cursor.seek(index);
    painter.paint(cursor.pages, f.pageblocks);
    root.dataset.drawMs = (performance.now() - t0).toFixed(2);
    drawFree(chart, data, index);
    showBlocks(f);
    showStory(f);
    // the log changes only when a line was printed: no layout otherwise
    if (story.dataset.lines !== String(f.lines)) {
      story.dataset.lines = String(f.lines);
      story.textContent = data.lines.slice(0, f.lines).join("\n");
      const box = story.parentElement;
      if (box) box.scrollTop = box.scrollHeight;
    }
    root.dataset.showMs = (performance.now() - t0).toFixed(2);
  };

  const setPlaying = (on: boolean): void => {
    playing = on && data !== null;
    play.textContent = playing ? "Pause" : "Play";
    play.setAttribute("aria-pressed", String(playing));
    if (playing) {
      if (data && index >= data.frames.length - 1) show(0);
      // playing keeps the fraction of a frame between ticks (a frame every 1/speed s, on average)
      simNow = index;
      lastTick = performance.now();
      requestAnimationFrame(tick);
    }
  };

  // speed: frames per second (frames are spaced evenly in kernel events)
  const tick = (now: number): void => {
    if (!playing || !data) return;
    simNow += ((now - lastTick) / 1000) * Number(speed.value);
    lastTick = now;
    const i = Math.min(data.frames.length - 1, Math.floor(simNow));
    if (i !== index) show(i);
    if (index >= data.frames.length - 1) setPlaying(false);
    else requestAnimationFrame(tick);
  };

  let loaded: string | null = null;
  const replayChosen = async (): Promise<boolean> => {
    loadButton.disabled = true;
    fill(status, `Replaying ${scenario.value} in the worker…`);
    setPlaying(false);
    const a = await load(scenario.value);
    loadButton.disabled = false;
    if (!a.replay) {
      fill(status, `Error: ${a.error ?? "no answer"}`);
      return false;
    }
    loaded = scenario.value;
    data = a.replay;
    cursor = new PageCursor(data);
    painter = new MapPainter(map, data);
    fill(blocks);
    delete story.dataset.lines;
    showBlocks = mountFreeBlocks(blocks, data, MT_RGB.map(css));
    showStory = mountStory(events, data);
    slider.max = String(data.frames.length - 1);
    for (const c of controls) c.disabled = false;
    fill(
      status,
      `${data.scenario}: ${data.outcome} after ${data.simMs} simulated ms; ${data.frames.length} frames of ` +
        `${data.nrPages.toLocaleString("en-US")} pages recorded in ${data.ms.toFixed(0)} ms ` +
        `(${data.recordMs.toFixed(0)} ms of it taking frames).`,
    );
    root.dataset.state = "loaded";
    root.dataset.recordMs = data.recordMs.toFixed(1);
    root.dataset.ms = data.ms.toFixed(1);
    show(0);
    return true;
  };
  loadButton.addEventListener("click", () => void replayChosen());
  play.addEventListener("click", () => setPlaying(!playing));
  step.addEventListener("click", () => {
    setPlaying(false);
    show(index + 1);
  });
  slider.addEventListener("input", () => {
    setPlaying(false);
    show(Number(slider.value));
  });
  const legend = byId<HTMLElement>(root, "replay-legend");
  fill(
    legend,
    ...[
      ["free", css(FREE_RGB)],
      ...MT_NAMES.slice(0, 3).map((n, i) => [`free, ${n} pageblock (6.x)`, css(tint(MT_RGB[i]))]),
      ...MT_NAMES.slice(0, 4).map((n, i) => [`allocated, ${n}`, css(MT_RGB[i])]),
      ["on a per-CPU list (6.x)", css(PCP_RGB)],
      ["reserved or a hole", css(RESERVED_RGB)],
    ].map(([n, c]) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = c;
      li.append(sw, document.createTextNode(n));
      return li;
    }),
  );
  return {
    async open(name, frame = 0) {
      if (![...scenario.options].some((o) => o.value === name)) return false;
      scenario.value = name;
      if (!(await replayChosen())) return false;
      show(frame);
      return true;
    },
    current: () => (data && loaded !== null ? { scenario: loaded, frame: index } : null),
  };
}

/** Every page as one pixel of a side x side image (row by row from the first pfn): the canvas has one
 *  pixel per page when the machine has MAP_PX^2 pages or more, else it is the image scaled up. */
class MapPainter {
  private readonly img: ImageData;
  private readonly px: Uint32Array;
  private readonly off: OffscreenCanvas | null;
  /** Colours of the page states, and of a free page by its pageblock's migratetype. */
  private readonly used: Uint32Array;
  private readonly free: Uint32Array;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly data: ReplayFrames,
  ) {
    const side = Math.ceil(Math.sqrt(data.nrPages));
    const rows = Math.ceil(data.nrPages / side);
    const cell = Math.max(1, Math.floor(MAP_PX / side));
    canvas.width = side * cell;
    canvas.height = rows * cell;
    this.img = new ImageData(side, rows);
    this.px = new Uint32Array(this.img.data.buffer);
    this.off = cell > 1 ? new OffscreenCanvas(side, rows) : null;
    this.used = new Uint32Array(16).fill(rgba(RESERVED_RGB));
    this.used[0] = rgba(FREE_RGB);
    MT_RGB.forEach((c, mt) => {
      this.used[1 + mt] = rgba(c);
    });
    this.used[PAGE_PCP] = rgba(PCP_RGB);
    this.used[PAGE_RESERVED] = rgba(RESERVED_RGB);
    const tints = MT_RGB.map(tint);
    this.free = Uint32Array.from({ length: 16 }, (_, mt) =>
      rgba(data.migratetypes ? (tints[mt] ?? FREE_RGB) : FREE_RGB),
    );
  }

  paint(pages: Uint8Array, pageblocks: Uint8Array): void {
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const { px, used, free } = this;
    const shift = this.data.pageblockOrder;
    const n = pages.length;
    for (let p = 0; p < n; p++) {
      const s = pages[p];
      px[p] = s === 0 ? free[pageblocks[p >> shift]] : used[s];
    }
    if (!this.off) {
      ctx.putImageData(this.img, 0, 0);
      return;
    }
    this.off.getContext("2d")?.putImageData(this.img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(this.off, 0, 0, this.canvas.width, this.canvas.height);
  }
}

/** The zone the charts follow: the one with the highest high mark at the end (the largest, in practice). */
function mainZone(data: ReplayFrames): number {
  const zones = data.frames[data.frames.length - 1].zones;
  let best = 0;
  for (let i = 1; i < zones.length; i++) if (zones[i].high > zones[best].high) best = i;
  return best;
}

/** The main zone's free pages over the whole replay, min/low/high as lines, the current frame as a cursor. */
function drawFree(canvas: HTMLCanvasElement, data: ReplayFrames, index: number): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const { width: w, height: h } = canvas;
  const zi = mainZone(data);
  const zs = data.frames.map((f) => f.zones[zi]);
  const top = Math.max(1, ...zs.map((z) => Math.max(z.freePages, z.high))) * 1.1;
  const x = (i: number) => 40 + ((w - 50) * i) / Math.max(1, data.frames.length - 1);
  const y = (v: number) => h - 20 - ((h - 30) * v) / top;
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px sans-serif";
  const line = (colour: string, value: (i: number) => number, label: string) => {
    ctx.strokeStyle = colour;
    ctx.beginPath();
    data.frames.forEach((_, i) => {
      if (i === 0) ctx.moveTo(x(i), y(value(i)));
      else ctx.lineTo(x(i), y(value(i)));
    });
    ctx.stroke();
    ctx.fillStyle = colour;
    ctx.fillText(label, 2, y(value(zs.length - 1)) + 4);
  };
  line("#b2182b", (i) => zs[i].min, "min");
  line("#e08214", (i) => zs[i].low, "low");
  line("#1b7837", (i) => zs[i].high, "high");
  line("#2166ac", (i) => zs[i].freePages, "free");
  ctx.strokeStyle = "#000";
  ctx.beginPath();
  ctx.moveTo(x(index), 5);
  ctx.lineTo(x(index), h - 20);
  ctx.stroke();
  ctx.fillStyle = "#1a1a1a";
  ctx.fillText("event 0", 40, h - 5);
  ctx.fillText(`event ${data.events}`, w - 80, h - 5);
}
