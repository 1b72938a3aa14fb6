// The web page (web/, issue 14) in Chromium: the site is built once with Vite's JS API, served from
// web/dist by a tiny static server on 127.0.0.1 and driven by playwright-core. The Diagnose panel must
// work by keyboard alone, give `oomlab diagnose --json`'s bytes (the library's diagnoseFile/filedJson,
// computed here), keep every pasted payload inert text, fetch nothing after load, and pass axe-core
// without a serious or critical violation. A screenshot of the panel goes to docs/web/diagnose.png.
//
// Needs Debian's Chromium at /usr/bin/chromium and the embedded engine (`npm run build`); skipped
// without Chromium, except under CI, where it fails.

import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  diagnoseFile,
  type FiledReport,
  filedJson,
  parseWhatIf,
  replay,
  replayScenario618,
} from "../../bindings/index.js";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP = !HAVE_CHROMIUM && !process.env.CI;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SITE = path.join(ROOT, "web", "dist");
const FIXTURES = path.join(ROOT, "test", "fixtures");
const fixture = (prefix: string): { name: string; text: string } => {
  const name = readdirSync(FIXTURES).find((f) => f.startsWith(prefix)) as string;
  return { name, text: readFileSync(path.join(FIXTURES, name), "utf8") };
};
const SEED = fixture("seed-article-oom-report");
/** A 6.1 global OOM with a task dump and Mem-Info (the sortable table, the memory chart). */
const CORPUS = fixture("028-");
const PAYLOADS = [`<script>window.__x=1</script>`, `<img src=x onerror="window.__x=1">`, `<svg onload="window.__x=1">`];
const SEED_SCENARIO = JSON.parse(readFileSync(path.join(ROOT, "scenarios", "seed.json"), "utf8"));
const WHAT_IF_INPUTS = ["wi-min-free", "wi-wsf", "wi-order", "wi-gfp"];
const STEP_MS = 60_000;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** web/dist's files, nothing outside it. */
function startServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const rel = url.pathname === "/" ? "/index.html" : decodeURIComponent(url.pathname);
    const file = path.resolve(SITE, `.${rel}`);
    const type = TYPES[path.extname(file)];
    if (!file.startsWith(SITE + path.sep) || !type || !existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    );
  });
}

/** Node's answer: the JSON `oomlab diagnose --json` prints for these inputs (without its newline). */
function nodeJson(inputs: { file: string; text: string }[], whatIf: string[] = []): string {
  const w = parseWhatIf(whatIf);
  return filedJson(inputs.flatMap((i) => diagnoseFile(i.file, i.text, { whatIf: w })));
}

describe.skipIf(SKIP)("the web page (web/, Chromium via playwright-core)", () => {
  let browser: Browser;
  let server: Server;
  let origin = "";
  const errors: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`CI is set but ${CHROMIUM} is missing: install chromium (see .ci/run)`);
    const t0 = performance.now();
    await build({ configFile: path.join(ROOT, "web", "vite.config.ts"), logLevel: "warn" });
    console.log(`web: vite build ${(performance.now() - t0).toFixed(0)} ms`);
    ({ server, origin } = await startServer());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      timeout: 30_000,
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  /** A fresh page, loaded until the panel is wired (body[data-ready]); its load time is logged. */
  async function open(bypassCSP = false): Promise<Page> {
    // axe-core is injected as an inline script, which the page's Content-Security-Policy forbids
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, bypassCSP });
    page.setDefaultTimeout(STEP_MS);
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    const t0 = performance.now();
    await page.goto(`${origin}/`);
    await page.waitForSelector("body[data-ready]");
    console.log(`web: interactive ${(performance.now() - t0).toFixed(0)} ms after navigation`);
    return page;
  }

  /** Clicks Diagnose (or not: the caller may have pressed it) and waits for the answer after `before`. */
  async function answer(page: Page, before: string | null): Promise<string> {
    await page.waitForFunction(
      (prev) => {
        const root = document.getElementById("diagnose");
        const json = document.getElementById("json")?.textContent ?? "";
        const status = document.getElementById("status")?.textContent ?? "";
        return root?.dataset.state === "done" && (json !== prev || status.startsWith("Error"));
      },
      before,
      { timeout: STEP_MS },
    );
    return (await page.textContent("#json")) ?? "";
  }

  /** Presses Tab until the element with this id has the focus (at most 60 presses). */
  async function tabTo(page: Page, selector: string): Promise<void> {
    for (let i = 0; i < 60; i++) {
      if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
      await page.keyboard.press("Tab");
    }
    throw new Error(`Tab never reached ${selector}`);
  }

  it("works by keyboard alone: paste, run, sort the process table", async () => {
    const page = await open();
    await tabTo(page, "#report");
    await page.keyboard.insertText(CORPUS.text);
    await tabTo(page, "#run");
    await page.keyboard.press("Enter");
    const json = await answer(page, "");
    expect(json).toBe(nodeJson([{ file: "-", text: CORPUS.text }]));
    const ms = await page.getAttribute("#diagnose", "data-ms");
    console.log(`web: ${CORPUS.name} diagnosed in the worker in ${ms} ms`);

    // the rss column: Enter sorts ascending, Enter again descending (aria-sort says which)
    const report = JSON.parse(json).reports[0] as FiledReport;
    expect(report.tasks.length).toBeGreaterThan(3);
    const rssHeader = 'table.tasks th[data-col="rss"]';
    await tabTo(page, `${rssHeader} button`);
    await page.keyboard.press("Enter");
    expect(await page.getAttribute(rssHeader, "aria-sort")).toBe("ascending");
    const rssCol = await page.$$eval("table.tasks th", (ths) => ths.findIndex((th) => th.dataset.col === "rss"));
    const column = () =>
      page.$$eval(`table.tasks tbody tr td:nth-child(${rssCol + 1})`, (tds) =>
        tds.map((td) => Number((td.textContent ?? "").replaceAll(",", ""))),
      );
    const rss = report.tasks.map((t) => t.rssPages);
    expect(await column()).toEqual([...rss].sort((a, b) => a - b));
    await page.keyboard.press("Enter");
    expect(await page.getAttribute(rssHeader, "aria-sort")).toBe("descending");
    expect(await column()).toEqual([...rss].sort((a, b) => b - a));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("gives Node's JSON for the seed report, for several files, and under a what-if", async () => {
    const page = await open();
    await page.fill("#report", SEED.text);
    await page.click("#run");
    const seed = await answer(page, "");
    console.log(`web: seed report diagnosed in the worker in ${await page.getAttribute("#diagnose", "data-ms")} ms`);
    expect(seed).toBe(nodeJson([{ file: "-", text: SEED.text }]));
    expect(JSON.parse(seed).reports).toHaveLength(1);
    // the summary and "What to do" come first, as in the CLI's text: the library's sentences, as text
    const rep = JSON.parse(seed).reports[0];
    expect(await page.textContent(".report-summary")).toBe(rep.summary);
    const effects = await page.$$eval(".actions li .effect", (ps) => ps.map((p) => p.textContent));
    expect(effects).toEqual(rep.actions.map((a: { effect: string }) => `effect: ${a.effect}`));
    expect(effects.length).toBeGreaterThan(0);

    // the what-if re-runs by itself (debounced) as the field changes
    await page.fill("#wi-min-free", "600");
    const changed = await answer(page, seed);
    expect(changed).toBe(nodeJson([{ file: "-", text: SEED.text }], ["min_free_kbytes=600"]));
    // hand-checked in what_if.test.ts's worked example: DMA's min mark 1200 kB -> 600 kB
    expect(JSON.parse(changed).reports[0].whatIf.changes.marks[0].after.minKb).toBe(600);
    await page.fill("#wi-min-free", "");
    await answer(page, changed);

    // two chosen files and the pasted text: one JSON, in input order, each report with its file
    await page.setInputFiles("#files", [
      { name: SEED.name, mimeType: "text/plain", buffer: Buffer.from(SEED.text) },
      { name: CORPUS.name, mimeType: "text/plain", buffer: Buffer.from(CORPUS.text) },
    ]);
    const both = await answer(page, seed);
    expect(both).toBe(
      nodeJson([
        { file: "-", text: SEED.text },
        { file: SEED.name, text: SEED.text },
        { file: CORPUS.name, text: CORPUS.text },
      ]),
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it("keeps pasted script, img and svg payloads inert text in every input", async () => {
    const page = await open();
    for (const p of PAYLOADS) {
      // the report box: echoed in the inputs list
      await page.fill("#report", p);
      await page.click("#run");
      await page.waitForFunction(() => document.getElementById("diagnose")?.dataset.state === "done");
      await expect.poll(() => page.textContent("#sources")).toContain(p);
      // each what-if field: echoed in the error that names the bad value (the seed report is pasted)
      await page.fill("#report", SEED.text);
      for (const id of WHAT_IF_INPUTS) {
        await page.fill(`#${id}`, p);
        await page.click("#run");
        await expect.poll(() => page.textContent("#status")).toContain(p);
        await page.fill(`#${id}`, "");
      }
      // a chosen file's name (a file name cannot hold "/": the script payload's is its slash-free part)
      const name = p.replaceAll("/", "");
      await page.setInputFiles("#files", [{ name, mimeType: "text/plain", buffer: Buffer.from(p) }]);
      await expect.poll(() => page.textContent("#sources")).toContain(name);
      expect(await page.evaluate(() => (window as unknown as { __x?: number }).__x)).toBeUndefined();
      expect(await page.$$("#diagnose script, #diagnose img, #diagnose [onload], #diagnose [onerror]")).toEqual([]);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("works opened from disk (file://), as the built folder is, with Node's JSON", async () => {
    const page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(path.join(SITE, "index.html")).href);
    await page.waitForSelector("body[data-ready]");
    await page.fill("#report", SEED.text);
    await page.click("#run");
    expect(await answer(page, "")).toBe(nodeJson([{ file: "-", text: SEED.text }]));
    // the style sheet loaded too (body's max-width: 72rem = 1152 px)
    expect(await page.evaluate(() => getComputedStyle(document.body).maxWidth)).toBe("1152px");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("fetches only its own files, and nothing after load", async () => {
    const requests: { url: string; loaded: boolean }[] = [];
    const page = await browser.newPage();
    let loaded = false;
    page.on("request", (r) => requests.push({ url: r.url(), loaded }));
    await page.goto(`${origin}/`);
    await page.waitForSelector("body[data-ready]");
    await page.waitForLoadState("networkidle");
    loaded = true;
    await page.fill("#report", CORPUS.text);
    await page.click("#run");
    await answer(page, "");
    await page.fill("#wi-order", "3");
    await page.waitForFunction(() => (document.getElementById("json")?.textContent ?? "").includes('"whatIf"'));
    await page.click('table.tasks button[data-col="name"]');
    expect(requests.filter((r) => r.loaded)).toEqual([]);
    const during = requests.map((r) => r.url);
    expect(during.length).toBeGreaterThan(0);
    // the page's files, and its worker: the worker's script is inlined in the page and started from a
    // blob: URL of the page's own origin
    expect(during.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith(`blob:${origin}/`))).toEqual([]);
    expect(during.filter((u) => u.startsWith("blob:"))).toHaveLength(1);
    await page.close();
  });

  it("has no serious or critical axe-core violation, and saves a screenshot", async () => {
    const page = await open(true);
    await page.fill("#report", CORPUS.text);
    await page.click("#run");
    await answer(page, "");
    const axe = readFileSync(path.join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
    await page.addScriptTag({ content: axe });
    const violations = (await page.evaluate(async () => {
      const run = (window as unknown as { axe: { run: (c: unknown) => Promise<{ violations: unknown[] }> } }).axe.run;
      return (await run(document)).violations;
    })) as { id: string; impact: string; nodes: unknown[] }[];
    const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`)).toEqual([]);
    mkdirSync(path.join(ROOT, "docs", "web"), { recursive: true });
    // the inputs, the verdict, the zones and the memory chart (the process table continues below)
    const clip = { x: 0, y: 0, width: 1100, height: 2300 };
    await page.screenshot({ path: path.join(ROOT, "docs", "web", "diagnose.png"), fullPage: true, clip });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("replays the seed scenario by keyboard: step, play to the end, the kernel log as Node prints it", async () => {
    const page = await open(true);
    await tabTo(page, "#replay-load");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#replay[data-state=loaded]");
    expect(await page.getAttribute("#replay", "data-frame")).toBe("0");
    console.log(`web: ${await page.textContent("#replay-status")}`);
    await tabTo(page, "#replay-step");
    await page.keyboard.press("Enter");
    expect(await page.getAttribute("#replay", "data-frame")).toBe("1");
    // the fastest speed (the select's last option), then play to the last frame
    await tabTo(page, "#replay-speed");
    await page.keyboard.press("End");
    expect(await page.inputValue("#replay-speed")).toBe("60");
    const last = await page.getAttribute("#replay-frame", "max");
    expect(Number(last)).toBeGreaterThan(10);
    await tabTo(page, "#replay-play");
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => document.getElementById("replay")?.dataset.frame === n, last, {
      timeout: STEP_MS,
    });
    const node = replay(SEED_SCENARIO);
    expect(node.lines).toContain("Out of Memory: Killed process 453 (smbd).");
    expect(await page.textContent("#replay-story")).toBe(node.lines.join("\n"));
    expect(await page.textContent("#replay-clock")).toMatch(new RegExp(`^t = ${node.simMs} ms of ${node.simMs} ms`));
    // the page map has allocated pages drawn (not only the free colour)
    const drawn = await page.evaluate(() => {
      const c = document.getElementById("replay-map") as HTMLCanvasElement;
      const px = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let coloured = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2]) coloured++;
      return coloured;
    });
    expect(drawn).toBeGreaterThan(1000);
    const axe = readFileSync(path.join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
    await page.addScriptTag({ content: axe });
    const violations = (await page.evaluate(async () => {
      const run = (window as unknown as { axe: { run: (c: unknown) => Promise<{ violations: unknown[] }> } }).axe.run;
      return (await run(document)).violations;
    })) as { id: string; impact: string; nodes: unknown[] }[];
    const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`)).toEqual([]);
    await page.locator("#replay").screenshot({ path: path.join(ROOT, "docs", "web", "replay.png") });

    // a 6.18 scenario: chosen by keyboard, the last frame reached with the slider's End key
    await tabTo(page, "#replay-scenario");
    await page.keyboard.press("ArrowDown");
    expect(await page.inputValue("#replay-scenario")).toBe("exhaustion-618");
    await tabTo(page, "#replay-load");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.getElementById("replay-status")?.textContent?.startsWith("exhaustion"));
    await tabTo(page, "#replay-frame");
    await page.keyboard.press("End");
    expect(await page.getAttribute("#replay", "data-frame")).toBe(await page.getAttribute("#replay-frame", "max"));
    const sc618 = JSON.parse(readFileSync(path.join(ROOT, "scenarios", "exhaustion-618.json"), "utf8"));
    expect(await page.textContent("#replay-story")).toBe(replayScenario618(sc618).lines.join("\n"));
    console.log(`web: ${await page.textContent("#replay-status")}`);
    await page.locator("#replay").screenshot({ path: path.join(ROOT, "docs", "web", "replay-618.png") });
    expect(errors).toEqual([]);
    await page.close();
  });
});
