// The built web page for the web benchmarks (web.mjs, web-replay.mjs, web-sweep.mjs): web/dist served
// from 127.0.0.1 by a tiny static server (its files, nothing outside it) and Debian's Chromium driven by
// playwright-core with the flags the tests use.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
export const SITE = path.join(ROOT, "web", "dist");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

/** Serves web/dist and starts Chromium: { origin, browser, close() }. */
export async function openSite() {
  if (!existsSync(path.join(SITE, "index.html"))) throw new Error("web/dist is missing: run `npm run web:build`");
  const server = createServer((req, res) => {
    const rel = req.url === "/" ? "/index.html" : decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.resolve(SITE, `.${rel}`);
    if (!file.startsWith(SITE + path.sep) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    browser,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** The median of a list of numbers (the upper one of an even list). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The first line a web bench prints: when, which Chromium and Node, how many runs. */
export function headerLine(runs) {
  const version = execFileSync("/usr/bin/chromium", ["--version"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return `${new Date().toISOString()}  ${version.trim()}  node ${process.version}  runs ${runs}`;
}
