// The Diagnose panel: inputs (pasted text, chosen or dropped files), the what-if controls, and the
// drawing of `oomlab diagnose --json`'s reports. The worker computes; this module only draws.
import type { DiagnosedReport, FiledReport } from "oomlab";
import { type Bar, barChart } from "./charts.js";
import { byId, debounce, fill, h, num } from "./dom.js";
import type { DiagnoseAnswer, Input } from "./protocol.js";

type Zone = DiagnosedReport["zones"][number];
type Task = DiagnosedReport["tasks"][number];
type WhatIfResult = NonNullable<DiagnosedReport["whatIf"]>;

/** What-if fields: the input's id and the --what-if key it sets. */
export const WHAT_IF_FIELDS = [
  { id: "wi-min-free", key: "min_free_kbytes", label: "min_free_kbytes", hint: "kB, e.g. 600" },
  { id: "wi-wsf", key: "watermark_scale_factor", label: "watermark_scale_factor", hint: "1 .. 3000, e.g. 10" },
  { id: "wi-order", key: "order", label: "order", hint: "0 .. 15" },
  { id: "wi-gfp", key: "gfp", label: "gfp mask", hint: "e.g. 0x2dc2" },
] as const;

/** The values each what-if slider steps through (a slider moves its text field, which stays the one source
 *  of the value: typing, the link and the tests read the field). min_free_kbytes by powers of two from
 *  64 kB to 1 GiB; watermark_scale_factor over its range 1 .. 3000 (mm/page_alloc.c, 6.18); orders 0 .. 10. */
export const WHAT_IF_SLIDERS: Record<string, readonly number[]> = {
  "wi-min-free": Array.from({ length: 15 }, (_, k) => 2 ** (k + 6)),
  "wi-wsf": [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 3000],
  "wi-order": Array.from({ length: 11 }, (_, k) => k),
};

/** A range input after each what-if field with a slider: moving it writes the value into the field and
 *  sends the field's input event (so the check re-runs, debounced, as for typing); typing a value the
 *  slider has moves the slider. */
function mountSliders(root: HTMLElement): void {
  for (const f of WHAT_IF_FIELDS) {
    const values = WHAT_IF_SLIDERS[f.id];
    if (!values) continue;
    const field = byId<HTMLInputElement>(root, f.id);
    const slider = h("input", {
      id: `${f.id}-slider`,
      type: "range",
      min: 0,
      max: values.length - 1,
      step: 1,
      value: 0,
      "aria-label": `${f.label}: ${values[0]} to ${values[values.length - 1]}`,
    });
    slider.addEventListener("input", () => {
      const v = String(values[Number(slider.value)]);
      slider.setAttribute("aria-valuetext", v);
      field.value = v;
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
    field.addEventListener("input", () => {
      const k = values.indexOf(Number(field.value.trim()));
      if (k >= 0 && field.value.trim() !== "") slider.value = String(k);
    });
    field.after(" ", slider);
  }
}

/** The page's worker link: posts a diagnosis, resolves with the latest answer (older ones are dropped). */
export type Diagnoser = (inputs: Input[], whatIf: string[]) => Promise<DiagnoseAnswer | null>;

export function mountDiagnose(root: HTMLElement, run: Diagnoser): void {
  const text = byId<HTMLTextAreaElement>(root, "report");
  const files = byId<HTMLInputElement>(root, "files");
  const button = byId<HTMLButtonElement>(root, "run");
  const status = byId<HTMLElement>(root, "status");
  const results = byId<HTMLElement>(root, "results");
  const json = byId<HTMLPreElement>(root, "json");
  const sources = byId<HTMLElement>(root, "sources");
  let chosen: Input[] = [];

  const inputs = (): Input[] => {
    const pasted = text.value.trim() ? [{ file: "-", text: text.value }] : [];
    return [...pasted, ...chosen];
  };
  const whatIf = (): string[] =>
    WHAT_IF_FIELDS.flatMap((f) => {
      const v = byId<HTMLInputElement>(root, f.id).value.trim();
      return v ? [`${f.key}=${v}`] : [];
    });

  const go = async (): Promise<void> => {
    const ins = inputs();
    fill(sources, ...ins.map((i) => h("li", {}, describeInput(i))));
    if (!ins.length) {
      fill(status, "Paste a report or choose a file first.");
      return;
    }
    fill(status, "Diagnosing…");
    root.dataset.state = "busy";
    const t0 = performance.now();
    const answer = await run(ins, whatIf());
    if (!answer) return; // a newer request superseded this one
    root.dataset.state = "done";
    root.dataset.ms = answer.ms.toFixed(1);
    if (answer.error !== null || answer.json === null) {
      fill(status, h("strong", {}, "Error: "), answer.error ?? "no answer");
      json.textContent = "";
      fill(results);
      return;
    }
    json.textContent = answer.json;
    const reports = (JSON.parse(answer.json) as { reports: FiledReport[] }).reports;
    const none = answer.empty.map((f) => `no OOM, allocation-failure, memcg, show_mem or /proc report found in ${f}`);
    fill(
      status,
      `${reports.length} report${reports.length === 1 ? "" : "s"} diagnosed in ${answer.ms.toFixed(1)} ms.`,
      ...none.map((n) => h("span", { class: "note" }, ` ${n}.`)),
    );
    fill(results, ...reports.map((r, i) => reportView(r, i)));
    // request to drawn: the worker's time, the messages and the DOM built (bench/web.mjs reads it)
    root.dataset.drawnMs = (performance.now() - t0).toFixed(1);
  };

  button.addEventListener("click", () => void go());
  const again = debounce(() => {
    if (inputs().length) void go();
  }, 250);
  for (const f of WHAT_IF_FIELDS) byId<HTMLInputElement>(root, f.id).addEventListener("input", again);
  mountSliders(root);

  const take = async (list: FileList | null): Promise<void> => {
    chosen = await Promise.all([...(list ?? [])].map(async (f) => ({ file: f.name, text: await f.text() })));
    await go();
  };
  files.addEventListener("change", () => void take(files.files));
  const drop = byId<HTMLElement>(root, "drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    void take(e.dataTransfer?.files ?? null);
  });
}

/** An input in words: its name, size and first line (as text). */
function describeInput(i: Input): string {
  const first = i.text.split("\n", 1)[0].slice(0, 80);
  const name = i.file === "-" ? "pasted text" : i.file;
  return `${name}: ${num(i.text.length)} characters, first line “${first}”`;
}

function reportView(r: FiledReport, i: number): HTMLElement {
  const trig = r.trigger ? `${r.trigger.comm}${r.trigger.pid !== null ? ` (pid ${r.trigger.pid})` : ""}` : "–";
  const id = `report-${i}`;
  return h(
    "article",
    { class: "report", "aria-labelledby": id },
    h("h3", { id }, `Report ${i + 1}: ${r.kind}, ${r.file === "-" ? "pasted text" : r.file}, line ${r.line}`),
    h(
      "dl",
      { class: "summary" },
      ...pair("Kernel", r.kernelVersion ?? "not printed"),
      ...pair("Triggered by", trig),
      ...pair("Order", r.order === null ? "not printed" : String(r.order)),
      ...pair("gfp mask", r.gfpMask ? `${r.gfpMask} ${r.gfpFlags.length ? `(${r.gfpFlags.join("|")})` : ""}` : "–"),
      ...pair("Victim", r.victim ? `${r.victim.comm} (pid ${r.victim.pid})` : "–"),
    ),
    r.summary ? h("p", { class: "report-summary" }, r.summary) : null,
    r.actions?.length ? actionsView(r.actions, id) : null,
    verdictView("Verdict", r.verdict),
    zonesView(r.zones),
    r.whatIf ? whatIfView(r.whatIf) : null,
    r.memoryBreakdown ? memoryView(r.memoryBreakdown) : null,
    freeBlocksView(r.zones),
    r.tasks.length ? tasksView(r.tasks, id) : null,
    r.warnings.length
      ? h(
          "details",
          {},
          h("summary", {}, `${r.warnings.length} warning${r.warnings.length === 1 ? "" : "s"}`),
          h("ul", {}, ...r.warnings.map((w) => h("li", {}, `line ${w.line}: ${w.message}`))),
        )
      : null,
  );
}

/** "What to do": each action tied to the cause, with its computed effect (analyse/advice.ts). */
function actionsView(actions: NonNullable<DiagnosedReport["actions"]>, id: string): HTMLElement {
  return h(
    "section",
    { class: "actions", "aria-labelledby": `${id}-actions` },
    h("h4", { id: `${id}-actions` }, "What to do"),
    h(
      "ol",
      {},
      ...actions.map((a) =>
        h(
          "li",
          {},
          h("p", {}, `[${a.cause}] ${a.action}`),
          h("p", { class: "effect" }, `effect: ${a.effect}`),
          h("p", { class: "computed-by" }, `computed by: ${a.computedBy}`),
        ),
      ),
    ),
  );
}

function pair(k: string, v: string): HTMLElement[] {
  return [h("dt", {}, k), h("dd", {}, v)];
}

function verdictView(title: string, v: DiagnosedReport["verdict"]): HTMLElement {
  if (!v) return h("section", { class: "verdict" }, h("h4", {}, title), h("p", {}, "No verdict."));
  return h(
    "section",
    { class: "verdict" },
    h("h4", {}, `${title}: ${v.cause ?? "nothing to judge"}`),
    v.headline ? h("p", { class: "headline" }, v.headline) : null,
    h("p", {}, v.summary),
    v.steps.length
      ? h(
          "details",
          { open: true },
          h("summary", {}, "Watermark arithmetic"),
          h("pre", { class: "steps" }, v.steps.join("\n")),
        )
      : null,
  );
}

function table(caption: string, head: string[], rows: (string | number)[][]): HTMLTableElement {
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      ...rows.map((row) => h("tr", {}, ...row.map((c) => h("td", {}, typeof c === "number" ? num(c) : c)))),
    ),
  );
}

function zonesView(zones: Zone[]): HTMLElement | null {
  if (!zones.length) return null;
  return h(
    "section",
    {},
    h("h4", {}, "Zones"),
    table(
      "Free memory and watermarks per zone (kB)",
      ["Node", "Zone", "Free", "min", "low", "high", "lowmem_reserve (pages)", "Free by order (kB)"],
      zones.map((z) => [
        z.node,
        z.name,
        num(z.freeKb),
        num(z.minKb),
        num(z.lowKb),
        num(z.highKb),
        z.lowmemReserve ? z.lowmemReserve.join(" ") : "–",
        num(z.freeAreasKb),
      ]),
    ),
  );
}

function whatIfView(w: WhatIfResult): HTMLElement {
  const marks = w.changes.marks;
  return h(
    "section",
    { class: "whatif" },
    h("h4", {}, `What-if: ${w.outcome ?? "not judged"}`),
    marks.length
      ? table(
          "Watermarks recomputed (kB): before → after",
          ["Node", "Zone", "min", "low", "high"],
          marks.map((m) => [
            m.node,
            m.name,
            `${num(m.before.minKb)} → ${num(m.after.minKb)}`,
            `${num(m.before.lowKb)} → ${num(m.after.lowKb)}`,
            `${num(m.before.highKb)} → ${num(m.after.highKb)}`,
          ]),
        )
      : null,
    w.zones.length
      ? table(
          "The request in each zone",
          ["Node", "Zone", "Result", "Checks"],
          w.zones.map((z) => [
            z.node,
            z.name,
            z.result,
            z.checks
              .map((c) => `${c.mark} ${c.pages}+${c.reserve}: ${c.pass ? "pass" : "fail"} (${c.stage})`)
              .join("; "),
          ]),
        )
      : null,
    verdictView("Verdict under the change", w.verdict),
    w.notes.length ? h("ul", { class: "notes" }, ...w.notes.map((n) => h("li", {}, n))) : null,
  );
}

function memoryView(b: NonNullable<DiagnosedReport["memoryBreakdown"]>): HTMLElement {
  const bars: Bar[] = b.parts.map((p) => ({
    label: p.name,
    value: p.kb,
    note: `${num(p.kb)} kB (${(p.ramPermille / 10).toFixed(1)}%)`,
  }));
  bars.push({
    label: "unaccounted",
    value: Math.max(0, b.unaccountedKb),
    note: `${num(b.unaccountedKb)} kB (${(b.unaccountedPermille / 10).toFixed(1)}%)`,
  });
  return h(
    "section",
    {},
    h("h4", {}, "Where the memory went"),
    h("p", {}, b.sentence),
    h("figure", {}, barChart(`Memory breakdown of ${num(b.totalRamKb)} kB RAM`, bars, "kB")),
  );
}

function freeBlocksView(zones: Zone[]): HTMLElement | null {
  const withLists = zones.filter((z) => z.freeAreas.length);
  if (!withLists.length) return null;
  return h(
    "section",
    {},
    h("h4", {}, "Free blocks per order"),
    h(
      "div",
      { class: "free-blocks" },
      ...withLists.map((z) => {
        const title = `Node ${z.node}, zone ${z.name}: free blocks per order`;
        return h(
          "figure",
          {},
          h("figcaption", {}, `Node ${z.node}, ${z.name} (${num(z.freeAreasKb)} kB free in the lists)`),
          barChart(
            title,
            z.freeAreas.map((n, o) => ({ label: `order ${o}`, value: n, note: `${num(n)} × ${2 ** o}` })),
            "blocks",
            { label: 60, bar: 160, note: 100 },
          ),
        );
      }),
    ),
  );
}

/** The task dump's columns: header, field, numeric. */
const TASK_COLUMNS: [string, keyof Task][] = [
  ["pid", "pid"],
  ["uid", "uid"],
  ["tgid", "tgid"],
  ["total_vm", "totalVmPages"],
  ["rss", "rssPages"],
  ["rss_anon", "rssAnonPages"],
  ["rss_file", "rssFilePages"],
  ["rss_shmem", "rssShmemPages"],
  ["pgtables_bytes", "pgtablesBytes"],
  ["nr_ptes", "nrPtes"],
  ["swapents", "swapEntries"],
  ["oom_adj", "oomAdj"],
  ["oom_score_adj", "oomScoreAdj"],
  ["name", "name"],
];

/** The process table: every column header is a button that sorts by it (aria-sort says how). */
function tasksView(tasks: Task[], id: string): HTMLElement {
  const cols = TASK_COLUMNS.filter(([, f]) => tasks.some((t) => t[f] !== undefined));
  const rows = [...tasks];
  const tbody = h("tbody");
  const ths: HTMLTableCellElement[] = [];
  let sortBy = -1;
  let dir: "ascending" | "descending" = "ascending";
  const draw = (): void => {
    fill(
      tbody,
      ...rows.map((t) =>
        h(
          "tr",
          {},
          ...cols.map(([, f]) => {
            const v = t[f];
            return h("td", {}, typeof v === "number" ? num(v) : v === undefined ? "" : String(v));
          }),
        ),
      ),
    );
    for (const [i, th] of ths.entries()) th.setAttribute("aria-sort", i === sortBy ? dir : "none");
  };
  const sort = (i: number): void => {
    dir = sortBy === i && dir === "ascending" ? "descending" : "ascending";
    sortBy = i;
    const f = cols[i][1];
    const sign = dir === "ascending" ? 1 : -1;
    rows.sort((a, b) => {
      const x = a[f];
      const y = b[f];
      if (typeof x === "number" && typeof y === "number") return sign * (x - y);
      return sign * String(x ?? "").localeCompare(String(y ?? ""));
    });
    draw();
  };
  cols.forEach(([label], i) => {
    const b = h("button", { type: "button", class: "sort", "data-col": label }, label);
    b.addEventListener("click", () => sort(i));
    ths.push(h("th", { scope: "col", "aria-sort": "none", "data-col": label }, b));
  });
  draw();
  return h(
    "section",
    {},
    h("h4", { id: `${id}-tasks` }, `Processes (${tasks.length})`),
    h(
      "table",
      { class: "tasks", "aria-labelledby": `${id}-tasks` },
      h("caption", {}, "Memory in pages; select a column header to sort by it"),
      h("thead", {}, h("tr", {}, ...ths)),
      tbody,
    ),
  );
}
