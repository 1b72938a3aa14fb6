// ___ratelimit (lib/ratelimit.c 6.18): windows of `interval` jiffies letting `burst` callers through,
// the misses counted and announced as "%s: %d callbacks suppressed" when the next window opens.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ___ratelimit,
  DEFAULT_RATELIMIT_BURST,
  RATELIMIT_INITIALIZED,
  RATELIMIT_MSG_ON_RELEASE,
  nopageRatelimitState,
  oomRatelimitState,
  ratelimitStateInit,
} from "../../../bindings/linux-6.18/lib/ratelimit.js";
import { OomlabError } from "../../../bindings/errors.js";

const HZ = 1000;

describe("___ratelimit", () => {
  it("nopage_rs (10*HZ, 1): one report per window; the window ends strictly after begin + interval", () => {
    const rs = nopageRatelimitState(HZ);
    expect(rs).toMatchObject({ interval: 10_000, burst: 1, flags: 0 });
    expect(___ratelimit(rs, 500, "warn_alloc")).toEqual({ pass: true, line: null }); // begin = 500
    expect(___ratelimit(rs, 600, "warn_alloc").pass).toBe(false);
    expect(___ratelimit(rs, 10_500, "warn_alloc").pass).toBe(false); // time_is_before_jiffies(10500): no
    expect(rs.missed).toBe(2);
    expect(___ratelimit(rs, 10_501, "warn_alloc")).toEqual({ pass: true, line: "warn_alloc: 2 callbacks suppressed" });
    expect([rs.begin, rs.missed, rs.rsNLeft]).toEqual([10_501, 0, 0]);
  });

  it("oom_rs (5*HZ, 10): ten in a window, the eleventh held back", () => {
    const rs = oomRatelimitState(HZ);
    const got = Array.from({ length: 12 }, (_, i) => ___ratelimit(rs, i * 100, "oom_kill_process").pass);
    expect(got).toEqual([...Array(DEFAULT_RATELIMIT_BURST).fill(true), false, false]);
    expect(___ratelimit(rs, 5001, "oom_kill_process").line).toBe("oom_kill_process: 2 callbacks suppressed");
  });

  it("a new window after no misses prints nothing", () => {
    const rs = nopageRatelimitState(HZ);
    ___ratelimit(rs, 0, "warn_alloc");
    expect(___ratelimit(rs, 20_000, "warn_alloc")).toEqual({ pass: true, line: null });
  });

  it("interval 0 never limits; burst 0 always limits and counts the misses", () => {
    const never = ratelimitStateInit(0, 10);
    for (let j = 0; j < 50; j++) expect(___ratelimit(never, 0, "f").pass).toBe(true);
    const always = ratelimitStateInit(5 * HZ, 0);
    for (let j = 0; j < 5; j++) expect(___ratelimit(always, j * 10 * HZ, "f")).toEqual({ pass: false, line: null });
    expect(always.missed).toBe(5);
  });

  it("disabling an initialized state clears RATELIMIT_INITIALIZED so it restarts when re-enabled", () => {
    const rs = ratelimitStateInit(5 * HZ, 1);
    ___ratelimit(rs, 0, "f");
    expect(rs.flags & RATELIMIT_INITIALIZED).toBe(RATELIMIT_INITIALIZED);
    rs.burst = 0;
    ___ratelimit(rs, 1, "f");
    expect(rs.flags & RATELIMIT_INITIALIZED).toBe(0);
    rs.burst = 1;
    expect(___ratelimit(rs, 2, "f").pass).toBe(true); // a fresh window begins at 2
    expect(rs.begin).toBe(2);
  });

  it("RATELIMIT_MSG_ON_RELEASE keeps the count instead of printing it", () => {
    const rs = ratelimitStateInit(HZ, 1, RATELIMIT_MSG_ON_RELEASE);
    ___ratelimit(rs, 0, "f");
    ___ratelimit(rs, 1, "f");
    expect(___ratelimit(rs, 2 * HZ, "f")).toEqual({ pass: true, line: null });
    expect(rs.missed).toBe(1);
  });

  it("refuses an interval or burst that is no int", () => {
    expect(() => ratelimitStateInit(1.5, 1)).toThrow(OomlabError);
    expect(() => ratelimitStateInit(1, 2 ** 31)).toThrow(OomlabError);
  });

  it("property: at most `burst` passes in any window, and every call is a pass or a counted miss", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 200 }),
        (interval, burst, gaps) => {
          const rs = ratelimitStateInit(interval, burst);
          let now = 0;
          let passes = 0;
          let reported = 0;
          const windowPasses = new Map<number, number>();
          for (const g of gaps) {
            now += g;
            const r = ___ratelimit(rs, now, "f");
            if (r.line) reported += Number(/: (\d+) callbacks/.exec(r.line)?.[1]);
            if (r.pass) {
              passes++;
              windowPasses.set(rs.begin, (windowPasses.get(rs.begin) ?? 0) + 1);
            }
          }
          expect(passes + reported + rs.missed).toBe(gaps.length);
          for (const n of windowPasses.values()) expect(n).toBeLessThanOrEqual(burst);
        },
      ),
    );
  });
});
