// Share (issue 14): the page's state in the URL's fragment ("#key=value&..."), which a browser never sends
// to a server. Panels register their fields with registerState(key, get, set) (share_panels.ts registers
// Diagnose's, Replay's and Sweep's); this module writes the fragment with
// history.replaceState as the controls change (no history entries), shows the link in a read-only field with
// a Copy link button, and restores the fields from the fragment when the page loads or the fragment is
// edited. A pasted report goes in the link only when the user ticks the box (share_panels.ts), compressed
// with packText. A bad or hand-edited fragment never stops the page: unknown keys are ignored, a bad value
// leaves its field alone and the status names its key; every echo goes through textContent.
import { byId, debounce, fill, num } from "./dom.js";

/** A panel's piece of the state: its value for the link (null leaves the key out), and how to restore it
 *  (throw an Error saying what is wrong with the value: the status shows it after the key). */
export interface StateField {
  get: () => string | null | Promise<string | null>;
  set: (value: string) => void | Promise<void>;
}

/** URL lengths the browsers accept: Chromium's url::kMaxURLChars is 2 * 1024 * 1024 (url/url_constants.h;
 *  longer URLs are dropped at its IPC boundary), Firefox's network.standard-url.max-length is 1048576. */
export const URL_LIMITS = { chromium: 2 * 1024 * 1024, firefox: 1024 * 1024 } as const;
/** The most a packed text may expand to (a hand-made "deflate bomb" stops here). */
const UNPACK_MAX_BYTES = 64 * 1024 * 1024;
const KEY = /^[a-z][a-z0-9_.-]{0,39}$/;

const fields = new Map<string, StateField>();
/** Values of the fragment restored before their key was registered: a late panel picks its value up. */
const pending = new Map<string, string>();
let changed: () => void = () => undefined;
let restoring = false;

/** Adds a field to the link, restoring it at once if the fragment already carried a value for it. */
export function registerState(key: string, get: StateField["get"], set: StateField["set"]): void {
  if (!KEY.test(key) || key === "view" || fields.has(key)) throw new Error(`share: bad or duplicate key ${key}`);
  fields.set(key, { get, set });
  const late = pending.get(key);
  if (late !== undefined) {
    pending.delete(key);
    void Promise.resolve()
      .then(() => set(late))
      .catch(() => undefined)
      .then(() => changed());
  }
}

/** Tells the share block the page's state changed (for changes that fire no input or change event). */
export function stateChanged(): void {
  changed();
}

/** A text as base64url of its deflate-raw compression (CompressionStream: nothing leaves the page). */
export async function packText(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** packText's inverse; throws an Error saying why a value is not a packed text (bad characters, truncated or
 *  corrupt deflate data, more than 64 MiB, not UTF-8). */
export async function unpackText(packed: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]*$/.test(packed)) throw new Error("is not base64url (A-Z a-z 0-9 - _)");
  if (packed.length % 4 === 1) throw new Error("is not complete base64url (a truncated link?)");
  const bin = atob(packed.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > UNPACK_MAX_BYTES) {
        await reader.cancel();
        throw new Error(`expands to more than ${num(UNPACK_MAX_BYTES)} bytes`);
      }
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof Error && e.message.startsWith("expands")) throw e;
    throw new Error("is not complete deflate-raw data (a truncated or edited link?)");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(await new Blob(parts as BlobPart[]).arrayBuffer());
  } catch {
    throw new Error("is not UTF-8 text");
  }
}

/** A value quoted in a message: at most 40 characters (the status echoes it as text). */
export const quoted = (v: string): string => `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;

/** The fragment's pairs in order: [key, value] or, for a part that is not percent-encoded, an error. */
export function parseFragment(hash: string): { pairs: [string, string][]; problems: string[] } {
  const pairs: [string, string][] = [];
  const problems: string[] = [];
  const frag = hash.replace(/^#/, "");
  if (!frag) return { pairs, problems };
  for (const part of frag.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    let key: string;
    try {
      key = decodeURIComponent(rawKey);
    } catch {
      problems.push(`${quoted(rawKey)} is not a percent-encoded key`);
      continue;
    }
    // "#replay": a plain section id, as a hand-written link may name it
    if (eq < 0) {
      pairs.push(["view", key]);
      continue;
    }
    try {
      pairs.push([key, decodeURIComponent(rawValue.replaceAll("+", " "))]);
    } catch {
      problems.push(`${quoted(key)}: the value is not percent-encoded`);
    }
  }
  return { pairs, problems };
}

/** The link's "key=value" parts: the section in view (null: the first, left out), then every registered
 *  field with a value, in the order they were registered. A get() that throws leaves its key out. */
export async function fragmentParts(view: string | null): Promise<string[]> {
  const parts = view ? [`view=${encodeURIComponent(view)}`] : [];
  for (const [key, f] of fields) {
    let value: string | null = null;
    try {
      value = await f.get();
    } catch {
      value = null;
    }
    if (value !== null) parts.push(`${key}=${encodeURIComponent(value)}`);
  }
  return parts;
}

/** Restores the registered fields from a fragment, in the order they were registered (a panel's settings
 *  before the field that runs it), whatever the fragment's order; a key registered later picks its value
 *  up then. Returns the problems (each naming its key) and the section to show, if one of `sections`. */
export async function applyFragment(
  hash: string,
  sections: string[],
): Promise<{ problems: string[]; view: string | null }> {
  const { pairs, problems } = parseFragment(hash);
  const values = new Map<string, string>();
  const unknown: string[] = [];
  let view: string | null = null;
  pending.clear();
  for (const [key, value] of pairs) {
    if (key === "view") {
      if (sections.includes(value)) view = value;
      else problems.push(`view: ${quoted(value)} is not a section of the page`);
    } else if (fields.has(key)) values.set(key, value);
    else {
      if (KEY.test(key)) pending.set(key, value);
      unknown.push(quoted(key));
    }
  }
  for (const [key, f] of fields) {
    const value = values.get(key);
    if (value === undefined) continue;
    try {
      await f.set(value);
    } catch (e) {
      problems.push(`${key}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (unknown.length) problems.push(`ignored unknown key${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}`);
  return { problems, view };
}

/** Mounts the Share block (Copy link, the link's field and size, the status) and restores the page from
 *  the URL's fragment. Panels register their fields before or after: a late one is restored on registering. */
export function mountShare(root: HTMLElement): void {
  const link = byId<HTMLInputElement>(root, "share-link");
  const copy = byId<HTMLButtonElement>(root, "share-copy");
  const size = byId<HTMLElement>(root, "share-size");
  const status = byId<HTMLElement>(root, "share-status");
  const sections = (): HTMLElement[] => Array.from(document.querySelectorAll<HTMLElement>("main > section[id]"));

  // the section in view: the last whose top is above a third of the window (the first one is left out)
  const view = (): string | null => {
    const all = sections();
    let cur = all[0];
    for (const s of all) if (s.getBoundingClientRect().top <= window.innerHeight / 3) cur = s;
    return cur && cur !== all[0] ? cur.id : null;
  };

  let seq = 0;
  const update = async (): Promise<void> => {
    const mine = ++seq;
    const parts = await fragmentParts(view());
    if (mine !== seq) return; // a newer update started while this one compressed
    const frag = parts.join("&");
    const url = new URL(location.href);
    url.hash = frag;
    const href = frag ? url.href : url.href.replace(/#$/, "");
    try {
      if (href !== location.href) history.replaceState(history.state, "", href);
    } catch {
      // a browser that refuses replaceState (some file:// pages): the field still has the link
    }
    link.value = href;
    const notes = [`The link is ${num(href.length)} characters`];
    // the long values (a compressed report, a sweep spec): their share of the link
    for (const p of parts.filter((p) => p.length > 200))
      notes.push(`${p.slice(0, p.indexOf("="))} takes ${num(p.length - p.indexOf("=") - 1)} of them`);
    let warn = "";
    if (href.length > URL_LIMITS.firefox)
      warn =
        ` Too long for some browsers: Firefox accepts ${num(URL_LIMITS.firefox)} characters, Chromium ` +
        `${num(URL_LIMITS.chromium)}${href.length > URL_LIMITS.chromium ? " (this link is longer)" : ""}; ` +
        "share the report as a file instead.";
    size.textContent = `${notes.join("; ")}.${warn}`;
    size.classList.toggle("warn", warn !== "");
    root.dataset.link = String(mine);
  };
  const schedule = debounce(() => void update(), 250);
  changed = () => {
    if (!restoring) schedule();
  };

  const restore = async (hash: string): Promise<void> => {
    restoring = true;
    root.dataset.restored = "false";
    if (hash.replace(/^#/, "")) fill(status, "Restoring the page from the link…");
    const { problems, view: wanted } = await applyFragment(
      hash,
      sections().map((s) => s.id),
    );
    if (wanted) document.getElementById(wanted)?.scrollIntoView();
    fill(status, problems.length ? `Parts of the link were not restored: ${problems.join("; ")}.` : "");
    restoring = false;
    await update();
    root.dataset.restored = "true";
  };

  copy.addEventListener("click", async () => {
    await update();
    try {
      await navigator.clipboard.writeText(link.value);
      fill(status, `Link copied (${num(link.value.length)} characters).`);
    } catch {
      link.focus();
      link.select();
      fill(status, "This browser did not let the page copy: the link is selected in the field, copy it from there.");
    }
  });
  link.addEventListener("focus", () => link.select());

  // every control of the page: its input and change events; a frame shown or a panel's state changed
  // without such an event (play, step): the data attributes the panels set; scrolling: the section in view
  document.addEventListener("input", changed, true);
  document.addEventListener("change", changed, true);
  window.addEventListener("scroll", changed, { passive: true });
  const main = document.querySelector("main");
  if (main)
    new MutationObserver(changed).observe(main, {
      subtree: true,
      attributes: true,
      attributeFilter: ["data-frame", "data-state"],
    });
  window.addEventListener("hashchange", () => void restore(location.hash));
  void restore(location.hash);
}
