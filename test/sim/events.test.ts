// The simulation's events: KernelLog.event takes a kind and that kind's fields (a misspelt kind or
// field does not compile: the @ts-expect-error lines fail `npm run typecheck` when they compile),
// events keep { t, kind, ctx?, ...fields } in that order (the JSON output depends on it), and every
// event a replay records has a kind of SIM_EVENT_KINDS, the list SimEvent is derived from.

import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import { KernelLog } from "../../bindings/sim/log.js";
import { SimClock } from "../../bindings/sim/clock.js";
import {
  SIM_EVENT_KINDS,
  eventsOfKind,
  isSimEventKind,
  type SimEvent,
  type SimEventFields,
  type SimEventKind,
  type SimEventOf,
} from "../../bindings/sim/events.js";
import { replay } from "../../bindings/scenario/replay.js";
import type { Scenario } from "../../bindings/scenario/schema.js";

const scenario = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), "utf8"));

describe("KernelLog.event is typed by kind", () => {
  it("rejects a misspelt kind, a misspelt, missing or mistyped field, and the wrong reclaim-pass shape", () => {
    const log = new KernelLog(new SimClock());
    // @ts-expect-error: no kind "watermak"
    log.event("watermak", { order: 0 });
    // @ts-expect-error: alloc-ok has pass, not passs
    log.event("alloc-ok", { pfn: 1, order: 0, passs: "low" });
    // @ts-expect-error: alloc-ok without its pass
    log.event("alloc-ok", { pfn: 1, order: 0 });
    // @ts-expect-error: order is a number
    log.event("kswapd-run", { order: "5" });
    const kswapdPass = { who: "kswapd", priority: 12, zone: 0, scanned: 0, reclaimed: 0, order: 0 } as const;
    // @ts-expect-error: a kswapd pass has the zone's pages_scanned, not one per zone of a zonelist
    log.event("reclaim-pass", { ...kswapdPass, pagesScanned: [0] });
    // @ts-expect-error: a vmalloc-fail for a page says how many pages it got
    log.event("vmalloc-fail", { reason: "page", size: 8192, gfp: 0xd0 });
    log.event("alloc-ok", { pfn: 1, order: 0, pass: "low" });
    // the calls above still ran: a type error does not stop the log
    const kinds = log.events.map((e) => e.kind);
    const expected = ["watermak", "alloc-ok", "alloc-ok", "kswapd-run", "reclaim-pass", "vmalloc-fail", "alloc-ok"];
    expect(kinds).toEqual(expected);
  });

  it("readers narrow on kind, and on who for the two shapes of reclaim-pass", () => {
    const log = new KernelLog(new SimClock());
    const direct = { who: "direct", priority: 12, scanned: 3, reclaimed: 1, order: 5 } as const;
    log.event("reclaim-pass", { ...direct, pagesScanned: [3, 0] });
    const e: SimEvent = log.events[0];
    // @ts-expect-error: not every event has a priority
    void e.priority;
    if (e.kind === "reclaim-pass") {
      expectTypeOf(e.priority).toEqualTypeOf<number>();
      if (e.who === "direct") expectTypeOf(e.pagesScanned).toEqualTypeOf<number[]>();
      else expectTypeOf(e.pagesScanned).toEqualTypeOf<number>();
    }
    expectTypeOf(eventsOfKind(log.events, "watermark")).toEqualTypeOf<SimEventOf<"watermark">[]>();
    expectTypeOf<SimEventOf<"watermark">["mark"]>().toEqualTypeOf<"min" | "low" | "high">();
    expect(eventsOfKind(log.events, "reclaim-pass")[0].pagesScanned).toEqual([3, 0]);
  });

  it("has fields for exactly the listed kinds", () => {
    expectTypeOf<Exclude<keyof SimEventFields, SimEventKind>>().toEqualTypeOf<never>();
    expectTypeOf<Exclude<SimEventKind, keyof SimEventFields>>().toEqualTypeOf<never>();
    expect(new Set(SIM_EVENT_KINDS).size).toBe(SIM_EVENT_KINDS.length);
    expect(isSimEventKind("oom-kill")).toBe(true);
    expect(isSimEventKind("oom-kil")).toBe(false);
  });
});

describe("an event's keys", () => {
  it("are t, kind, ctx when someone else runs, then the fields in the order given", () => {
    const clock = new SimClock();
    const log = new KernelLog(clock);
    clock.advance(20);
    log.event("kswapd-done", { order: 5, reclaimed: 7 });
    log.context = "kswapd";
    log.event("all-unreclaimable", { zone: 0, pagesScanned: 172 });
    expect(log.events.map((e) => Object.keys(e))).toEqual([
      ["t", "kind", "order", "reclaimed"],
      ["t", "kind", "ctx", "zone", "pagesScanned"],
    ]);
    const json = '{"t":20,"kind":"all-unreclaimable","ctx":"kswapd","zone":0,"pagesScanned":172}';
    expect(JSON.stringify(log.events[1])).toBe(json);
  });

  it("are not recorded when recordEvents is off; printk lines are", () => {
    const log = new KernelLog(new SimClock());
    log.recordEvents = false;
    log.printk("a\nb\n");
    log.event("kswapd-run", { order: 0 });
    expect(log.events).toEqual([]);
    expect(log.lines).toEqual(["a", "b"]);
  });
});

describe("every event a replay records has a listed kind", () => {
  const seed = () => scenario("seed") as Scenario;
  const forking = seed();
  forking.events.push({ do: "fork-exit", task: 452, every: 1000, from: 0, until: 0, lifetime: 500, count: 5 });
  const runs = [
    { name: "seed", result: replay(seed()) },
    { name: "seed with children forking and exiting", result: replay(forking) },
    {
      name: "seed under kvmalloc, 8 MiB (vmalloc runs out of pages)",
      result: replay(seed(), { policy: "kvmalloc", size: 8 << 20 }),
    },
    {
      name: "seed after bdfb04301fa5, 256 KiB (the livelock bound)",
      result: replay(seed(), { policy: "bdfb04301fa5", size: 256 << 10, maxRetries: 300 }),
    },
    { name: "nic-atomic", result: replay(scenario("nic-atomic")) },
    {
      name: "the livelock with a small log (events dropped)",
      result: replay(seed(), {
        policy: "bdfb04301fa5",
        size: 256 << 10,
        maxRetries: 300,
        logLimits: { lines: { head: 5, tail: 5 }, events: { head: 50, tail: 50 } },
      }),
    },
  ];

  it.each(runs)("$name", ({ result }) => {
    expect(result.events.length).toBeGreaterThan(0);
    expect(result.events.filter((e) => !isSimEventKind(e.kind)).map((e) => e.kind)).toEqual([]);
  });

  it("the replays above record most kinds (the check is not vacuous)", () => {
    const seen = new Set(runs.flatMap((r) => r.result.events.map((e) => e.kind)));
    const notSeen = SIM_EVENT_KINDS.filter((k) => !seen.has(k));
    // the OOM killer's rarer outcomes and vmalloc's address-space corner cases
    const rare = ["oom-skip", "oom-panic", "oom-livelock"];
    // the 6.18 kernel's kinds (test/linux-6.18 checks those): these replays are 2.6.11 ones
    const from618 = SIM_EVENT_KINDS.indexOf("__alloc_pages_slowpath");
    const kinds618 = SIM_EVENT_KINDS.slice(from618, SIM_EVENT_KINDS.indexOf("events-dropped"));
    expect(notSeen).toEqual([
      ...rare,
      "vmalloc-out-of-space",
      "vmalloc-past-end",
      "vmalloc-array-free-mismatch",
      ...kinds618,
    ]);
  });
});
