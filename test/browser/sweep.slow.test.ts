// The Sweep panel of the web page (web/src/sweep.ts, issue 14 item 4) in Chromium: a spec typed into the
// page and run on 2 Web Workers gives `oomlab sweep SPEC --out DIR --workers 2`'s DIR/results.jsonl byte for
// byte (the CLI run here, from dist/), downloaded by keyboard alone, and its plots are the CLI's
// DIR/plots/NAME.svg byte for byte; payloads in the spec's name, labels and
// values stay inert text; a bad spec gives an error naming the problem; axe-core finds no serious or
// critical violation; nothing is fetched after load. A screenshot of the panel goes to docs/web/sweep.png.
//
// Needs Debian's Chromium at /usr/bin/chromium and the built CLI (`npm run build`); skipped without
// Chromium, except under CI, where it fails.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, PAYLOADS, ROOT, SKIP, type Site, STEP_MS, startSite, tabTo } from "./site.js";

/** A spec that runs in about a second: churn on a 64 MiB zone, 2 cells x 2 seeds, sampled (so it has plots). */
function smallSpec(name: string, labels?: string[]) {
  return {
    format: "oomlab-sweep/1",
    name,
    machine: { era: "6.18", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 16384 }] }] },
    workload: { name: "churn", params: { requests: 20000 } },
    sampleEvery: 5000,
    grid: [{ path: "sysctl.min_free_kbytes", values: [1024, 2048], ...(labels ? { labels } : {}) }],
    seeds: 2,
    seed: 1,
  };
}
const SMALL = `${JSON.stringify(smallSpec("web-small"), null, 2)}\n`;

/** The panel's final state after a run ("done", "error" or "cancelled"). */
async function finished(page: Page): Promise<string> {
  await page.waitForFunction(
    () => ["done", "error", "cancelled"].includes(document.getElementById("sweep")?.dataset.state ?? ""),
    null,
    { timeout: STEP_MS },
  );
  return (await page.getAttribute("#sweep", "data-state")) ?? "";
}

/** Replaces the spec box's text by keyboard. */
async function typeSpec(page: Page, text: string): Promise<void> {
  await tabTo(page, "#sweep-spec");
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

describe.skipIf(SKIP)("the Sweep panel (web/src/sweep.ts, Chromium via playwright-core)", () => {
  let site: Site;
  let tmp = "";
  /** The CLI's run of SMALL: DIR/results.jsonl and DIR/plots/. */
  let cliDir = "";

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), "oomlab-web-sweep-test-"));
    writeFileSync(path.join(tmp, "small.json"), SMALL);
    cliDir = path.join(tmp, "cli");
    const main = path.join(ROOT, "dist", "bindings", "cli", "main.js");
    execFileSync(process.execPath, [main, "sweep", path.join(tmp, "small.json"), "--out", cliDir, "--workers", "2"], {
      stdio: "pipe",
    });
    site = await startSite("sweep");
  }, 180_000);

  afterAll(async () => {
    await site?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("by keyboard alone: a spec run on 2 workers downloads the CLI's results.jsonl, fetching nothing", async () => {
    const page = await site.open({ acceptDownloads: true });
    const requests: string[] = [];
    page.on("request", (r) => {
      if (/^https?:/.test(r.url())) requests.push(r.url());
    });
    // the examples: the first is thp-mfk, shown on load; the arrow key picks the next one
    expect(JSON.parse(await page.inputValue("#sweep-spec")).name).toBe("thp-mfk");
    await tabTo(page, "#sweep-example");
    await page.keyboard.press("ArrowDown");
    expect(JSON.parse(await page.inputValue("#sweep-spec")).name).toBe("eras-churn");
    await typeSpec(page, SMALL);
    await tabTo(page, "#sweep-workers");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.insertText("2");
    await tabTo(page, "#sweep-run");
    await page.keyboard.press("Enter");
    expect(await finished(page)).toBe("done");
    expect(await page.textContent("#sweep-status")).toContain("4 tasks");
    expect(await page.textContent("#sweep-status")).toContain("on 2 workers");
    expect(await page.getAttribute("#sweep-progress", "value")).toBe("4");
    expect(await page.textContent("#sweep-progress-text")).toMatch(/^4\/4 tasks, [\d.]+[kM]? ops\/s, ETA 0:00$/);
    // the comparison: both cells, the first the baseline
    const table = (await page.textContent("#sweep-table")) ?? "";
    expect(table).toContain("sysctl.min_free_kbytes=1024");
    expect(table).toContain("sysctl.min_free_kbytes=2048");
    expect(table).toContain("base");

    // another baseline, by keyboard: the second cell becomes "base", the first gets a change
    const baseRow = () =>
      page.$$eval("#sweep-table tbody tr", (rows) =>
        rows.slice(0, 2).map((r) => r.querySelectorAll("td")[6]?.textContent ?? ""),
      );
    expect(await baseRow()).toEqual(["base", expect.stringMatching(/%$|^n\/a$/)]);
    await tabTo(page, "#sweep-baseline");
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(() => document.getElementById("sweep-status")?.textContent?.startsWith("Compared"));
    expect(await baseRow()).toEqual([expect.stringMatching(/%$|^n\/a$/), "base"]);

    // the plots: the CLI's charts, each the bytes of its DIR/plots/NAME.svg (decoded from the img's data: URL)
    const plots = await page.$$eval("#sweep-plots img", (imgs) =>
      imgs.map((i) => ({
        name: i.getAttribute("data-plot") ?? "",
        alt: i.getAttribute("alt") ?? "",
        src: i.getAttribute("src") ?? "",
      })),
    );
    const cliPlots = readdirSync(path.join(cliDir, "plots")).filter((f) => f.endsWith(".svg"));
    expect(plots.map((p) => `${p.name}.svg`).sort()).toEqual(cliPlots.sort());
    for (const p of plots) {
      expect(p.alt.length, p.name).toBeGreaterThan(0);
      const svg = Buffer.from(p.src.replace(/^data:image\/svg\+xml;base64,/, ""), "base64");
      expect(svg.equals(readFileSync(path.join(cliDir, "plots", `${p.name}.svg`))), p.name).toBe(true);
    }
    expect(await page.$$("#sweep-plots .error")).toEqual([]);

    await tabTo(page, 'a[download="results.jsonl"]');
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    const got = readFileSync((await download.path()) as string);
    const want = readFileSync(path.join(cliDir, "results.jsonl"));
    expect(got.length).toBeGreaterThan(0);
    expect(got.equals(want)).toBe(true);

    // summary.csv too: the CLI's bytes
    await tabTo(page, 'a[download="summary.csv"]');
    const [csv] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    expect(readFileSync((await csv.path()) as string).equals(readFileSync(path.join(cliDir, "summary.csv")))).toBe(
      true,
    );
    expect(requests).toEqual([]);
    expect(site.errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("keeps payloads in the spec's name, labels and values inert, and names a bad spec's problem", async () => {
    const page = await site.open();
    const hostile = smallSpec(PAYLOADS[0], [PAYLOADS[1], PAYLOADS[2]]);
    await typeSpec(page, JSON.stringify(hostile));
    await page.fill("#sweep-workers", "2");
    await page.click("#sweep-run");
    expect(await finished(page)).toBe("done");
    const table = (await page.textContent("#sweep-table")) ?? "";
    expect(table).toContain(`sysctl.min_free_kbytes=${PAYLOADS[1]}`);
    expect(table).toContain(`sysctl.min_free_kbytes=${PAYLOADS[2]}`);
    expect((await page.$$("#sweep-plots img")).length).toBeGreaterThan(0); // labels reach the plots' legends
    // a value carrying a payload: the workload refuses the parameter, and the error names it as text
    const badValue = { ...smallSpec("values"), grid: [{ path: "workload.params.note", values: PAYLOADS }] };
    await page.fill("#sweep-spec", JSON.stringify(badValue));
    await page.click("#sweep-run");
    expect(await finished(page)).toBe("error");
    const error = (await page.textContent("#sweep-status")) ?? "";
    expect(error).toContain("parameter note is not a parameter of churn");
    expect(error).toContain(PAYLOADS[0]);
    const inert = await page.evaluate(() => ({
      x: (window as unknown as { __x?: number }).__x,
      scripts: document.querySelectorAll("#sweep script").length,
      handlers: document.querySelectorAll("#sweep [onerror], #sweep [onload]").length,
      svgs: document.querySelectorAll("#sweep svg").length,
      imgs: Array.from(document.querySelectorAll("#sweep img")).map((i) => i.getAttribute("src")?.slice(0, 26)),
    }));
    expect(inert.x).toBeUndefined();
    expect(inert.scripts).toBe(0);
    expect(inert.handlers).toBe(0);
    expect(inert.svgs).toBe(0);
    for (const src of inert.imgs) expect(src).toBe("data:image/svg+xml;base64,");

    // a spec file chosen: its text fills the box
    await page.setInputFiles("#sweep-file", {
      name: "x.json",
      mimeType: "application/json",
      buffer: Buffer.from(SMALL),
    });
    await page.waitForFunction(() => document.getElementById("sweep-status")?.textContent === "Loaded x.json");
    expect(await page.inputValue("#sweep-spec")).toBe(SMALL);

    // bad specs: not JSON, a workload the cells do not know, a schema error
    await page.fill("#sweep-spec", "{ not json");
    await page.click("#sweep-run");
    expect(await finished(page)).toBe("error");
    expect(await page.textContent("#sweep-status")).toContain("the spec is not valid JSON");
    await page.fill("#sweep-spec", JSON.stringify({ ...smallSpec("w"), workload: { name: "nosuch" } }));
    await page.click("#sweep-run");
    expect(await finished(page)).toBe("error");
    expect(await page.textContent("#sweep-status")).toContain('workload.name "nosuch" is not one of');
    await page.fill("#sweep-spec", JSON.stringify({ ...smallSpec("s"), seeds: 0 }));
    await page.click("#sweep-run");
    expect(await finished(page)).toBe("error");
    expect(await page.textContent("#sweep-status")).toContain("seeds");
    // a trace workload: refused, since the page loads no capture
    const { sampleEvery: _, ...unsampled } = smallSpec("t");
    await page.fill(
      "#sweep-spec",
      JSON.stringify({ ...unsampled, workload: { name: "trace", params: { trace: "x" } } }),
    );
    await page.click("#sweep-run");
    expect(await finished(page)).toBe("error");
    expect(await page.textContent("#sweep-status")).toContain("this page does not load");
    expect(await page.evaluate(() => (window as unknown as { __x?: number }).__x)).toBeUndefined();
    await page.close();
  }, 120_000);

  it("cancels a run: the workers end, the panel says how far it got", async () => {
    const page = await site.open();
    const long = { ...smallSpec("long"), workload: { name: "churn", params: { requests: 3_000_000 } }, seeds: 4 };
    await page.fill("#sweep-spec", JSON.stringify(long));
    await page.fill("#sweep-workers", "1");
    await page.click("#sweep-run");
    await page.waitForFunction(() => document.getElementById("sweep")?.dataset.state === "running");
    await page.click("#sweep-cancel");
    expect(await finished(page)).toBe("cancelled");
    expect(await page.textContent("#sweep-status")).toMatch(/^Cancelled after \d of 8 tasks/);
    expect(await page.isDisabled("#sweep-cancel")).toBe(true);
    expect(await page.isEnabled("#sweep-run")).toBe(true);
    await page.close();
  }, 120_000);

  it("has no serious or critical axe-core violation after a run; screenshot docs/web/sweep.png", async () => {
    const page = await site.open({ bypassCSP: true });
    await page.fill("#sweep-spec", SMALL);
    await page.fill("#sweep-workers", "2");
    await page.click("#sweep-run");
    expect(await finished(page)).toBe("done");
    expect(await axeViolations(page)).toEqual([]);
    mkdirSync(path.join(ROOT, "docs", "web"), { recursive: true });
    await page.locator("#sweep").screenshot({ path: path.join(ROOT, "docs", "web", "sweep.png") });
    await page.close();
  }, 120_000);
});
