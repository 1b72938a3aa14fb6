// The built web page (web/, issue 14) for the browser tests: each test file builds the site once with
// Vite's JS API into a folder of its own (test files run in parallel, and one folder shared by two builds
// would be emptied under the other), serves it from 127.0.0.1 with a tiny static server, and drives
// Debian's Chromium with playwright-core. Not a test file: test/browser/*.slow.test.ts import it.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { build } from "vite";

export const CHROMIUM = "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Skipped without Chromium, except under CI, where a missing Chromium fails the suite. */
export const SKIP = !HAVE_CHROMIUM && !process.env.CI;
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The longest one step of a test may wait for the page. */
export const STEP_MS = 60_000;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

export interface Site {
  /** http://127.0.0.1:PORT, serving the built folder. */
  origin: string;
  /** The built folder (as `npm run web:build` writes web/dist). */
  dir: string;
  browser: Browser;
  /** Page errors and console errors of every page opened with open(). */
  errors: string[];
  /** A fresh page loaded until it is wired (body[data-ready]); `hash` is appended to the URL. */
  open(opts?: { bypassCSP?: boolean; hash?: string; acceptDownloads?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/** The folder's files, nothing outside it. */
function serve(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const rel = url.pathname === "/" ? "/index.html" : decodeURIComponent(url.pathname);
    const file = path.resolve(dir, `.${rel}`);
    const type = TYPES[path.extname(file)];
    if (!file.startsWith(dir + path.sep) || !type || !existsSync(file)) {
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

/** Builds the site into a temporary folder named after `name`, serves it and starts Chromium. */
export async function startSite(name: string): Promise<Site> {
  if (!HAVE_CHROMIUM) throw new Error(`CI is set but ${CHROMIUM} is missing: install chromium (see .ci/run)`);
  const dir = mkdtempSync(path.join(tmpdir(), `oomlab-web-${name}-`));
  const t0 = performance.now();
  await build({
    configFile: path.join(ROOT, "web", "vite.config.ts"),
    logLevel: "warn",
    build: { outDir: dir, emptyOutDir: true },
  });
  console.log(`web: vite build ${(performance.now() - t0).toFixed(0)} ms`);
  const { server, origin } = await serve(dir);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    timeout: 30_000,
  });
  const errors: string[] = [];
  return {
    origin,
    dir,
    browser,
    errors,
    async open(opts = {}) {
      // axe-core is injected as an inline script, which the page's Content-Security-Policy forbids
      const page = await browser.newPage({
        viewport: { width: 1100, height: 900 },
        bypassCSP: opts.bypassCSP ?? false,
        acceptDownloads: opts.acceptDownloads ?? false,
      });
      page.setDefaultTimeout(STEP_MS);
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      const t = performance.now();
      await page.goto(`${origin}/${opts.hash ?? ""}`);
      await page.waitForSelector("body[data-ready]");
      console.log(`web: interactive ${(performance.now() - t).toFixed(0)} ms after navigation`);
      return page;
    },
    async close() {
      await browser.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Presses Tab until the element matching selector has the focus (at most 80 presses). */
export async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** axe-core's serious and critical violations on the page as "id (impact, N nodes)" (the page must have
 *  been opened with bypassCSP: axe is injected as an inline script). */
export async function axeViolations(page: Page): Promise<string[]> {
  const axe = readFileSync(path.join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
  await page.addScriptTag({ content: axe });
  const violations = (await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run: (c: unknown) => Promise<{ violations: unknown[] }> } }).axe.run;
    return (await run(document)).violations;
  })) as { id: string; impact: string; nodes: unknown[] }[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`);
}

/** The first file of test/fixtures whose name starts with prefix: its name and text. */
export function fixture(prefix: string): { name: string; text: string } {
  const dir = path.join(ROOT, "test", "fixtures");
  const name = readdirSync(dir).find((f) => f.startsWith(prefix));
  if (!name) throw new Error(`no fixture ${prefix}* in test/fixtures`);
  return { name, text: readFileSync(path.join(dir, name), "utf8") };
}

/** Script, img and svg-onload payloads: each would set window.__x if the page ran it. */
export const PAYLOADS = [
  `<script>window.__x=1</script>`,
  `<img src=x onerror="window.__x=1">`,
  `<svg onload="window.__x=1">`,
];
