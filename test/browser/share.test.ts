// web/src/share.ts's registry, codec and fragment parser, in Node (CompressionStream and Blob are Node's too): a
// packed text comes back unchanged and is base64url; Node's own zlib output unpacks; a truncated, corrupt or
// oversized value is refused with a message; parsing a fragment never throws, whatever the characters.

import { readFileSync } from "node:fs";
import path from "node:path";
import { deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  applyFragment,
  fragmentParts,
  packText,
  parseFragment,
  quoted,
  registerState,
  unpackText,
} from "../../web/src/share.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SEED = readFileSync(path.join(ROOT, "test", "fixtures", "seed-article-oom-report.txt"), "utf8");

describe("packText / unpackText", () => {
  it("gives back any text, as base64url", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 300 }), async (s) => {
        const p = await packText(s);
        expect(p).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(await unpackText(p)).toBe(s);
      }),
      { numRuns: 200 },
    );
  });

  it("reads another deflate-raw encoder's output (Node's zlib), and the seed report compresses", async () => {
    const node = deflateRawSync(SEED).toString("base64url");
    expect(await unpackText(node)).toBe(SEED);
    // 1,014 bytes of report: under 700 characters of link
    expect(SEED.length).toBe(1014);
    expect((await packText(SEED)).length).toBeLessThan(700);
  });

  it("refuses bad characters, a truncated value, corrupt data, non-UTF-8 text and a deflate bomb", async () => {
    const packed = await packText(SEED);
    await expect(unpackText("abc*")).rejects.toThrow("is not base64url");
    await expect(unpackText(packed.slice(0, 5))).rejects.toThrow("is not complete base64url");
    await expect(unpackText(packed.slice(0, 200))).rejects.toThrow("is not complete deflate-raw data");
    // 0xff 0xfe deflated: not UTF-8
    await expect(unpackText(deflateRawSync(Buffer.from([0xff, 0xfe])).toString("base64url"))).rejects.toThrow(
      "is not UTF-8 text",
    );
    // 65 MiB of zeros deflate to about 65 kB: refused past 64 MiB, 67,108,864 bytes
    const bomb = deflateRawSync(Buffer.alloc(65 * 1024 * 1024)).toString("base64url");
    expect(bomb.length).toBeLessThan(100_000);
    await expect(unpackText(bomb)).rejects.toThrow("expands to more than 67,108,864 bytes");
  });
});

describe("parseFragment", () => {
  it("splits key=value pairs, takes a bare section id as the view, and names what is not percent-encoded", () => {
    expect(parseFragment("#bad=%%%&order=3&replay&&gfp=0x%32d+c2")).toEqual({
      pairs: [
        ["order", "3"],
        ["view", "replay"],
        ["gfp", "0x2d c2"],
      ],
      problems: ["'bad': the value is not percent-encoded"],
    });
    expect(parseFragment("")).toEqual({ pairs: [], problems: [] });
    expect(parseFragment("#%E0=1").problems).toEqual(["'%E0' is not a percent-encoded key"]);
  });

  it("never throws, and reads back any pairs written with encodeURIComponent", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => void parseFragment(`#${s}`)));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ minLength: 1, unit: "grapheme" }), fc.string({ unit: "grapheme" }))),
        (pairs) => {
          const frag = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
          expect(parseFragment(`#${frag}`)).toEqual({ pairs, problems: [] });
        },
      ),
    );
  });
});

describe("the registry (registerState, applyFragment, fragmentParts)", () => {
  it("restores in registration order, names a bad value's key, ignores unknown keys, serves a late key", async () => {
    const log: string[] = [];
    let a = "1";
    registerState(
      "t.a",
      () => a,
      (v) => {
        log.push(`a=${v}`);
        a = v;
      },
    );
    registerState(
      "t.b",
      () => null,
      (v) => {
        log.push(`b=${v}`);
        if (v !== "ok") throw new Error(`${quoted(v)} is not ok`);
      },
    );
    expect(await fragmentParts(null)).toEqual(["t.a=1"]);
    const hash = "#t.b=<svg onload=x>&zz=1&t.late=7&t.a=2&view=replay";
    expect(await applyFragment(hash, ["diagnose", "replay"])).toEqual({
      view: "replay",
      problems: ["t.b: '<svg onload=x>' is not ok", "ignored unknown keys 'zz', 't.late'"],
    });
    // t.a was registered first: set first, though the fragment names it last
    expect(log).toEqual(["a=2", "b=<svg onload=x>"]);
    // a panel registering after the page was restored gets its value from the fragment
    registerState(
      "t.late",
      () => "x y&z",
      (v) => void log.push(`late=${v}`),
    );
    await vi.waitFor(() => expect(log).toContain("late=7"));
    expect(await fragmentParts("replay")).toEqual(["view=replay", "t.a=2", "t.late=x%20y%26z"]);
    // a section that is not one of the page's
    expect((await applyFragment("#view=nowhere", ["replay"])).problems).toEqual([
      "view: 'nowhere' is not a section of the page",
    ]);
  });

  it("refuses a bad, reserved or duplicate key", () => {
    const none = (): null => null;
    const ignore = (): void => undefined;
    expect(() => registerState("Bad Key", none, ignore)).toThrow("bad or duplicate key");
    expect(() => registerState("view", none, ignore)).toThrow("bad or duplicate key");
    registerState("t.once", none, ignore);
    expect(() => registerState("t.once", none, ignore)).toThrow("bad or duplicate key");
  });
});
