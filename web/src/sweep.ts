// The Sweep panel: a sweep spec (typed, loaded from a file or one of the repository's examples) checked
// and run as `oomlab sweep SPEC` runs it, in a run worker (src/sweep_run_worker.ts): the library's runner
// (sweep/runner.ts runSweep) on a pool of cell workers (src/sweep_worker.ts, each answering with serveCell
// and the CLI's cell function), the results lines in task order, so results.jsonl is byte for byte the
// CLI's DIR/results.jsonl. The report (the comparison, the CLI's plots drawn by its own renderer,
// report.md/html) is made in a report worker (src/sweep_report_worker.ts); this thread loads none of the
// library's code, only moves text and builds the DOM. Every text
// from the spec or the results goes in through textContent or an attribute; the plots are SVG shown as
// <img> from a data: URL, which never runs script.
import type { Comparison, SweepProgress } from "oomlab";
import { formatNumber } from "../../bindings/render/sweep_compare.js";
import erasChurn from "../../sweeps/eras-churn.json";
import placementChurn from "../../sweeps/placement-churn.json";
import placementPepper from "../../sweeps/placement-pepper.json";
import thpMfk from "../../sweeps/thp-mfk.json";
import { byId, fill, h } from "./dom.js";
import type { ReportAnswer, ReportRequest, RunEvent, RunRequest, SweepPlot } from "./sweep_protocol.js";
import ReportWorker from "./sweep_report_worker.ts?worker&inline";
import RunWorker from "./sweep_run_worker.ts?worker&inline";

/** The repository's example specs that run in a browser in seconds (sweeps/; the others simulate 4 GiB
 *  machines, run longer, or replay a capture file). The first is the one the panel starts with. */
export const EXAMPLES: Record<string, unknown> = {
  "thp-mfk": thpMfk,
  "eras-churn": erasChurn,
  "placement-pepper": placementPepper,
  "placement-churn": placementChurn,
};

/** The most workers the control allows. */
export const MAX_WORKERS = 16;
/** The largest spec file read. */
const MAX_SPEC_BYTES = 1 << 20;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The CLI's progress line (cli/commands/sweep.ts progressLine) without its bar: tasks done/total,
 *  simulated ops/s, ETA. */
export function progressText(p: SweepProgress): string {
  const s = p.elapsedMs / 1000;
  const rate = s > 0 ? p.ops / s : 0;
  const eta = p.done > 0 ? Math.round(((p.total - p.done) * s) / p.done) : null;
  const mmss = (t: number) => `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`;
  const opsText =
    rate >= 1e6 ? `${(rate / 1e6).toFixed(1)}M` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)}k` : `${Math.round(rate)}`;
  return `${p.done}/${p.total} tasks, ${opsText} ops/s, ETA ${eta === null ? "?" : mmss(eta)}`;
}

/** UTF-8 text as base64 (for a data: URL). */
function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function formatChange(v: number | null): string {
  return v === null ? "n/a" : `${v > 0 ? "+" : ""}${v.toFixed(1)}%`;
}

/** The comparison as a table, as `oomlab compare` prints it: the metrics that differ between cells. */
function comparisonTable(c: Comparison): HTMLElement {
  const differing = c.metrics.filter((m) => m.differs);
  const head = ["metric", "cell", "n", "mean", "sd", "95% CI", "change", "p"];
  const rows = differing.flatMap((m) =>
    m.cells.map((x, i) => {
      const base = i === c.baseline;
      const p = x.test?.p ?? null;
      const pText = base || p === null ? (base ? "" : "n/a") : `${p < 0.001 ? "<0.001" : p.toFixed(3)}`;
      return h(
        "tr",
        {},
        h("td", {}, i === 0 ? m.name : ""),
        h("td", {}, c.cells[i].id),
        h("td", { class: "num" }, String(x.n)),
        h("td", { class: "num" }, formatNumber(x.mean)),
        h("td", { class: "num" }, formatNumber(x.sd)),
        h("td", { class: "num" }, x.ci95 === null ? "n/a" : `±${formatNumber(x.ci95)}`),
        h("td", { class: "num" }, base ? "base" : formatChange(x.changePct)),
        h("td", { class: "num" }, `${pText}${!base && x.significant ? " *" : ""}`),
      );
    }),
  );
  const same = c.metrics.length - differing.length;
  return h(
    "div",
    {},
    h(
      "table",
      { class: "compare" },
      h(
        "caption",
        {},
        `${differing.length} metrics differ between the cells (${same} equal in every cell are left out); ` +
          "change: of the mean against the baseline's; p: two-sided Mann-Whitney U, * p < 0.05",
      ),
      h("thead", {}, h("tr", {}, ...head.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...rows),
    ),
  );
}

function plotFigure(p: SweepPlot): HTMLElement {
  return h(
    "figure",
    {},
    h("img", { alt: p.title, src: `data:image/svg+xml;base64,${base64(p.svg)}`, "data-plot": p.name }),
    h("figcaption", {}, `${p.title}: ${p.question}`),
  );
}

/** Wires the panel (index.html's #sweep). */
export function mountSweep(root: HTMLElement): void {
  const example = byId<HTMLSelectElement>(root, "sweep-example");
  const file = byId<HTMLInputElement>(root, "sweep-file");
  const specBox = byId<HTMLTextAreaElement>(root, "sweep-spec");
  const workersBox = byId<HTMLInputElement>(root, "sweep-workers");
  const runButton = byId<HTMLButtonElement>(root, "sweep-run");
  const cancelButton = byId<HTMLButtonElement>(root, "sweep-cancel");
  const progress = byId<HTMLProgressElement>(root, "sweep-progress");
  const progressLabel = byId<HTMLElement>(root, "sweep-progress-text");
  const status = byId<HTMLElement>(root, "sweep-status");
  const results = byId<HTMLElement>(root, "sweep-results");
  const baselineBox = byId<HTMLSelectElement>(root, "sweep-baseline");
  const downloads = byId<HTMLElement>(root, "sweep-downloads");
  const plotsBox = byId<HTMLElement>(root, "sweep-plots");
  const tableBox = byId<HTMLElement>(root, "sweep-table");

  for (const name of Object.keys(EXAMPLES)) example.append(h("option", { value: name }, name));
  const showExample = () => {
    specBox.value = `${JSON.stringify(EXAMPLES[example.value], null, 2)}\n`;
  };
  showExample();
  example.addEventListener("change", showExample);
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (!f) return;
    if (f.size > MAX_SPEC_BYTES) {
      say("error", `Error: ${f.name} is ${f.size} bytes, more than a spec's ${MAX_SPEC_BYTES}`);
      return;
    }
    specBox.value = await f.text();
    say("idle", `Loaded ${f.name}`);
  });
  const cores = Math.max(1, Math.min(MAX_WORKERS, navigator.hardwareConcurrency || 1));
  workersBox.max = String(MAX_WORKERS);
  workersBox.value = String(cores);

  // the report worker: started on first use, then kept
  let nextId = 1;
  let reporter: Worker | null = null;
  const waiting = new Map<number, (a: ReportAnswer) => void>();
  const report = (req: Omit<ReportRequest, "id">): Promise<ReportAnswer> => {
    if (!reporter) {
      reporter = new ReportWorker();
      reporter.addEventListener("message", (e: MessageEvent<ReportAnswer>) => {
        const resolve = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        resolve?.(e.data);
      });
    }
    const id = nextId++;
    const w = reporter;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      w.postMessage({ ...req, id });
    });
  };
  // the run worker: started on first use, then kept; its events go to the run in progress
  let runner: Worker | null = null;
  let onEvent: ((e: RunEvent) => void) | null = null;
  const send = (req: RunRequest) => {
    if (!runner) {
      runner = new RunWorker();
      runner.addEventListener("message", (e: MessageEvent<RunEvent>) => onEvent?.(e.data));
      runner.addEventListener("error", (e) => {
        const error = `the sweep's run worker failed: ${e.message}`;
        onEvent?.({ kind: "failed", error, cancelled: false, done: 0, tasks: 0 });
      });
    }
    runner.postMessage(req);
  };

  let urls: string[] = [];
  let running = false;
  /** The last finished run: its results.jsonl, summary.csv and report title. */
  let last: { results: string; csv: string; title: string } | null = null;

  function say(state: string, text: string): void {
    root.dataset.state = state;
    status.textContent = text;
  }

  function link(name: string, text: string, type: string): HTMLAnchorElement {
    const url = URL.createObjectURL(new Blob([text], { type }));
    urls.push(url);
    return h("a", { href: url, download: name }, name);
  }

  function showReport(r: ReportAnswer, shown: { results: string; csv: string }): void {
    if (r.error !== null || !r.comparison) {
      say("error", `Error: ${r.error}`);
      return;
    }
    const c = r.comparison;
    for (const u of urls) URL.revokeObjectURL(u);
    urls = [];
    const files = [
      link("results.jsonl", shown.results, "application/x-ndjson"),
      link("summary.csv", shown.csv, "text/csv"),
      link("report.html", r.html, "text/html"),
      link("report.md", r.markdown, "text/markdown"),
    ];
    fill(downloads, "Download: ", ...files.flatMap((a, i) => (i ? [", ", a] : [a])));
    fill(
      baselineBox,
      ...c.cells.map((cell, i) => h("option", { value: cell.id, selected: i === c.baseline }, cell.id)),
    );
    fill(
      plotsBox,
      ...r.plots.map(plotFigure),
      r.plotError === null ? null : h("p", { class: "error" }, `A plot could not be drawn: ${r.plotError}`),
    );
    fill(tableBox, comparisonTable(c));
    results.hidden = false;
  }

  async function start(): Promise<void> {
    if (running) return;
    const text = specBox.value;
    const workers = Number(workersBox.value);
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
      say(
        "error",
        `Error: workers must be a whole number 1 .. ${MAX_WORKERS}, not ${JSON.stringify(workersBox.value)}`,
      );
      return;
    }
    say("checking", "Checking the spec…");
    running = true;
    runButton.disabled = true;
    results.hidden = true;
    progress.value = 0;
    progressLabel.textContent = "";
    let lastDraw = 0;
    const end = await new Promise<Extract<RunEvent, { kind: "done" | "failed" }>>((resolve) => {
      onEvent = (e) => {
        if (e.kind === "started") {
          progress.max = e.tasks;
          cancelButton.disabled = false;
          progressLabel.textContent = progressText({ done: 0, total: e.tasks, ops: 0, elapsedMs: 0 });
          say("running", `Running ${e.name}: ${e.cells} cells x ${e.seeds} seeds on ${workers} workers…`);
        } else if (e.kind === "progress") {
          const p = e.progress;
          const now = performance.now();
          if (now - lastDraw < 100 && p.done < p.total) return;
          lastDraw = now;
          progress.value = p.done;
          progressLabel.textContent = progressText(p);
        } else resolve(e);
      };
      send({ kind: "run", text, workers });
    });
    onEvent = null;
    try {
      if (end.kind === "failed") {
        if (end.cancelled) say("cancelled", `Cancelled after ${end.done} of ${end.tasks} tasks.`);
        else say("error", `Error: ${end.error}`);
        return;
      }
      const current = { results: end.results, csv: end.csv, title: `oomlab sweep ${end.name}` };
      const used = Math.min(workers, end.ran);
      const took = `${end.ran} tasks in ${(end.elapsedMs / 1000).toFixed(1)} s on ${used} workers`;
      root.dataset.runMs = end.elapsedMs.toFixed(1); // for bench/web-sweep.mjs
      const reportStart = performance.now();
      say("reporting", `Ran ${took}; drawing the report…`);
      const r = await report({ kind: "report", results: current.results, title: current.title });
      showReport(r, current);
      root.dataset.reportMs = (performance.now() - reportStart).toFixed(1);
      last = current;
      if (r.error === null) say("done", `Done: ${took}, ${r.plots.length} plots.`);
    } finally {
      running = false;
      runButton.disabled = false;
      cancelButton.disabled = true;
    }
  }

  runButton.addEventListener("click", () => {
    void start().catch((e: unknown) => say("error", `Error: ${message(e)}`));
  });
  cancelButton.addEventListener("click", () => {
    if (running) send({ kind: "cancel" });
  });
  baselineBox.addEventListener("change", async () => {
    const shown = last;
    if (!shown || running) return;
    say("reporting", "Comparing against the new baseline…");
    const r = await report({
      kind: "report",
      results: shown.results,
      title: shown.title,
      baseline: baselineBox.value,
    });
    if (shown !== last) return; // a newer run replaced it
    showReport(r, shown);
    if (r.error === null) say("done", `Compared against ${baselineBox.value}.`);
  });
}
