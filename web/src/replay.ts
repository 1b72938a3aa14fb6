// The Replay panel: the seed scenario replayed in the worker (replay_frames.ts), played back in
// simulated time: every page of the zone on a canvas (free, or allocated coloured by migratetype), the
// zone's free pages against min/low/high, and the kernel log printed so far; play, pause, step, speed.
import { byId, fill } from "./dom.js";
import type { ReplayAnswer, ReplayFrame, ReplayFrames } from "./protocol.js";

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

export function mountReplay(root: HTMLElement, load: (scenario: string) => Promise<ReplayAnswer>): void {
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
  const status = byId<HTMLElement>(root, "replay-status");
  const controls = [play, step, speed, slider];
  let data: ReplayFrames | null = null;
  let index = 0;
  let simNow = 0;
  let playing = false;
  let lastTick = 0;

  const show = (i: number): void => {
    if (!data) return;
    index = Math.max(0, Math.min(data.frames.length - 1, i));
    const f = data.frames[index];
    simNow = index;
    slider.value = String(index);
    const z = f.zones[mainZone(data)];
    clock.textContent =
      `t = ${f.t} ms of ${data.simMs} ms, event ${f.events} of ${data.events}, ` +
      `frame ${index + 1} of ${data.frames.length}` +
      (z ? `; ${z.name}: ${z.freePages} free pages (min ${z.min}, low ${z.low}, high ${z.high})` : "");
    root.dataset.frame = String(index);
    drawMap(map, f, data);
    drawFree(chart, data, index);
    story.textContent = data.lines.slice(0, f.lines).join("\n");
    const box = story.parentElement;
    if (box) box.scrollTop = box.scrollHeight;
  };

  const setPlaying = (on: boolean): void => {
    playing = on && data !== null;
    play.textContent = playing ? "Pause" : "Play";
    play.setAttribute("aria-pressed", String(playing));
    if (playing) {
      if (data && index >= data.frames.length - 1) show(0);
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

  loadButton.addEventListener("click", async () => {
    loadButton.disabled = true;
    fill(status, `Replaying ${scenario.value} in the worker…`);
    setPlaying(false);
    const a = await load(scenario.value);
    loadButton.disabled = false;
    if (!a.replay) {
      fill(status, `Error: ${a.error ?? "no answer"}`);
      return;
    }
    data = a.replay;
    const side = Math.ceil(Math.sqrt(data.nrPages));
    const cell = Math.max(1, Math.floor(MAP_PX / side));
    map.width = side * cell;
    map.height = Math.ceil(data.nrPages / side) * cell;
    slider.max = String(data.frames.length - 1);
    for (const c of controls) c.disabled = false;
    fill(
      status,
      `${data.scenario}: ${data.outcome} after ${data.simMs} simulated ms; ${data.frames.length} frames ` +
        `recorded in ${a.replay.ms.toFixed(0)} ms.`,
    );
    root.dataset.state = "loaded";
    show(0);
  });
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
      ...MT_NAMES.slice(0, 3).map((n, i) => [`allocated, ${n}`, css(MT_RGB[i])]),
    ].map(([n, c]) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = c;
      li.append(sw, document.createTextNode(n));
      return li;
    }),
  );
}

/** Every page as one pixel of a side x side image (row by row from the first pfn), scaled to the canvas. */
function drawMap(canvas: HTMLCanvasElement, f: ReplayFrame, data: ReplayFrames): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const n = data.nrPages;
  const side = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / side);
  const img = new ImageData(side, rows);
  const px = img.data;
  const shift = data.pageblockOrder;
  const tints = MT_RGB.map(tint);
  for (let p = 0; p < n; p++) {
    const s = f.pages[p];
    const rgb = s > 0 ? MT_RGB[s - 1] : data.migratetypes ? tints[f.pageblocks[p >> shift]] : FREE_RGB;
    const o = p * 4;
    px[o] = rgb[0];
    px[o + 1] = rgb[1];
    px[o + 2] = rgb[2];
    px[o + 3] = 255;
  }
  const off = new OffscreenCanvas(side, rows);
  off.getContext("2d")?.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
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
