// The engine in a real browser: dist/bindings must load as plain ES modules in Chromium, compile
// the embedded WASM on the main thread and in a module worker, and make exactly the decisions it
// makes in Node (same buddyinfo text, same churn checksum, same seed replay and diagnosis).
//
// Needs Debian's Chromium at /usr/bin/chromium and a built dist/ (`npm run build`; `npm test`
// builds first). Without Chromium the test is skipped, except under CI, where it fails.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as api from "../../bindings/index.js";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = Boolean(process.env.CI);
// Skipped locally without Chromium; under CI the test runs and fails loudly instead.
const SKIP = !HAVE_CHROMIUM && !IN_CI;
const SKIP_REASON = `${CHROMIUM} not found (apt-get install -y chromium); set CI=1 to make this a failure`;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const DIST = path.join(ROOT, "dist");
// dist/ keeps the runtime dependencies' bare specifiers (import { z } from "zod"), as npm packages do;
// the page resolves them the way a bundler or an import map would: to the dependency's ES module
// entry under /node_modules/ (module workers have no import maps, so the server rewrites them).
const DEPENDENCIES: Record<string, string> = Object.fromEntries(
  Object.keys(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies ?? {}).map((dep) => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "node_modules", dep, "package.json"), "utf8"));
    const entry = pkg.exports?.["."]?.import ?? pkg.module;
    return [dep, `/node_modules/${dep}/${String(entry).replace(/^\.\//, "")}`];
  }),
);
const BARE_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^"./][^"]*)"/g;

/** A served module with its dependencies' bare specifiers resolved. */
function resolveBare(js: string): string {
  return js.replace(BARE_IMPORT, (all, head: string, spec: string) =>
    Object.hasOwn(DEPENDENCIES, spec) ? `${head}"${DEPENDENCIES[spec]}"` : all,
  );
}
const LAUNCH_TIMEOUT_MS = 30_000;
const STEP_TIMEOUT_MS = 60_000;
const CHURN = { log2Pages: 16, ops: 200_000 };
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
// The seed replay and a diagnosis of real reports run in the page too: the whole library, not
// just the engine, has no Node-only dependency below the CLI.
const SEED_JSON = readFileSync(path.resolve(FIXTURES, "..", "..", "scenarios", "seed.json"), "utf8");
const REPORTS_TEXT = ["004-", "039-"]
  .map((p) => readFileSync(path.join(FIXTURES, readdirSync(FIXTURES).find((f) => f.startsWith(p)) as string), "utf8"))
  .join("\n");

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".html": "text/html; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

// The workload as source text, so Node and Chromium run the very same code: a function literal
// would be rewritten by vitest's transform before Playwright serialises it.
const WORKLOAD_SRC = `function workload(api) {
  api.initSync();
  let x = 0x2545f491;
  const rnd = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>>= 0); };
  const out = { pfns: [], buddyinfo: [] };
  const zone = (type, startPfn, spannedPages) => ({ type, startPfn, spannedPages });
  const specs = [
    { era: "2.6.11", nodes: [{ zones: [zone("DMA", 0, 4096), zone("Normal", 4096, 61440)] }] },
    { era: "6.18", nodes: [{ zones: [zone("DMA32", 0, 16384), zone("Normal", 16384, 49152)] }] },
  ];
  for (const spec of specs) {
    const m = api.Machine.create(spec);
    const live = [];
    for (let i = 0; i < 3000; i++) {
      const r = rnd();
      if (live.length > 0 && r % 3 === 0) {
        m.free(live.splice(r % live.length, 1)[0]);
        continue;
      }
      const pfn = m.alloc({ order: r % 6, migratetype: spec.era === "6.18" ? r % 3 : 0, owner: 1 + (r % 7) });
      out.pfns.push(pfn);
      if (pfn >= 0) live.push(pfn);
    }
    out.pfns.push(m.freeOwner(3));
    m.checkInvariants();
    out.buddyinfo.push(api.buddyinfo(m));
  }
  const c = api.runChurn(${JSON.stringify(CHURN)});
  out.churn = { checksum: c.checksum, coalesced: c.coalesced };
  const r = api.replay(JSON.parse(${JSON.stringify(SEED_JSON)}), { events: false });
  out.replay = { lines: r.lines, kills: r.kills, simMs: r.simMs };
  out.diagnose = JSON.stringify(api.diagnose(${JSON.stringify(REPORTS_TEXT)}));
  return out;
}`;

// A module worker that compiles the engine asynchronously (init) and runs the same churn.
const WORKER_SRC = `import { init, runChurn } from "/bindings/index.js";
self.onmessage = async (e) => {
  try {
    await init();
    const c = runChurn(e.data);
    self.postMessage({ checksum: c.checksum, coalesced: c.coalesced });
  } catch (err) {
    self.postMessage({ error: String(err && err.stack || err) });
  }
};
`;

// A sweep worker: serveCell over the churn-benchmark cell (sweep/runner.ts webWorkerFactory's script).
const SWEEP_WORKER_SRC = `import { serveCell } from "/bindings/sweep/protocol.js";
import { runCell } from "/bindings/sweep/bench_churn_cell.js";
self.onmessage = (e) => self.postMessage(serveCell(runCell, e.data));
`;
/** A small sweep: 3 cells x 2 seeds of the churn cell. */
const SWEEP_SPEC = {
  format: "oomlab-sweep/1",
  name: "browser",
  machine: { era: "2.6.11", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 16384 }] }] },
  workload: { name: "churn", params: { ops: 50_000 } },
  grid: [{ path: "machine.minFreeKbytes", values: [128, 1024, 4096] }],
  seeds: 2,
};

/** Paths the server could not serve, reported with any page error. */
const notFound: string[] = [];

const INDEX_HTML = "<!doctype html><meta charset=utf-8><title>oomlab browser test</title>";

interface WorkloadResult {
  pfns: number[];
  buddyinfo: string[];
  churn: { checksum: string; coalesced: boolean };
  replay: { lines: string[]; kills: { pid: number; comm: string }[]; simMs: number };
  diagnose: string;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

/** Inline routes first, then files under dist/ and the runtime dependencies (never outside them). */
function serve(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const inline: Record<string, [number, string, string]> = {
    "/": [200, CONTENT_TYPES[".html"], INDEX_HTML],
    "/worker.js": [200, CONTENT_TYPES[".js"], WORKER_SRC],
    "/sweep-worker.js": [200, CONTENT_TYPES[".js"], SWEEP_WORKER_SRC],
    // Chromium asks for a favicon on every page; answering it keeps the console free of 404s.
    "/favicon.ico": [204, "image/x-icon", ""],
  };
  const route = inline[url.pathname];
  if (route) {
    send(res, ...route);
    return;
  }
  const dep = Object.keys(DEPENDENCIES).find((d) => url.pathname.startsWith(`/node_modules/${d}/`));
  const base = dep ? path.join(ROOT, "node_modules", dep) : DIST;
  const rel = dep ? url.pathname.slice(`/node_modules/${dep}`.length) : url.pathname;
  const file = path.resolve(base, "." + decodeURIComponent(rel));
  const type = CONTENT_TYPES[path.extname(file)];
  if (!file.startsWith(base + path.sep) || !type || !existsSync(file)) {
    notFound.push(url.pathname);
    send(res, 404, "text/plain", "not found\n");
    return;
  }
  const body = readFileSync(file);
  send(res, 200, type, path.extname(file) === ".js" ? resolveBare(body.toString("utf8")) : body);
}

async function startServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** page.evaluate has no timeout of its own; a hung page must not hang the suite. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function runInPage(page: Page): Promise<WorkloadResult> {
  const expr = `(async () => {
    const api = await import("/bindings/index.js");
    return (${WORKLOAD_SRC})(api);
  })()`;
  return withTimeout(page.evaluate(expr) as Promise<WorkloadResult>, STEP_TIMEOUT_MS, "workload in the page");
}

function runInWorker(page: Page): Promise<{ checksum?: string; coalesced?: boolean; error?: string }> {
  const expr = `new Promise((resolve, reject) => {
    const w = new Worker("/worker.js", { type: "module" });
    const timer = setTimeout(() => {
      w.terminate();
      reject(new Error("worker timed out"));
    }, ${STEP_TIMEOUT_MS - 5_000});
    const done = (v) => { clearTimeout(timer); w.terminate(); resolve(v); };
    w.onmessage = (e) => done(e.data);
    w.onerror = (e) => done({ error: "worker error: " + (e.message || "failed to load /worker.js") });
    w.postMessage(${JSON.stringify(CHURN)});
  })`;
  return withTimeout(page.evaluate(expr), STEP_TIMEOUT_MS, "churn in the worker");
}

/** The sweep in the page on two Web Workers: its results.jsonl text. */
function sweepInPage(page: Page): Promise<string> {
  const expr = `(async () => {
    const api = await import("/bindings/index.js");
    const lines = [];
    await api.runSweep(api.validateSweepSpec(${JSON.stringify(SWEEP_SPEC)}), {
      workerFactory: api.webWorkerFactory("/sweep-worker.js"),
      workers: 2,
      onLine: (l) => { lines.push(l + "\\n"); },
    });
    return lines.join("");
  })()`;
  return withTimeout(page.evaluate(expr) as Promise<string>, STEP_TIMEOUT_MS, "sweep on Web Workers");
}

/** The same workload in this process, on the TypeScript sources. */
function runInNode(): WorkloadResult {
  const workload = new Function(`return (${WORKLOAD_SRC});`)() as (a: typeof api) => WorkloadResult;
  return workload(api);
}

describe("browser (Chromium via playwright-core)", () => {
  let browser: Browser | undefined;
  let server: Server | undefined;
  let origin = "";
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    ({ server, origin } = await startServer());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
      timeout: LAUNCH_TIMEOUT_MS,
    });
  }, LAUNCH_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    }
  }, 20_000);

  if (SKIP) console.warn(`browser.test.ts skipped: ${SKIP_REASON}`);

  it.skipIf(SKIP)(
    `matches Node in the page and in a module worker${SKIP ? ` (skipped: ${SKIP_REASON})` : ""}`,
    async () => {
      if (!HAVE_CHROMIUM) throw new Error(`CI is set but ${CHROMIUM} is missing: install chromium (see .ci/run)`);
      if (!existsSync(path.join(DIST, "bindings", "index.js")))
        throw new Error("dist/bindings/index.js is missing: run `npm run build` first");
      const page = await browser!.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      page.on("pageerror", (e) => pageErrors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") pageErrors.push(m.text());
      });
      await page.goto(`${origin}/`, { timeout: STEP_TIMEOUT_MS });

      const node = runInNode();
      const inPage = await runInPage(page);
      const inWorker = await runInWorker(page);

      expect({ pageErrors, notFound }).toEqual({ pageErrors: [], notFound: [] });
      expect(node.churn.coalesced).toBe(true);
      expect(inPage.buddyinfo).toEqual(node.buddyinfo);
      expect(inPage.pfns).toEqual(node.pfns);
      expect(inPage.churn).toEqual(node.churn);
      expect(node.replay.lines).toContain("Out of Memory: Killed process 453 (smbd).");
      expect(inPage.replay).toEqual(node.replay);
      expect(JSON.parse(node.diagnose).reports.length).toBeGreaterThan(1);
      expect(inPage.diagnose).toBe(node.diagnose);
      expect(inWorker.error).toBeUndefined();
      expect(inWorker).toEqual(node.churn);
      await page.close();
    },
    3 * STEP_TIMEOUT_MS,
  );

  it.skipIf(SKIP)(
    `runs a sweep on Web Workers to the bytes Node writes${SKIP ? ` (skipped: ${SKIP_REASON})` : ""}`,
    async () => {
      if (!HAVE_CHROMIUM) throw new Error(`CI is set but ${CHROMIUM} is missing: install chromium (see .ci/run)`);
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${origin}/`, { timeout: STEP_TIMEOUT_MS });
      const inPage = await sweepInPage(page);
      const { runCell } = await import("../../bindings/sweep/bench_churn_cell.js");
      const lines: string[] = [];
      await api.runSweep(api.validateSweepSpec(SWEEP_SPEC), { runCell, onLine: (l) => void lines.push(`${l}\n`) });
      expect(errors).toEqual([]);
      expect(inPage.split("\n").length - 1).toBe(6);
      expect(inPage).toBe(lines.join(""));
      await page.close();
    },
    2 * STEP_TIMEOUT_MS,
  );
});
