// The Replay panel: the seed scenario replayed in the worker (replay_frames.ts), played back in
// simulated time: every page of the zone on a canvas (free, or allocated coloured by migratetype), the
// zone's free pages against min/low/high, and the kernel log printed so far; play, pause, step, speed.
import { byId, fill } from "./dom.js";
import type { ReplayAnswer, ReplayFrame, ReplayFrames } from "./protocol.js";

/** Allocated pages by migratetype (unmovable, movable, reclaimable, highatomic, CMA, isolate). */
const MT_COLOURS = ["#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#4d4d4d"];
const MT_NAMES = ["unmovable", "movable", "reclaimable", "highatomic", "CMA", "isolate"];
const FREE = "#e8e8e8";
const CELL = 6;

export function mountReplay(root: HTMLElement, load: () => Promise<ReplayAnswer>): void {
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
    simNow = f.t;
    slider.value = String(index);
    const z = f.zones[0];
    clock.textContent =
      `t = ${f.t} ms of ${data.simMs} ms, frame ${index + 1} of ${data.frames.length}` +
      (z ? `; ${z.name}: ${z.freePages} free pages (min ${z.min}, low ${z.low}, high ${z.high})` : "");
    root.dataset.frame = String(index);
    drawMap(map, f, data.nrPages);
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

  const tick = (now: number): void => {
    if (!playing || !data) return;
    simNow += ((now - lastTick) / 1000) * Number(speed.value);
    lastTick = now;
    let i = index;
    while (i + 1 < data.frames.length && data.frames[i + 1].t <= simNow) i++;
    if (i !== index) show(i);
    if (index >= data.frames.length - 1) setPlaying(false);
    else requestAnimationFrame(tick);
  };

  loadButton.addEventListener("click", async () => {
    loadButton.disabled = true;
    fill(status, "Replaying the seed scenario in the worker…");
    const a = await load();
    loadButton.disabled = false;
    if (!a.replay) {
      fill(status, `Error: ${a.error ?? "no answer"}`);
      return;
    }
    data = a.replay;
    const side = Math.ceil(Math.sqrt(data.nrPages));
    map.width = side * CELL;
    map.height = Math.ceil(data.nrPages / side) * CELL;
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
    ...[["free", FREE], ...MT_NAMES.slice(0, 3).map((n, i) => [`allocated, ${n}`, MT_COLOURS[i]])].map(([n, c]) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = c;
      li.append(sw, document.createTextNode(n));
      return li;
    }),
  );
}

/** Every page as a CELL-pixel square, row by row from the first pfn. */
function drawMap(canvas: HTMLCanvasElement, f: ReplayFrame, nrPages: number): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const side = Math.ceil(Math.sqrt(nrPages));
  ctx.fillStyle = FREE;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let mt = 0; mt < MT_COLOURS.length; mt++) {
    ctx.fillStyle = MT_COLOURS[mt];
    for (let p = 0; p < nrPages; p++) {
      if (f.pages[p] !== mt + 1) continue;
      ctx.fillRect((p % side) * CELL, Math.floor(p / side) * CELL, CELL - 1, CELL - 1);
    }
  }
}

/** The first zone's free pages over the whole replay, min/low/high as lines, the current frame as a cursor. */
function drawFree(canvas: HTMLCanvasElement, data: ReplayFrames, index: number): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const { width: w, height: h } = canvas;
  const zs = data.frames.map((f) => f.zones[0]);
  const top = Math.max(1, ...zs.map((z) => Math.max(z.freePages, z.high))) * 1.1;
  const x = (t: number) => 40 + ((w - 50) * t) / Math.max(1, data.simMs);
  const y = (v: number) => h - 20 - ((h - 30) * v) / top;
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px sans-serif";
  const line = (colour: string, value: (i: number) => number, label: string) => {
    ctx.strokeStyle = colour;
    ctx.beginPath();
    data.frames.forEach((f, i) => {
      if (i === 0) ctx.moveTo(x(f.t), y(value(i)));
      else ctx.lineTo(x(f.t), y(value(i)));
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
  ctx.moveTo(x(data.frames[index].t), 5);
  ctx.lineTo(x(data.frames[index].t), h - 20);
  ctx.stroke();
  ctx.fillStyle = "#1a1a1a";
  ctx.fillText("0 ms", 40, h - 5);
  ctx.fillText(`${data.simMs} ms`, w - 60, h - 5);
}
