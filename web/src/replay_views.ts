// Two views of the Replay panel that follow the frame: the free blocks per order of every zone (nr_free
// from the engine's counters, and per migratetype list where the era has them, as /proc/pagetypeinfo
// shows them) as bars and numbers, and the kernel's decisions in plain words (replay_story.ts) with the
// current one highlighted. Both are built once per replay and updated in place as the frame moves.
import { fill, h, num } from "./dom.js";
import type { ReplayFrame, ReplayFrames } from "./protocol.js";

/** /proc/pagetypeinfo's names of the migratetype lists, in list order (include/linux/mmzone.h, 6.18). */
export const PAGETYPE_NAMES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"];

/** The bars' colour where the era has one free list per order (2.6.11). */
const ONE_LIST = "#1d5fa6";

/** Updates the free-blocks tables to a frame. */
export type FreeBlocksView = (f: ReplayFrame) => void;

/** One table per zone that has pages: order, nr_free, a bar (split by migratetype list on 6.x) and the lists' counts.
 *  Bars share one scale per zone: the most blocks any order held in any frame. */
export function mountFreeBlocks(box: HTMLElement, data: ReplayFrames, colours: string[]): FreeBlocksView {
  const last = data.frames[data.frames.length - 1];
  const orders = last.zones[0]?.nrFree.length ?? 0;
  // the lists that ever held a block (CMA and Isolate are empty on most machines)
  const types = data.migratetypes
    ? PAGETYPE_NAMES.map((_, mt) => mt).filter((mt) =>
        data.frames.some((f) => f.zones.some((z) => z.nrFreeByType.some((row) => (row[mt] ?? 0) > 0))),
      )
    : [];
  const updates: FreeBlocksView[] = last.zones.flatMap((z0, zi) => {
    if (!z0.spannedPages) return [];
    const most = Math.max(1, ...data.frames.flatMap((f) => f.zones[zi].nrFree));
    const cells: { total: HTMLElement; bar: HTMLElement[]; types: HTMLElement[] }[] = [];
    const rows = Array.from({ length: orders }, (_, o) => {
      const total = h("td", { class: "nr-free" });
      const segs = (data.migratetypes ? types : [0]).map((mt) => {
        const seg = h("span", { class: "seg" });
        seg.style.background = data.migratetypes ? colours[mt] : ONE_LIST;
        return seg;
      });
      const typeCells = types.map((mt) => h("td", { "data-mt": PAGETYPE_NAMES[mt] }));
      cells.push({ total, bar: segs, types: typeCells });
      return h(
        "tr",
        { "data-order": o },
        h("th", { scope: "row" }, String(o)),
        total,
        h("td", { class: "bar-cell" }, h("span", { class: "bar" }, ...segs)),
        ...typeCells,
      );
    });
    const table = h(
      "table",
      { class: "free-orders", "data-zone": z0.name },
      h("caption", {}, `${z0.name}: free blocks per order`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "order"),
          h("th", { scope: "col" }, "nr_free"),
          h("th", { scope: "col" }, "blocks"),
          ...types.map((mt) => h("th", { scope: "col" }, PAGETYPE_NAMES[mt])),
        ),
      ),
      h("tbody", {}, ...rows),
    );
    box.append(table);
    const update = (f: ReplayFrame): void => {
      const z = f.zones[zi];
      for (let o = 0; o < orders; o++) {
        const c = cells[o];
        const total = z.nrFree[o];
        if (setCount(c.total, total) && !data.migratetypes) c.bar[0].style.width = `${(100 * total) / most}%`;
        types.forEach((mt, i) => {
          const n = z.nrFreeByType[o]?.[mt] ?? 0;
          if (setCount(c.types[i], n)) c.bar[i].style.width = `${(100 * n) / most}%`;
        });
      }
    };
    return [update];
  });
  return (f) => {
    for (const u of updates) u(f);
  };
}

/** Writes a count into its cell when it changed (no layout otherwise); true when it did. */
function setCount(cell: HTMLElement, n: number): boolean {
  const text = num(n);
  if (cell.textContent === text) return false;
  cell.textContent = text;
  return true;
}

/** Moves the story's highlight to a frame. */
export type StoryView = (f: ReplayFrame) => void;

/** The story as a list, each entry with its simulated time (or its event number: the clock's "event N");
 *  entries after the frame are dimmed, the frame's latest one is marked current
 *  (aria-current) and scrolled into the middle of its box. */
export function mountStory(list: HTMLOListElement, data: ReplayFrames): StoryView {
  // when the simulated clock never moved (a 6.18 scenario without sleeps), the event's number tells when
  const when = (t: number, at: number) => (data.simMs > 0 ? `${num(t)} ms` : `#${num(at)}`);
  const items = data.story.map((e) =>
    h(
      "li",
      { "data-at": e.at, "data-kind": e.kind, class: "future" },
      h("span", { class: "when" }, when(e.t, e.at)),
      " ",
      e.text,
      e.times > 1 ? h("span", { class: "times" }, ` (${num(e.times)} times)`) : null,
    ),
  );
  fill(
    list,
    ...items,
    data.storyMore ? h("li", { class: "more" }, `… and ${num(data.storyMore)} more decisions`) : null,
  );
  // entries [0, shown) are at or before the frame
  let shown = -1;
  return (f) => {
    let lo = 0;
    let hi = data.story.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (data.story[mid].at <= f.events) lo = mid + 1;
      else hi = mid;
    }
    if (lo === shown) return;
    shown = Math.max(0, shown);
    for (let i = Math.min(lo, shown); i < Math.max(lo, shown); i++) items[i].classList.toggle("future", i >= lo);
    items[shown - 1]?.removeAttribute("aria-current");
    shown = lo;
    const current = items[shown - 1];
    const box = list.parentElement;
    if (!current) {
      if (box) box.scrollTop = 0;
      return;
    }
    current.setAttribute("aria-current", "step");
    if (box) box.scrollTop = Math.max(0, current.offsetTop - box.clientHeight / 2);
  };
}
