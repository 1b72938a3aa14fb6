// The Diagnose and Replay panels' pieces of the link (share.ts's registry), read from and written to the
// panels' own controls: a restored value is set in its field and the panel is driven as a user would (the
// Diagnose button, the Replay button, the frame slider's input event), so the panels need no API of their own.
import { WHAT_IF_FIELDS } from "./diagnose.js";
import { packText, quoted, registerState, unpackText } from "./share.js";

/** A what-if value as parseWhatIf takes it (analyse/what_if.ts intArg: decimal or 0x hex); the worker checks
 *  the range and names it, as for a typed value. */
const WHAT_IF_VALUE = /^([-+]?\d{1,19}|0x[0-9a-f]{1,16})$/i;

/** The panel's controls by id, or null (and a warning) when one is missing: the panel then stays out of
 *  the link rather than stopping the page (its markup belongs to another module, and may change). */
function controls(root: HTMLElement, ids: string[]): HTMLElement[] | null {
  const els = ids.map((id) => root.querySelector<HTMLElement>(`#${id}`));
  const missing = ids.filter((_, i) => !els[i]);
  if (missing.length) console.warn(`share: #${missing.join(", #")} missing: #${root.id} stays out of the link`);
  return missing.length ? null : (els as HTMLElement[]);
}

/** Resolves once pred() holds (checked every 50 ms); rejects after ms. */
function until(pred: () => boolean, ms = 180_000): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pred()) resolve();
      else if (performance.now() - t0 > ms) reject(new Error("the panel did not answer in time"));
      else setTimeout(check, 50);
    };
    check();
  });
}

/** The what-ifs (by their --what-if keys) and, when the box is ticked, the pasted report (key "report",
 *  compressed). Chosen or dropped files are never in the link. Restoring a report ticks the box and runs
 *  the diagnosis with the restored what-ifs (they are registered first, so they are set first). */
export function shareDiagnose(root: HTMLElement, include: HTMLInputElement): void {
  const els = controls(root, [...WHAT_IF_FIELDS.map((f) => f.id), "report", "run"]);
  if (!els) return;
  const [text, run] = els.slice(-2) as [HTMLTextAreaElement, HTMLButtonElement];
  for (const [i, f] of WHAT_IF_FIELDS.entries()) {
    const input = els[i] as HTMLInputElement;
    registerState(
      f.key,
      () => input.value.trim() || null,
      (v) => {
        if (!WHAT_IF_VALUE.test(v)) throw new Error(`${quoted(v)} is not a decimal or 0x hex integer`);
        input.value = v;
      },
    );
  }
  // the last text compressed: the link is rebuilt on every change of the page, the report seldom changes
  let packed = { text: "", value: Promise.resolve("") };
  const pack = (t: string): Promise<string> => {
    if (packed.text !== t) packed = { text: t, value: packText(t) };
    return packed.value;
  };
  registerState(
    "report",
    () => (include.checked && text.value.trim() ? pack(text.value) : null),
    async (v) => {
      const report = await unpackText(v);
      text.value = report;
      include.checked = true;
      run.click();
      await until(() => root.dataset.state !== "busy");
    },
  );
}

/** The replayed scenario and its frame (the frame only once a replay is loaded). Restoring loads the
 *  scenario with the Replay button, then moves the frame slider. */
export function shareReplay(root: HTMLElement): void {
  const els = controls(root, ["replay-scenario", "replay-load", "replay-frame"]);
  if (!els) return;
  const [select, load, slider] = els as [HTMLSelectElement, HTMLButtonElement, HTMLInputElement];
  const initial = select.value;
  let loaded: string | null = null;
  // the scenario of the replay on show: the select's value when Replay was pressed
  load.addEventListener("click", () => {
    loaded = select.value;
  });
  const replay = async (): Promise<void> => {
    load.click();
    await until(() => !load.disabled);
    if (root.dataset.state !== "loaded") throw new Error("the replay did not load");
  };
  registerState(
    "scenario",
    () => loaded ?? (select.value !== initial ? select.value : null),
    async (v) => {
      if (![...select.options].some((o) => o.value === v))
        throw new Error(`${quoted(v)} is not a scenario of the page`);
      select.value = v;
      await replay();
    },
  );
  registerState(
    "frame",
    () => (root.dataset.state === "loaded" ? slider.value : null),
    async (v) => {
      if (!/^\d{1,9}$/.test(v)) throw new Error(`${quoted(v)} is not a frame number`);
      if (root.dataset.state !== "loaded") await replay();
      if (Number(v) > Number(slider.max)) throw new Error(`${v} is past the last frame, ${slider.max}`);
      slider.value = v;
      slider.dispatchEvent(new Event("input", { bubbles: true }));
    },
  );
}

/** The Sweep panel's spec: the example chosen (key "sweep-example", when not the first) and, when the
 *  spec was edited or loaded from a file, its text (key "sweep-spec", compressed). Restoring chooses the
 *  example, then puts the text in the box; it does not run the sweep (Run does). */
export function shareSweep(root: HTMLElement): void {
  const els = controls(root, ["sweep-example", "sweep-spec"]);
  if (!els) return;
  const [select, spec] = els as [HTMLSelectElement, HTMLTextAreaElement];
  const initial = select.value;
  // the example's text as the panel shows it: the panel's own change listener (registered first) has
  // already filled the box when this one runs
  let shown = spec.value;
  select.addEventListener("change", () => {
    shown = spec.value;
  });
  let packed = { text: "", value: Promise.resolve("") };
  registerState(
    "sweep-example",
    () => (select.value !== initial ? select.value : null),
    (v) => {
      if (![...select.options].some((o) => o.value === v))
        throw new Error(`${quoted(v)} is not an example of the page`);
      select.value = v;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    },
  );
  registerState(
    "sweep-spec",
    () => {
      if (spec.value === shown) return null;
      if (packed.text !== spec.value) packed = { text: spec.value, value: packText(spec.value) };
      return packed.value;
    },
    async (v) => {
      spec.value = await unpackText(v);
    },
  );
}
