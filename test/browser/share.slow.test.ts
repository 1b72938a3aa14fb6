// Share (issue 14, item 5) and the Diagnose panel's drop box, in Chromium (test/browser/site.ts): the link in
// the Share block's field, opened in a fresh page, gives back the what-ifs, Node's diagnosis JSON under
// them and the replay at the same frame; the pasted report is in the link only when the box is ticked; a
// broken or hostile fragment leaves the page working and inert; files dropped on the box give Node's JSON.
//
// Needs Debian's Chromium at /usr/bin/chromium and the embedded engine (`npm run build`); skipped
// without Chromium, except under CI, where it fails.

import { mkdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { deflateRawSync } from "node:zlib";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnoseFile, filedJson, parseWhatIf } from "../../bindings/index.js";
import { axeViolations, fixture, PAYLOADS, ROOT, SKIP, type Site, STEP_MS, startSite, tabTo } from "./site.js";

const SEED = fixture("seed-article-oom-report");
const CORPUS = fixture("028-");
/** The what-ifs the test sets: field id, --what-if key, value. */
const WHAT_IFS = [
  ["wi-min-free", "min_free_kbytes", "600"],
  ["wi-wsf", "watermark_scale_factor", "30"],
  ["wi-order", "order", "2"],
  ["wi-gfp", "gfp", "0xd0"],
] as const;
const ITEMS = WHAT_IFS.map(([, k, v]) => `${k}=${v}`);
/** A line of the seed report no link may carry unless the box is ticked. */
const DISTINCTIVE = "Out of Memory: Killed process";

function nodeJson(inputs: { file: string; text: string }[], whatIf: string[] = []): string {
  const w = parseWhatIf(whatIf);
  return filedJson(inputs.flatMap((i) => diagnoseFile(i.file, i.text, { whatIf: w })));
}

describe.skipIf(SKIP)("Share: the page's state in the link (web/, Chromium via playwright-core)", () => {
  let site: Site;
  let errors: string[] = [];

  beforeAll(async () => {
    site = await startSite("share");
    ({ errors } = site);
  }, 180_000);

  afterAll(async () => {
    await site?.close();
  });

  /** Opens `hash` in a fresh page and waits until the Share block has restored it. */
  async function openLink(hash: string, bypassCSP = false): Promise<Page> {
    const page = await site.open({ hash, bypassCSP });
    await page.waitForSelector("#share[data-restored=true]");
    return page;
  }

  /** The link once the Share block has caught up with the page (`pred` holds for it). */
  async function link(page: Page, pred: (l: string) => boolean): Promise<string> {
    await expect.poll(async () => pred(await page.inputValue("#share-link")), { timeout: STEP_MS }).toBe(true);
    return page.inputValue("#share-link");
  }

  /** Waits for the Diagnose panel's answer after `before`. */
  async function answer(page: Page, before: string): Promise<string> {
    await page.waitForFunction(
      (prev) =>
        document.getElementById("diagnose")?.dataset.state === "done" &&
        (document.getElementById("json")?.textContent ?? "") !== prev,
      before,
    );
    return (await page.textContent("#json")) ?? "";
  }

  it("restores the what-ifs, the replay frame and (ticked) the report in a fresh page, with Node's JSON", async () => {
    const page = await openLink("");
    expect(await page.inputValue("#share-link")).toBe(`${site.origin}/`);
    const entries = await page.evaluate(() => history.length);
    await page.fill("#report", SEED.text);
    await page.click("#run");
    const plain = await answer(page, "");
    for (const [id, , v] of WHAT_IFS) await page.fill(`#${id}`, v);
    const json = await answer(page, plain);
    expect(json).toBe(nodeJson([{ file: "-", text: SEED.text }], ITEMS));
    // the seed scenario at frame 5: Replay, then the slider's arrow key five times
    await page.click("#replay-load");
    await page.waitForSelector("#replay[data-state=loaded]");
    await page.focus("#replay-frame");
    for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
    expect(await page.getAttribute("#replay", "data-frame")).toBe("5");
    const clock = await page.textContent("#replay-clock");
    await page.evaluate(() => document.getElementById("replay")?.scrollIntoView());

    // unticked: the what-ifs and the frame, not the report, neither as text nor compressed
    const short = await link(page, (l) => l.includes("frame=5") && l.includes("gfp=0xd0"));
    const frag = new URL(short).hash;
    expect(frag).toBe(
      "#view=replay&min_free_kbytes=600&watermark_scale_factor=30&order=2&gfp=0xd0&scenario=seed&frame=5",
    );
    expect(frag).not.toContain("report=");
    expect(SEED.text).toContain(DISTINCTIVE);
    expect(decodeURIComponent(frag)).not.toContain(DISTINCTIVE);
    const packed = deflateRawSync(SEED.text).toString("base64url");
    expect(frag).not.toContain(packed.slice(0, 24));
    // 7 short keys, 101 characters; the seed report's 1,014 bytes deflate to 651 base64url characters
    expect(frag.length).toBeLessThan(200);
    expect(packed.length).toBeGreaterThan(600);
    expect(page.url()).toBe(short); // replaceState keeps the address bar in step
    expect(await page.evaluate(() => history.length)).toBe(entries); // and adds no history entry

    // a fresh page from that link: the same what-ifs and frame, no report (nothing to diagnose)
    const bare = await openLink(frag);
    for (const [id, , v] of WHAT_IFS) expect(await bare.inputValue(`#${id}`)).toBe(v);
    expect(await bare.inputValue("#report")).toBe("");
    expect(await bare.isChecked("#share-report")).toBe(false);
    expect(await bare.getAttribute("#replay", "data-frame")).toBe("5");
    expect(await bare.textContent("#replay-clock")).toBe(clock);
    expect(await bare.textContent("#share-status")).toBe("");
    // scrolled to the Replay section
    const top = await bare.evaluate(() => document.getElementById("replay")?.getBoundingClientRect().top ?? -1);
    expect(Math.abs(top)).toBeLessThan(5);
    await bare.close();

    // ticked (by keyboard): the report goes in, compressed, and the size line says how long
    await tabTo(page, "#share-report");
    await page.keyboard.press("Space");
    expect(await page.isChecked("#share-report")).toBe(true);
    const long = await link(page, (l) => l.includes("report="));
    const lfrag = new URL(long).hash;
    expect(lfrag.length).toBeGreaterThan(frag.length + 600);
    expect(decodeURIComponent(lfrag)).not.toContain(DISTINCTIVE);
    expect(await page.textContent("#share-size")).toMatch(
      new RegExp(`^The link is ${long.length.toLocaleString("en-US")} characters; report takes [0-9,]+ of them\\.$`),
    );

    mkdirSync(path.join(ROOT, "docs", "web"), { recursive: true });
    await page.locator("#share").screenshot({ path: path.join(ROOT, "docs", "web", "share.png") });

    const full = await openLink(lfrag);
    expect(await full.inputValue("#report")).toBe(SEED.text);
    expect(await full.isChecked("#share-report")).toBe(true);
    for (const [id, , v] of WHAT_IFS) expect(await full.inputValue(`#${id}`)).toBe(v);
    expect(await full.getAttribute("#diagnose", "data-state")).toBe("done");
    expect(await full.textContent("#json")).toBe(json);
    expect(await full.getAttribute("#replay", "data-frame")).toBe("5");
    expect(await full.textContent("#replay-clock")).toBe(clock);
    // the restored page's own link is the same one
    expect(await link(full, (l) => l.includes("report="))).toBe(long);
    expect(errors).toEqual([]);
    await full.close();
    await page.close();
  });

  it("restores the Sweep panel's example and, once edited, its spec (compressed), without running it", async () => {
    const page = await openLink("");
    await page.selectOption("#sweep-example", "eras-churn");
    const l1 = await link(page, (l) => l.includes("sweep-example=eras-churn"));
    expect(l1).not.toContain("sweep-spec=");
    const edited = (await page.inputValue("#sweep-spec")).replace('"seeds": 4', '"seeds": 3');
    expect(edited).toContain('"seeds": 3');
    await page.fill("#sweep-spec", edited);
    const l2 = await link(page, (l) => l.includes("sweep-spec="));
    // compressed: the spec's text is not in the link
    expect(l2).not.toContain("seeds");
    const again = await openLink(new URL(l2).hash);
    expect(await again.inputValue("#sweep-example")).toBe("eras-churn");
    expect(await again.inputValue("#sweep-spec")).toBe(edited);
    // restored, not run: no results yet
    expect(await again.textContent("#sweep-downloads")).toBe("");
    expect(errors).toEqual([]);
    await page.close();
    await again.close();
  });

  it("leaves a broken or hostile fragment inert: unknown keys ignored, bad values named, page working", async () => {
    // a real compressed report, cut in half (at a whole base64 quantum, and one character after it)
    const cut = deflateRawSync(SEED.text).toString("base64url");
    const cases: [string, string[]][] = [
      ["#bad=%%%", ["'bad': the value is not percent-encoded"]],
      ["#nothing=1&min_free_kbytes=600&zz=2", ["ignored unknown keys 'nothing', 'zz'"]],
      [`#report=${cut.slice(0, (cut.length >> 3) * 4)}`, ["report: is not complete deflate-raw data"]],
      [`#report=${cut.slice(0, (cut.length >> 3) * 4 + 1)}`, ["report: is not complete base64url"]],
      ["#report=not*base64", ["report: is not base64url"]],
      ["#frame=99999", ["frame: 99999 is past the last frame"]],
      ["#scenario=nope", ["scenario: 'nope' is not a scenario of the page"]],
      ["#view=nowhere", ["view: 'nowhere' is not a section of the page"]],
      ["#order=%E0%A4%A", ["'order': the value is not percent-encoded"]],
    ];
    for (const p of PAYLOADS) {
      const e = encodeURIComponent(p);
      cases.push(
        [`#min_free_kbytes=${e}&gfp=${p}`, ["min_free_kbytes: '<", "gfp: '<", "is not a decimal or 0x hex integer"]],
        [`#scenario=${e}&frame=${e}&view=${e}`, ["scenario: '<", "frame: '<", "view: '<"]],
        [`#report=${e}&${e}=1`, ["report: is not base64url", "ignored unknown key"]],
      );
    }
    for (const [hash, says] of cases) {
      const page = await openLink(hash);
      const status = (await page.textContent("#share-status")) ?? "";
      for (const s of says) expect(status, hash).toContain(s);
      expect(await page.evaluate(() => (window as unknown as { __x?: number }).__x)).toBeUndefined();
      expect(await page.$$("body script:not([type=module]), #share img, #share svg, [onload], [onerror]")).toEqual([]);
      if (hash.startsWith("#nothing")) expect(await page.inputValue("#wi-min-free")).toBe("600");
      if (hash === "#frame=99999") expect(await page.getAttribute("#replay", "data-state")).toBe("loaded");
      await page.close();
    }
    // and the page still works after the worst of them
    const page = await openLink(`#report=${encodeURIComponent(PAYLOADS[0])}&gfp=${PAYLOADS[1]}`);
    await page.fill("#report", SEED.text);
    await page.click("#run");
    expect(await answer(page, "")).toBe(nodeJson([{ file: "-", text: SEED.text }]));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("copies the link by keyboard, or selects it in the field when the browser refuses", async () => {
    const page = await openLink("#order=3");
    await tabTo(page, "#share-copy");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#share-status")).not.toBe("");
    const status = (await page.textContent("#share-status")) ?? "";
    console.log(`web: Copy link: ${status}`);
    const l = await page.inputValue("#share-link");
    expect(l).toBe(`${site.origin}/#order=3`);
    if (status.startsWith("Link copied")) {
      expect(status).toBe(`Link copied (${l.length} characters).`);
    } else {
      // headless Chromium without the clipboard permission: the field has the focus, its text selected
      expect(status).toMatch(/^This browser did not let the page copy/);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("share-link");
      const sel = await page.$eval("#share-link", (el) => {
        const i = el as HTMLInputElement;
        return [i.selectionStart, i.selectionEnd];
      });
      expect(sel).toEqual([0, l.length]);
    }
    // a fragment edited in the address bar (hashchange) is restored too
    await page.evaluate(() => {
      location.hash = "order=4&min_free_kbytes=700";
    });
    await expect.poll(() => page.inputValue("#wi-order")).toBe("4");
    expect(await page.inputValue("#wi-min-free")).toBe("700");
    const axe = await openLink("#order=3", true);
    expect(await axeViolations(axe)).toEqual([]);
    await axe.close();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("restores and writes the link from disk (file://) too", async () => {
    const page = await site.browser.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    const file = pathToFileURL(path.join(site.dir, "index.html")).href;
    await page.goto(`${file}#order=3&nothing=1`);
    await page.waitForSelector("#share[data-restored=true]");
    expect(await page.inputValue("#wi-order")).toBe("3");
    expect(await page.textContent("#share-status")).toBe(
      "Parts of the link were not restored: ignored unknown key 'nothing'.",
    );
    await page.fill("#wi-gfp", "0xd0");
    await expect.poll(() => page.inputValue("#share-link")).toBe(`${file}#order=3&gfp=0xd0`);
    expect(page.url()).toBe(`${file}#order=3&gfp=0xd0`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("warns when the link is longer than browsers accept", async () => {
    const page = await openLink("");
    // 1.5 M characters that deflate cannot shrink much (a xorshift stream over 64 letters, ~6 bits each):
    // about 1.1 MB compressed, 1.5 M characters of base64url: above Firefox's 1,048,576
    await page.evaluate(() => {
      const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      let x = 2463534242;
      const out: string[] = [];
      for (let i = 0; i < 1_500_000; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out.push(abc[(x >>> 0) & 63]);
      }
      (document.getElementById("report") as HTMLTextAreaElement).value = out.join("");
      document.getElementById("report")?.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await page.check("#share-report");
    await page.waitForSelector("#share-size.warn");
    const size = (await page.textContent("#share-size")) ?? "";
    expect(size).toContain("Too long for some browsers: Firefox accepts 1,048,576 characters, Chromium 2,097,152");
    const n = Number(/^The link is ([0-9,]+) characters/.exec(size)?.[1].replaceAll(",", ""));
    expect(n).toBeGreaterThan(1_048_576);
    expect(n).toBe((await page.inputValue("#share-link")).length);
    // unticked again: the link is short and the warning gone
    await page.uncheck("#share-report");
    await page.waitForSelector("#share-size:not(.warn)");
    expect(await page.inputValue("#share-link")).toBe(`${site.origin}/`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("diagnoses files dropped on the Diagnose box, in the order dropped, as Node does", async () => {
    const page = await openLink("");
    const drop = async (files: { name: string; text: string }[]): Promise<void> => {
      const dt = await page.evaluateHandle((fs) => {
        const d = new DataTransfer();
        for (const f of fs) d.items.add(new File([f.text], f.name, { type: "text/plain" }));
        return d;
      }, files);
      await page.dispatchEvent("#drop", "dragenter", { dataTransfer: dt });
      await page.dispatchEvent("#drop", "dragover", { dataTransfer: dt });
      expect(await page.$eval("#drop", (d) => d.classList.contains("over"))).toBe(true);
      await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
    };
    await drop([SEED]);
    const one = await answer(page, "");
    expect(one).toBe(nodeJson([{ file: SEED.name, text: SEED.text }]));
    expect(await page.$eval("#drop", (d) => d.classList.contains("over"))).toBe(false);
    await drop([CORPUS, SEED]);
    const two = await answer(page, one);
    expect(two).toBe(nodeJson([CORPUS, SEED].map((f) => ({ file: f.name, text: f.text }))));
    expect(JSON.parse(two).reports.map((r: { file: string }) => r.file)).toEqual([CORPUS.name, SEED.name]);
    // dropped files never go in the link, even with the box ticked
    await page.check("#share-report");
    expect(await link(page, (l) => !l.includes("report="))).toBe(`${site.origin}/`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
