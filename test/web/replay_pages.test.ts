// The Replay panel's frames (web/src/replay_pages.ts): the runs of pages that changed between two page
// arrays, applied to the first, give the second; the runs of two steps composed (the worker merges a
// dropped frame into the next) are the runs of the two steps at once.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyRuns, composeRuns, diff } from "../../web/src/replay_pages.js";

/** Three page arrays of one length, states 0..8, with long stretches (blocks) as a machine has. */
const states = fc.integer({ min: 1, max: 300 }).chain((n) =>
  fc.tuple(
    ...[0, 1, 2].map(() =>
      fc
        .array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 40 })), { maxLength: 30 })
        .map((blocks) => {
          const pages = new Uint8Array(n);
          let p = 0;
          for (const [v, len] of blocks) {
            pages.fill(v, p, Math.min(n, p + len));
            p = (p + len * 3) % n;
          }
          return pages;
        }),
    ),
  ),
);

describe("replay frames: runs of changed pages", () => {
  it("a worked example: pages 2..4 become 3 and page 6 becomes 0", () => {
    const a = Uint8Array.from([0, 0, 1, 1, 1, 0, 2, 0]);
    const b = Uint8Array.from([0, 0, 3, 3, 3, 0, 0, 0]);
    // [first page, pages, state]: 2 + 3 = 5 pages 2, 3, 4; then page 6 alone
    expect([...diff(a, b)]).toEqual([2, 3, 3, 6, 1, 0]);
    const c = a.slice();
    applyRuns(c, diff(a, b));
    expect(c).toEqual(b);
    // then pages 3..6 become 1: composed, page 2 keeps its 3, pages 3..6 take 1 (one run), page 6's 0 is gone
    const d = Uint8Array.from([0, 0, 3, 1, 1, 1, 1, 0]);
    expect([...composeRuns(diff(a, b), diff(b, d))]).toEqual([2, 1, 3, 3, 4, 1]);
  });

  it("diff then applyRuns gives the second array; composeRuns of two steps is one step", () => {
    fc.assert(
      fc.property(states, ([a, b, c]) => {
        const ab = diff(a, b);
        const bc = diff(b, c);
        const step = a.slice();
        applyRuns(step, ab);
        expect(step).toEqual(b);
        const both = composeRuns(ab, bc);
        const once = a.slice();
        applyRuns(once, both);
        expect(once).toEqual(c);
        // sorted, without overlaps
        for (let i = 3; i < both.length; i += 3) expect(both[i]).toBeGreaterThanOrEqual(both[i - 3] + both[i - 2]);
      }),
    );
  });
});
