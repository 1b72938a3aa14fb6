// The ftrace kmem parser (parse/ftrace.ts) on lines written from the 6.18 TP_printk formats
// (include/trace/events/kmem.h) and the trace context (kernel/trace/trace_output.c), the gfp text of
// show_gfp_flags, warnings, and properties: formatted events read back as they were, damage never throws.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FtraceParser,
  gfpFromTrace,
  gfpToTrace,
  LineSplitter,
  MAX_LINE_CHARS,
  MAX_OTHER_NAMES,
  OTHER_NAMES_REST,
  parseFtrace,
  type KmemEvent,
} from "../../bindings/parse/ftrace.js";
import { MAX_WARNINGS } from "../../bindings/parse/warnings.js";
import { gfpBitsFor } from "../../bindings/include/linux/gfp.js";
import { traceStatsSync } from "../../bindings/analyse/trace_stats.js";
import { parseBuddyinfo, parsePagetypeinfo, parseZoneinfo } from "../../bindings/parse/proc.js";

// Lines as 6.18 prints them (from the shared capture 6.18-anon-pagecache-1, and the formats).
const ALLOC =
  "            bash-19700   [000] .....  1552.974507: mm_page_alloc: page=00000000b90c584d pfn=0x10a29c " +
  "order=1 migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP";
const FREE =
  "         python3-19710   [001] ...1.  1552.974846: mm_page_free: page=000000006d0ee1f5 pfn=0x105da8 order=1";
const BATCHED =
  "         python3-19710   [001] ...4.  1552.975781: mm_page_free_batched: page=00000000b9444293 pfn=0x11d2cb order=0";
const EXTFRAG =
  "         python3-19710   [001] d..3.  1554.489017: mm_page_alloc_extfrag: page=000000009eee53b2 pfn=0x32d400 " +
  "alloc_order=0 fallback_order=10 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 " +
  "change_ownership=1";

const one = (line: string) => {
  const p = new FtraceParser();
  return { event: p.line(line), summary: p.summary() };
};

describe("the four kmem events (include/trace/events/kmem.h, 6.18)", () => {
  it('mm_page_alloc: "page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s"', () => {
    const { event, summary } = one(ALLOC);
    // GFP_KERNEL_ACCOUNT = GFP_KERNEL|__GFP_ACCOUNT; with __GFP_ZERO and __GFP_COMP
    const b = gfpBitsFor("6.18");
    const mask = b.GFP_KERNEL | b.__GFP_ACCOUNT | b.__GFP_ZERO | b.__GFP_COMP;
    expect(event).toEqual({
      event: "mm_page_alloc",
      line: 1,
      task: "bash",
      pid: 19700,
      cpu: 0,
      flags: ".....",
      time: 1552.974507,
      page: "00000000b90c584d",
      pfn: 0x10a29c,
      order: 1,
      migratetype: 0,
      gfpText: "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP",
      gfp: mask,
    });
    expect(summary.warnings).toEqual([]);
  });

  it('mm_page_free: "page=%p pfn=0x%lx order=%d"', () => {
    expect(one(FREE).event).toEqual({
      event: "mm_page_free",
      line: 1,
      task: "python3",
      pid: 19710,
      cpu: 1,
      flags: "...1.",
      time: 1552.974846,
      page: "000000006d0ee1f5",
      pfn: 0x105da8,
      order: 1,
    });
  });

  it('mm_page_free_batched: "page=%p pfn=0x%lx order=0"', () => {
    expect(one(BATCHED).event).toMatchObject({ event: "mm_page_free_batched", pfn: 0x11d2cb, order: 0, cpu: 1 });
    // the format prints a literal order=0: anything else is not this event
    const { event, summary } = one(BATCHED.replace("order=0", "order=1"));
    expect(event).toBeNull();
    expect(summary.warnings[0].message).toContain('do not read as "page=%p pfn=0x%lx order=0"');
  });

  it("mm_page_alloc_extfrag: every field, fragmenting = fallback_order < pageblock_order as printed", () => {
    expect(one(EXTFRAG).event).toEqual({
      event: "mm_page_alloc_extfrag",
      line: 1,
      task: "python3",
      pid: 19710,
      cpu: 1,
      flags: "d..3.",
      time: 1554.489017,
      page: "000000009eee53b2",
      pfn: 0x32d400,
      allocOrder: 0,
      fallbackOrder: 10,
      pageblockOrder: 9,
      allocMigratetype: 0,
      fallbackMigratetype: 1,
      fragmenting: false, // 10 < 9 is false
      changeOwnership: true,
    });
  });

  it("context variants: no flags column (irq-info off), a (TGID) column, comms with '-' and spaces, CRLF", () => {
    const noFlags = one("  kworker/u4:2-123   [001]  17.000001: mm_page_free: page=0000000000000001 pfn=0x1 order=0");
    expect(noFlags.event).toMatchObject({ task: "kworker/u4:2", pid: 123, cpu: 1, flags: null, time: 17.000001 });
    const tgid = one(
      " systemd-journal-412 (  412) [000] d..1. 5.5: mm_page_free: page=0000000000000001 pfn=0x2 order=3",
    );
    expect(tgid.event).toMatchObject({ task: "systemd-journal", pid: 412, order: 3, pfn: 2 });
    const spaces = one("Web Content-9 [1] ....  1.0: mm_page_free: page=0000000000000001 pfn=0x2 order=0\r");
    expect(spaces.event).toMatchObject({ task: "Web Content", pid: 9, cpu: 1 });
    expect(
      one("<idle>-0 [000] ..s1. 3.25: mm_page_free_batched: page=00000000deadbeef pfn=0xff order=0").event,
    ).toMatchObject({ task: "<idle>", pid: 0, pfn: 255 });
    // extfrag without a flags column, through the slow path
    const ext = one(EXTFRAG.replace(" d..3. ", " "));
    expect(ext.event).toMatchObject({ event: "mm_page_alloc_extfrag", flags: null, fallbackOrder: 10 });
  });

  it("comments and blank lines are skipped; other events are counted by name", () => {
    const lines = [
      "# tracer: nop",
      "#",
      "",
      "   bash-1 [000] ..... 1.000000: mm_page_alloc_zone_locked: page=0000000000000001 pfn=0x1 order=0 " +
        "migratetype=1 percpu_refill=1",
      ALLOC,
    ];
    const gen = parseFtrace(lines);
    const events: KmemEvent[] = [];
    let r = gen.next();
    while (!r.done) {
      events.push(r.value);
      r = gen.next();
    }
    expect(events.map((e) => [e.event, e.line])).toEqual([["mm_page_alloc", 5]]);
    expect(r.value).toEqual({
      lines: 5,
      comments: 3,
      otherEvents: { mm_page_alloc_zone_locked: 1 },
      malformed: 0,
      warnings: [],
    });
  });

  it("a failed allocation (pfn -1UL prints page NULL, pfn=0x0) is an event, counted apart in the stats", () => {
    const line = ALLOC.replace("page=00000000b90c584d pfn=0x10a29c", "page=0000000000000000 pfn=0x0");
    const s = traceStatsSync([line, ALLOC]);
    expect(s.counts.mm_page_alloc).toBe(2);
    expect(s.failedAllocs).toBe(1);
  });
});

describe("gfp_flags: show_gfp_flags text and the 6.18 mask", () => {
  // Every distinct gfp_flags text of the two shared 6.18 captures.
  const SEEN = [
    "GFP_HIGHUSER_MOVABLE|__GFP_COMP",
    "GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP",
    "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP",
    "GFP_NOFS|__GFP_RECLAIMABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
    "GFP_NOWAIT",
    "GFP_NOWAIT|__GFP_RECLAIMABLE|__GFP_NORETRY|__GFP_COMP",
    "GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
    "GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_HARDWALL",
    "GFP_HIGHUSER|__GFP_ACCOUNT",
    "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
    "GFP_NOWAIT|__GFP_NORETRY|__GFP_COMP|__GFP_THISNODE",
    "GFP_NOFS|__GFP_COMP",
    "__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC",
    "GFP_NOFS|__GFP_MOVABLE|__GFP_NOFAIL|__GFP_COMP|__GFP_HARDWALL",
    "GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_COMP",
    "__GFP_RECLAIMABLE|__GFP_IO|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC",
    "GFP_NOFS|__GFP_NOFAIL|__GFP_COMP|__GFP_HARDWALL",
  ];

  it("every text the captures hold names a 6.18 mask that prints back as the same text (%pGg order)", () => {
    for (const t of SEEN) {
      const mask = gfpFromTrace(t);
      expect(mask, t).not.toBeNull();
      expect(gfpToTrace(mask as number)).toBe(t);
    }
  });

  it('"none" is 0 (show_gfp_flags), leftover bits are hex, an unknown name gives null (the text is kept)', () => {
    expect(gfpFromTrace("none")).toBe(0);
    expect(gfpToTrace(0)).toBe("none");
    const b = gfpBitsFor("6.18");
    expect(gfpFromTrace("GFP_NOWAIT|0x80000000")).toBe((b.GFP_NOWAIT | 0x80000000) >>> 0);
    const { event } = one(ALLOC.replace("gfp_flags=GFP_KERNEL_ACCOUNT", "gfp_flags=GFP_TEMPORARY"));
    expect(event).toMatchObject({ gfpText: "GFP_TEMPORARY|__GFP_ZERO|__GFP_COMP", gfp: null });
  });
});

describe("warnings", () => {
  it("name the line and the expected format; orders above MAX_PAGE_ORDER 10 are refused", () => {
    const p = new FtraceParser();
    const lines = [
      "# header",
      "garbage",
      FREE.replace("order=1", "order=x"),
      FREE.replace("order=1", "order=11"),
      ALLOC.replace(" migratetype=0", ""),
      FREE,
    ];
    const got = lines.map((l) => p.line(l));
    expect(got.map((e) => e?.event ?? null)).toEqual([null, null, null, null, null, "mm_page_free"]);
    const s = p.summary();
    expect(s.malformed).toBe(4);
    expect(s.warnings.map((w) => w.line)).toEqual([2, 3, 4, 5]);
    expect(s.warnings[0].message).toBe('not an ftrace event line: "garbage"');
    expect(s.warnings[1].message).toContain('do not read as "page=%p pfn=0x%lx order=%d"');
    expect(s.warnings[2].message).toBe("mm_page_free order 11 is above MAX_PAGE_ORDER 10");
    expect(s.warnings[3].message).toContain("migratetype=%d gfp_flags=%s");
    // a machine with CONFIG_ARCH_FORCE_MAX_ORDER: the limit is an option
    expect(new FtraceParser({ maxPageOrder: 12 }).line(FREE.replace("order=1", "order=11"))).toMatchObject({
      order: 11,
    });
  });

  it(`keep the first MAX_WARNINGS (${MAX_WARNINGS}) and count the rest`, () => {
    const p = new FtraceParser();
    for (let i = 0; i < 1000; i++) p.line(`bad ${i}`);
    const s = p.summary();
    expect(s.warnings.length).toBe(MAX_WARNINGS);
    expect(s.warnings[0].line).toBe(1);
    expect(s.warningsOmitted).toBe(1000 - MAX_WARNINGS);
    expect(s.malformed).toBe(1000);
  });

  it(`other event names: at most ${MAX_OTHER_NAMES} kept, the rest under "${OTHER_NAMES_REST}"`, () => {
    const p = new FtraceParser();
    for (let i = 0; i < 100; i++) p.line(`a-1 [000] .... 1.0: ev${i}: x=1`);
    const other = p.summary().otherEvents;
    expect(Object.keys(other).length).toBe(MAX_OTHER_NAMES + 1);
    expect(other[OTHER_NAMES_REST]).toBe(100 - MAX_OTHER_NAMES);
  });
});

describe("LineSplitter", () => {
  it("joins lines across chunks and keeps the last unfinished one until end()", () => {
    const s = new LineSplitter();
    expect(s.push("a\nb")).toEqual(["a"]);
    expect(s.push("c\n\nd")).toEqual(["bc", ""]);
    expect(s.end()).toEqual(["d"]);
    expect(s.end()).toEqual([]);
  });

  it(`cuts a line longer than MAX_LINE_CHARS (${MAX_LINE_CHARS}): input without line feeds stays bounded`, () => {
    const s = new LineSplitter();
    for (let i = 0; i < 10; i++) s.push("x".repeat(MAX_LINE_CHARS));
    expect(s.end()[0].length).toBe(MAX_LINE_CHARS);
  });
});

describe("properties", () => {
  const b = gfpBitsFor("6.18");
  const single = Object.entries(b)
    .filter(([n]) => n.startsWith("__GFP_"))
    .map(([, v]) => v);
  const arbEvent = fc.record({
    task: fc.stringMatching(/^[a-zA-Z0-9_/:. -]{0,14}[a-zA-Z0-9_/:.]$/),
    pid: fc.integer({ min: 0, max: 4194304 }),
    cpu: fc.integer({ min: 0, max: 4095 }),
    flags: fc.option(fc.stringMatching(/^[.dDNnhHsSbB0-9]{5}$/), { nil: null }),
    usec: fc.integer({ min: 0, max: 10 ** 12 }),
    pfn: fc.integer({ min: 0, max: 2 ** 40 }),
    order: fc.integer({ min: 0, max: 10 }),
    migratetype: fc.integer({ min: 0, max: 5 }),
    gfp: fc.subarray(single).map((bits) => bits.reduce((m, v) => (m | v) >>> 0, 0)),
    kind: fc.constantFrom("mm_page_alloc", "mm_page_free", "mm_page_free_batched"),
  });

  it("an event formatted as 6.18 prints it reads back as the same event", () => {
    fc.assert(
      fc.property(arbEvent, (e) => {
        const time = `${Math.floor(e.usec / 1e6)}.${String(e.usec % 1e6).padStart(6, "0")}`;
        const ctx = `${e.task.padStart(16)}-${String(e.pid).padEnd(7)} [${String(e.cpu).padStart(3, "0")}] `;
        const head = `${ctx}${e.flags === null ? "" : e.flags + " "}${time.padStart(12)}: ${e.kind}: `;
        const pp = `page=00000000deadbeef pfn=0x${e.pfn.toString(16)}`;
        const order = e.kind === "mm_page_free_batched" ? 0 : e.order;
        const body =
          e.kind === "mm_page_alloc"
            ? `${pp} order=${order} migratetype=${e.migratetype} gfp_flags=${gfpToTrace(e.gfp)}`
            : `${pp} order=${order}`;
        const got = new FtraceParser().line(head + body);
        expect(got).toMatchObject({
          event: e.kind,
          task: e.task.trimStart(),
          pid: e.pid,
          cpu: e.cpu,
          flags: e.flags,
          time: Number(time),
          pfn: e.pfn,
          order,
        });
        if (got?.event === "mm_page_alloc") expect([got.migratetype, got.gfp]).toEqual([e.migratetype, e.gfp]);
      }),
      { numRuns: 500 },
    );
  });

  it("damaged lines (cut, spliced, random) never throw; each line is an event, a comment, other or malformed", () => {
    const real = [ALLOC, FREE, BATCHED, EXTFRAG];
    const damaged = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc
        .tuple(fc.constantFrom(...real), fc.nat(), fc.nat())
        .map(([l, a, c]) => l.slice(0, a % l.length) + l.slice(c % l.length)),
      fc
        .tuple(fc.constantFrom(...real), fc.nat(), fc.string({ maxLength: 8 }))
        .map(([l, at, s]) => l.slice(0, at % l.length) + s + l.slice(at % l.length)),
    );
    fc.assert(
      fc.property(fc.array(damaged, { maxLength: 30 }), (lines) => {
        const p = new FtraceParser();
        let events = 0;
        for (const l of lines) if (p.line(l)) events++;
        const s = p.summary();
        const other = Object.values(s.otherEvents).reduce((a, v) => a + v, 0);
        expect(events + s.comments + other + s.malformed).toBe(lines.length);
        expect(s.warnings.length).toBeLessThanOrEqual(MAX_WARNINGS);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("the captures' /proc files (before-* and after-*, for a pinned replay)", () => {
  const dir = (name: string) => new URL(`../fixtures/traces/${name}/`, import.meta.url);
  it.each(["6.18-anon-pagecache-1", "6.18-mixed-1"])("%s: buddyinfo, zoneinfo, pagetypeinfo parse cleanly", (name) => {
    for (const when of ["before", "after"]) {
      const read = (f: string) => readFileSync(new URL(`${when}-${f}`, dir(name)), "utf8");
      const b = parseBuddyinfo(read("buddyinfo"));
      expect(b.warnings, `${when}-buddyinfo`).toEqual([]);
      expect(b.zones.map((z) => z.name)).toEqual(["DMA", "DMA32", "Normal"]);
      expect(b.zones.every((z) => z.freeAreas.length === 11)).toBe(true); // orders 0..MAX_PAGE_ORDER 10
      expect(parseZoneinfo(read("zoneinfo")).warnings, `${when}-zoneinfo`).toEqual([]);
      const p = parsePagetypeinfo(read("pagetypeinfo"));
      expect(p.warnings, `${when}-pagetypeinfo`).toEqual([]);
      expect(p.pageblockOrder).toBe(9);
    }
  });
});
