// The kernel log is bounded: it keeps the first and the last entries of its lines and events and
// counts what it dropped between them, with a marker where the gap is (sim/log.ts).

import { describe, expect, it } from "vitest";
import {
  DEFAULT_LOG_LIMITS,
  HeadTail,
  KernelLog,
  droppedLinesMarker,
  scaledLogLimits,
  type LogLimits,
} from "../../bindings/sim/log.js";
import { SimClock } from "../../bindings/sim/clock.js";
import { eventsOfKind } from "../../bindings/sim/events.js";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("HeadTail", () => {
  it("keeps the first head and the last tail items, with the marker between them", () => {
    const s = new HeadTail<number>({ head: 10, tail: 10 });
    for (const i of range(1, 100)) s.push(i);
    expect(s.toArray(() => 0)).toEqual([...range(1, 10), 0, ...range(91, 100)]);
    expect([s.pushed, s.kept, s.dropped, s.firstDropped, s.lastDropped]).toEqual([100, 20, 80, 11, 90]);
  });

  it("without a drop gives every item and no marker; with no tail, the head array itself", () => {
    const s = new HeadTail<number>({ head: 3, tail: 3 });
    for (const i of range(1, 3)) s.push(i);
    expect(s.toArray(() => 0)).toBe(s.toArray(() => 0));
    for (const i of range(4, 6)) s.push(i);
    expect(s.toArray(() => 0)).toEqual(range(1, 6));
    expect(s.dropped).toBe(0);
  });

  it("weighs items by cost: the head stops at the first item that does not fit, the last item is always kept", () => {
    const s = new HeadTail<string>({ head: 5, tail: 4 });
    s.push("a", 2);
    s.push("b", 2);
    s.push("c", 2); // does not fit the head (6 > 5): the tail starts here
    s.push("d", 1); // would fit the head, but order is kept: tail
    expect(s.toArray()).toEqual(["a", "b", "c", "d"]);
    s.push("e", 9); // heavier than the tail: kept alone while it is the last
    expect(s.toArray(() => "|")).toEqual(["a", "b", "|", "e"]);
    expect(s.dropped).toBe(2);
    s.push("f", 1);
    expect(s.toArray(() => "|")).toEqual(["a", "b", "|", "f"]);
    expect([s.firstDropped, s.lastDropped, s.dropped]).toEqual(["c", "e", 3]);
  });

  it("holds at most head + tail items of cost 1 however many are pushed", () => {
    const s = new HeadTail<number>({ head: 100, tail: 1000 });
    for (let i = 0; i < 1_000_000; i++) s.push(i);
    expect(s.kept).toBe(1100);
    const kept = s.toArray(() => -1);
    expect(kept.slice(99, 102)).toEqual([99, -1, 999_000]);
    expect(kept.at(-1)).toBe(999_999);
  });
});

describe("KernelLog keeps a bounded log", () => {
  const small: LogLimits = { lines: { head: 2, tail: 3 }, events: { head: 4, tail: 6 } };

  it("printk lines: the first and the last, a marker line saying how many are not kept", () => {
    const log = new KernelLog(new SimClock(), small);
    log.recordEvents = false;
    for (const i of range(1, 10)) log.printk(`line ${i}\n`);
    expect(log.lines).toEqual([
      "line 1",
      "line 2",
      "[oomlab: 5 kernel log lines not kept here; the log keeps its first 2 and its last 3 lines]",
      "line 8",
      "line 9",
      "line 10",
    ]);
    expect(log.droppedLines).toBe(5);
    expect(droppedLinesMarker(1, small.lines)).toMatch(/^\[oomlab: 1 kernel log line not kept here;/);
  });

  it("events: an events-dropped event at the first dropped event's time, with the count and the last time", () => {
    const clock = new SimClock();
    const log = new KernelLog(clock, small);
    for (const order of range(0, 19)) {
      clock.nowMs = order * 10;
      log.event("kswapd-run", { order });
    }
    const kept = log.events;
    expect(kept.map((e) => (e.kind === "kswapd-run" ? e.order : e.kind))).toEqual([
      0,
      1,
      2,
      3,
      "events-dropped",
      ...range(14, 19),
    ]);
    expect(eventsOfKind(kept, "events-dropped")).toEqual([{ t: 40, kind: "events-dropped", count: 10, lastT: 130 }]);
    expect(log.droppedEvents).toBe(10);
  });

  it("an event weighs one unit plus the items of its lists (an OOM event lists every task)", () => {
    const log = new KernelLog(new SimClock(), { lines: small.lines, events: { head: 10, tail: 10 } });
    const candidates = range(1, 9).map((pid) => ({ pid, comm: "t", points: pid }));
    log.event("oom-panic", { candidates }); // 10 units: fills the head
    log.event("kswapd-run", { order: 0 }); // tail
    expect(log.droppedEvents).toBe(0);
    log.event("oom-panic", { candidates }); // the tail holds 11 units: the first tail event goes
    expect(log.events.map((e) => e.kind)).toEqual(["oom-panic", "events-dropped", "oom-panic"]);
  });

  it("the defaults hold the seed replay whole; scaled limits hold OOM events of a large task list", () => {
    expect(DEFAULT_LOG_LIMITS.events.head).toBeGreaterThan(34_562); // the seed's units
    expect(scaledLogLimits(100).events).toEqual(DEFAULT_LOG_LIMITS.events);
    expect(scaledLogLimits(200_000).events.tail).toBeGreaterThanOrEqual(4 * 200_001);
  });
});
