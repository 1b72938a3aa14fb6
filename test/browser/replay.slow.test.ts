// The web page's Replay panel (web/src/replay*.ts, issue 14) in Chromium: every scenario it offers loads
// by keyboard alone; the free blocks per order it shows equal the library's zone statistics at the same
// moment (the first frame: the kernel just built; the last: the replay's end), with a worked example
// (unmovable-pepper); the story of the kernel's decisions is the one replay_story.ts tells of Node's
// events for the same replay; the large machine (exhaustion-618 on 4 GiB, 2^20 pfns) loads, draws one
// pixel per page and plays to its end; axe-core finds no serious or critical violation. Screenshot:
// docs/web/replay-blocks.png (the decisions and the free blocks per order).
//
// Needs Debian's Chromium at /usr/bin/chromium and the embedded engine (`npm run build`); skipped
// without Chromium, except under CI, where it fails.

import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isScenario618, replay, replayScenario618 } from "../../bindings/index.js";
import { scaleScenario618 } from "../../web/src/replay_scale.js";
import { StoryLog } from "../../web/src/replay_story.js";
import { PAGETYPE_NAMES } from "../../web/src/replay_views.js";
import { axeViolations, ROOT, SKIP, type Site, STEP_MS, startSite, tabTo } from "./site.js";

/** The scenarios the panel offers, in the select's order. */
const OFFERED = [
  "seed",
  "exhaustion-618",
  "unmovable-pepper",
  "kvmalloc-618",
  "nic-atomic",
  "thp-compaction",
  "exhaustion-618-4g",
];
const scenario = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(ROOT, "scenarios", `${name}.json`), "utf8"));

interface ZoneStatsLike {
  type: string;
  spannedPages: number;
  nrFree: number[];
  nrFreeByType: number[][];
}
interface KernelLike {
  machine: { allStats(): ZoneStatsLike[] };
}

/** Node's replay of a scenario: its result, and the zones' statistics when the kernel was built and at
 *  the end (the moments of the panel's first and last frames). */
function nodeReplay(name: string) {
  const sc = scenario(name);
  let kernel: KernelLike | null = null;
  let first: ZoneStatsLike[] = [];
  const onKernel = (k: unknown) => {
    kernel = k as KernelLike;
    first = kernel.machine.allStats();
  };
  const r = isScenario618(sc) ? replayScenario618(sc, { onKernel }) : replay(sc, { onKernel });
  const last = (kernel as KernelLike | null)?.machine.allStats() ?? [];
  return { r, first, last };
}

interface BlocksTable {
  zone: string;
  rows: { nrFree: number; types: Record<string, number> }[];
}

/** The free-blocks tables as the page shows them (counts without their thousands separators). */
function shownBlocks(page: Page): Promise<BlocksTable[]> {
  return page.$$eval("#replay-blocks table", (tables) =>
    tables.map((t) => {
      const n = (el: Element | null) => Number((el?.textContent ?? "").replaceAll(",", ""));
      return {
        zone: (t as HTMLElement).dataset.zone ?? "",
        rows: Array.from((t as HTMLTableElement).tBodies[0].rows, (r: HTMLTableRowElement) => ({
          nrFree: n(r.querySelector(".nr-free")),
          types: Object.fromEntries(
            Array.from(r.querySelectorAll("td[data-mt]"), (td) => [(td as HTMLElement).dataset.mt ?? "", n(td)]),
          ),
        })),
      };
    }),
  );
}

/** The same tables from the library's statistics, with the migratetype columns the page shows (an empty
 *  zone, such as the seed's Normal and HighMem, has none). */
function expectedBlocks(zones: ZoneStatsLike[], columns: string[]): BlocksTable[] {
  return zones
    .filter((z) => z.spannedPages > 0)
    .map((z) => ({
      zone: z.type,
      rows: z.nrFree.map((nrFree, o) => ({
        nrFree,
        types: Object.fromEntries(columns.map((c) => [c, z.nrFreeByType[o][PAGETYPE_NAMES.indexOf(c)]])),
      })),
    }));
}

describe.skipIf(SKIP)("the Replay panel (web/, Chromium via playwright-core)", () => {
  let site: Site;
  let errors: string[] = [];

  beforeAll(async () => {
    site = await startSite("replay");
    ({ errors } = site);
  }, 180_000);

  afterAll(async () => {
    await site?.close();
  });

  /** Chooses a scenario and replays it by keyboard: the select's arrow keys, then Enter on Replay. */
  async function loadByKeyboard(page: Page, name: string): Promise<void> {
    await tabTo(page, "#replay-scenario");
    const at = OFFERED.indexOf(await page.inputValue("#replay-scenario"));
    const want = OFFERED.indexOf(name);
    for (let i = at; i < want; i++) await page.keyboard.press("ArrowDown");
    for (let i = at; i > want; i--) await page.keyboard.press("ArrowUp");
    expect(await page.inputValue("#replay-scenario")).toBe(name);
    await tabTo(page, "#replay-load");
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (n) => {
        const s = document.getElementById("replay-status")?.textContent ?? "";
        return s.startsWith(`${n}:`) || s.startsWith("Error");
      },
      name,
      { timeout: STEP_MS },
    );
  }

  /** The slider's Home or End key: the first or the last frame. */
  async function frameKey(page: Page, key: "Home" | "End"): Promise<void> {
    await tabTo(page, "#replay-frame");
    await page.keyboard.press(key);
  }

  it("offers every scenario with a description, and each one replays in the worker (by keyboard)", async () => {
    const page = await site.open();
    const options = await page.$$eval("#replay-scenario option", (os) =>
      os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? "" })),
    );
    expect(options.map((o) => o.value)).toEqual(OFFERED);
    for (const o of options) expect(o.text.length).toBeGreaterThan(o.value.length + 20);
    for (const name of OFFERED.slice(0, -1)) {
      await loadByKeyboard(page, name);
      const status = (await page.textContent("#replay-status")) ?? "";
      const node = nodeReplay(name).r;
      // "<scenario>: <outcome> after <ms> simulated ms; N frames ..." with Node's outcome and time
      expect(status.startsWith(`${name}: ${node.outcome} after ${node.simMs} simulated ms;`), status).toBe(true);
      expect(Number(await page.getAttribute("#replay-frame", "max"))).toBeGreaterThan(0);
      await frameKey(page, "End");
      expect(await page.textContent("#replay-story")).toBe(node.lines.join("\n"));
      console.log(`web replay: ${status}`);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the free blocks per order of the library's zones, at the first and the last frame", async () => {
    const page = await site.open();
    for (const name of ["seed", "exhaustion-618", "unmovable-pepper"]) {
      await loadByKeyboard(page, name);
      const { first, last } = nodeReplay(name);
      const columns = await page.$$eval("#replay-blocks table:first-of-type th[scope=col]", (ths) =>
        ths.slice(3).map((th) => th.textContent ?? ""),
      );
      // 2.6.11 has one free list per order, 6.x one per migratetype
      expect(columns.length > 0).toBe(name !== "seed");
      await frameKey(page, "Home");
      expect(await page.getAttribute("#replay", "data-frame")).toBe("0");
      expect(await shownBlocks(page)).toEqual(expectedBlocks(first, columns));
      await frameKey(page, "End");
      expect(await shownBlocks(page)).toEqual(expectedBlocks(last, columns));
      // a list the page leaves out held no block in this replay
      for (const z of last)
        for (const row of z.nrFreeByType)
          PAGETYPE_NAMES.forEach((t, mt) => {
            if (name !== "seed" && !columns.includes(t)) expect(row[mt]).toBe(0);
          });
    }
    // the worked example: unmovable-pepper keeps one unmovable page at the start of each of DMA32's
    // 126976 / 512 = 248 pageblocks and frees the rest; a block's pages 1..511 are free buddies of orders
    // 0, 1, ..., 8 (1 + 2 + ... + 256 = 511 pages), so every order 0..8 has 248 free blocks, order 9 and
    // 10 none: 248 * 511 = 126,728 free pages
    const pepper = (await shownBlocks(page))[0];
    expect(pepper.zone).toBe("DMA32");
    expect(pepper.rows.map((r) => r.nrFree)).toEqual([...Array(9).fill(248), 0, 0]);
    expect(pepper.rows.reduce((s, r, o) => s + r.nrFree * 2 ** o, 0)).toBe(126_728);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("tells the kernel's decisions of Node's replay, the current one marked as the frame moves", async () => {
    const page = await site.open();
    await loadByKeyboard(page, "exhaustion-618");
    const { r } = nodeReplay("exhaustion-618");
    const story = new StoryLog();
    r.events.forEach((e, i) => {
      story.tell(e.kind, e as unknown as Record<string, unknown>, e.t, i + 1, e.ctx ?? null);
    });
    const shown = () =>
      page.$$eval("#replay-events li", (lis) =>
        lis.map((li) => ({
          at: Number(li.dataset.at),
          kind: li.dataset.kind,
          text: li.textContent,
          future: li.classList.contains("future"),
          current: li.getAttribute("aria-current") === "step",
        })),
      );
    // the OOM kill is told, with Node's victim and badness
    const kill = r.events.find((e) => e.kind === "out_of_memory");
    expect(kill?.kind === "out_of_memory" && kill.comm).toBe("java");
    // as the page writes them: numbers with thousands separators (dom.ts num)
    const num = (n: number) => n.toLocaleString("en-US");
    // exhaustion-618's clock never moves (no sleep event): the event's number stands for the time
    expect(r.simMs).toBe(0);
    const told = story.entries.map((e) => ({
      at: e.at,
      kind: e.kind,
      text: `#${num(e.at)} ${e.text}${e.times > 1 ? ` (${num(e.times)} times)` : ""}`,
    }));
    expect(told.some((e) => e.kind === "out_of_memory" && e.text.includes("kills java (pid 1403"))).toBe(true);
    expect(told.some((e) => e.kind === "wakeup_kswapd")).toBe(true);
    expect(told.some((e) => e.kind === "__alloc_pages_direct_reclaim")).toBe(true);

    await frameKey(page, "End");
    const atEnd = await shown();
    expect(atEnd.map(({ at, kind, text }) => ({ at, kind, text }))).toEqual(told);
    expect(atEnd.filter((e) => e.future)).toEqual([]);
    expect(atEnd.findIndex((e) => e.current)).toBe(atEnd.length - 1);
    // the first frame: nothing has happened yet
    await frameKey(page, "Home");
    const atStart = await shown();
    expect(atStart.every((e) => e.future && !e.current)).toBe(true);
    // a middle frame: the entries up to its event count are shown, the last of them current
    const mid = Math.floor(Number(await page.getAttribute("#replay-frame", "max")) / 2);
    for (let i = 0; i < mid; i++) await page.keyboard.press("ArrowRight");
    expect(await page.getAttribute("#replay", "data-frame")).toBe(String(mid));
    const events = Number(/event (\d+) of/.exec((await page.textContent("#replay-clock")) ?? "")?.[1]);
    const atMid = await shown();
    const past = told.filter((e) => e.at <= events).length;
    expect(past).toBeGreaterThan(0);
    expect(atMid.filter((e) => !e.future)).toHaveLength(past);
    expect(atMid.findIndex((e) => e.current)).toBe(past - 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("replays the 2^20-page machine, one pixel per page, and plays it to the end", async () => {
    const page = await site.open();
    await loadByKeyboard(page, "exhaustion-618-4g");
    const status = (await page.textContent("#replay-status")) ?? "";
    console.log(`web replay: ${status}`);
    // exhaustion-618 with its machine's end pfn times 8: DMA32 ends at 131072 * 8 = 1048576 = 2^20
    const big = scaleScenario618(scenario("exhaustion-618"), 8, "exhaustion-618-4g");
    const node = replayScenario618(big);
    expect(status).toContain(`${node.outcome} after ${node.simMs} simulated ms;`);
    // the machine's page array covers pfns 0 .. 2^20 - 1 (pfn 0, below DMA, a hole): a 1024 x 1024 image
    expect(status).toContain("of 1,048,576 pages");
    const size = await page.$eval("#replay-map", (c) => [
      (c as HTMLCanvasElement).width,
      (c as HTMLCanvasElement).height,
    ]);
    expect(size).toEqual([1024, 1024]);
    await tabTo(page, "#replay-speed");
    await page.keyboard.press("End");
    await tabTo(page, "#replay-play");
    await page.keyboard.press("Enter");
    const last = await page.getAttribute("#replay-frame", "max");
    await page.waitForFunction((n) => document.getElementById("replay")?.dataset.frame === n, last, {
      timeout: STEP_MS,
    });
    expect(await page.textContent("#replay-story")).toBe(node.lines.join("\n"));
    expect(node.kills.map((k) => k.comm)).toEqual(["java"]);
    // the map at the end: java's pages are free again, the other tasks' still allocated (movable)
    const counts = await page.evaluate(() => {
      const c = document.getElementById("replay-map") as HTMLCanvasElement;
      const px = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let movable = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] === 33 && px[i + 1] === 102 && px[i + 2] === 172) movable++;
      return movable;
    });
    // postgres 24576 * 8 and backup 49152 * 8 anon pages at least (their swapped-out pages aside)
    expect(counts).toBeGreaterThan(100_000);
    console.log(`web replay: 2^20 pages, one frame drawn in ${await page.getAttribute("#replay", "data-draw-ms")} ms`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("has no serious or critical axe-core violation with a replay loaded, and saves a screenshot", async () => {
    const page = await site.open({ bypassCSP: true });
    await loadByKeyboard(page, "thp-compaction");
    await frameKey(page, "End");
    expect(await axeViolations(page)).toEqual([]);
    mkdirSync(path.join(ROOT, "docs", "web"), { recursive: true });
    await page.locator("#replay").screenshot({ path: path.join(ROOT, "docs", "web", "replay-blocks.png") });
    expect(errors).toEqual([]);
    await page.close();
  });
});
