// Round trip: every OOM report and page allocation failure report the 6.18 modules print, oomlab's
// own parser and `diagnose` read back with the order, the gfp mask, each printed zone's free, boost,
// min, low, high, lowmem_reserve and per-order counts (with their migratetype letters), and the
// victim that the inputs hold. A fast-check property over generated machines and task lists.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../../bindings/analyse/diagnose.js";
import { parseReports } from "../../../bindings/parse/reports.js";
import { ZONE_TYPES, type ZoneType } from "../../../bindings/include/linux/mmzone.js";
import { gfpZone } from "../../../bindings/include/linux/gfp.js";
import { nopageRatelimitState } from "../../../bindings/linux-6.18/lib/ratelimit.js";
import { WARN_ALLOC_STACK_KMALLOC } from "../../../bindings/linux-6.18/lib/dump_stack.js";
import { migrationTypes, type ShowMemState618 } from "../../../bindings/linux-6.18/mm/show_mem.js";
import { oomReapTask618, outOfMemory618, type OomTask618 } from "../../../bindings/linux-6.18/mm/oom_kill.js";
import { pageAllocFailureMessage, warnAlloc618 } from "../../../bindings/linux-6.18/mm/warn_alloc.js";
import { machine, mm, system, task, zone } from "./rig.js";

/** Masks a 6.18 kernel passes to the OOM killer or warn_alloc (all with __GFP_FS, so the OOM killer runs). */
const MASKS = [
  0xcc0, // GFP_KERNEL
  0x140dca, // GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP (an anonymous fault)
  0x100cca, // GFP_HIGHUSER_MOVABLE
  0x40cc0, // GFP_KERNEL|__GFP_COMP (kmalloc_large)
  0x400cc0, // GFP_KERNEL_ACCOUNT
  0xcc1, // GFP_KERNEL|GFP_DMA
  0xcc4, // GFP_KERNEL|GFP_DMA32
  0x1cca, // GFP_HIGHUSER_MOVABLE without HARDWALL, with __GFP_WRITE
];

const zoneArb = (type: ZoneType) =>
  fc
    .record({
      // at most 3000 >> order blocks of each order: zones diagnose rebuilds in the engine quickly
      nrFree: fc.tuple(...Array.from({ length: 11 }, (_, o) => fc.nat({ max: 3000 >> o }))),
      types: fc.array(fc.integer({ min: 1, max: 63 }), { minLength: 11, maxLength: 11 }),
      min: fc.nat({ max: 20000 }),
      dLow: fc.nat({ max: 5000 }),
      dHigh: fc.nat({ max: 5000 }),
      boost: fc.nat({ max: 4000 }),
      extra: fc.nat({ max: 100000 }),
      reserve: fc.array(fc.nat({ max: 50000 }), { minLength: 5, maxLength: 5 }),
      populated: fc.boolean(),
    })
    .map((g) => {
      const free = g.nrFree.reduce((s, n, o) => s + n * 2 ** o, 0);
      const present = type === "DMA" || g.populated ? free + g.extra + 1 : 0;
      const z = zone(
        type,
        present,
        Math.max(0, present - 100),
        present ? g.nrFree : [],
        { min: g.min, low: g.min + g.dLow, high: g.min + g.dLow + g.dHigh },
        { watermarkBoost: g.boost, lowmemReserve: g.reserve },
      );
      z.freeArea = z.freeArea.map((a, o) => ({ nrFree: a.nrFree, types: a.nrFree ? g.types[o] : 0 }));
      return z;
    });

const machineArb = fc
  .tuple(zoneArb("DMA"), zoneArb("DMA32"), zoneArb("Normal"))
  .map(([dma, dma32, normal]): ShowMemState618 => {
    const m = machine();
    const node = m.nodes[0];
    return { ...m, nodes: [{ ...node, zones: [dma, dma32, normal, node.zones[3]] }] };
  });

const commArb = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,14}$/);

const tasksArb = fc
  .array(
    fc.record({
      comm: commArb,
      anon: fc.nat({ max: 2_000_000 }),
      file: fc.nat({ max: 50_000 }),
      shmem: fc.nat({ max: 50_000 }),
      swap: fc.nat({ max: 500_000 }),
      pgtables: fc.nat({ max: 50_000_000 }),
      adj: fc.oneof(fc.constant(0), fc.integer({ min: -1000, max: 1000 })),
      uid: fc.nat({ max: 65535 }),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .map((rows) => {
    const ts: OomTask618[] = [task(1, "systemd", mm(100), { uid: 0 })];
    rows.forEach((r, i) => {
      ts.push(
        task(100 + i * 7, r.comm, mm(r.anon, r.file, r.shmem, r.swap, r.pgtables), { oomScoreAdj: r.adj, uid: r.uid }),
      );
    });
    ts.push(task(4194303, "last-resort", mm(1))); // PID_MAX_LIMIT - 1: always killable
    return ts;
  });

/** The zones show_mem prints for the mask: populated, zone index up to gfp_zone. */
const printedZones = (s: ShowMemState618, gfp: number) =>
  s.nodes[0].zones.filter(
    (z) => z.presentPages > 0 && ZONE_TYPES.indexOf(z.type) <= ZONE_TYPES.indexOf(gfpZone(gfp, "6.18")),
  );

function expectZones(
  got: ReturnType<typeof parseReports>["reports"][number]["zones"],
  s: ShowMemState618,
  gfp: number,
) {
  const want = printedZones(s, gfp);
  expect(got.map((z) => z.name)).toEqual(want.map((z) => z.type));
  got.forEach((g, i) => {
    const z = want[i];
    const b = z.watermarkBoost;
    expect([g.node, g.freeKb, g.boostKb, g.minKb, g.lowKb, g.highKb]).toEqual([
      0,
      z.freePages * 4,
      b * 4,
      (z.watermark.min + b) * 4,
      (z.watermark.low + b) * 4,
      (z.watermark.high + b) * 4,
    ]);
    expect(g.lowmemReserve).toEqual(z.lowmemReserve);
    expect(g.freeAreas).toEqual(z.freeArea.map((a) => a.nrFree));
    const letters = z.freeArea.map((a) => (a.nrFree ? migrationTypes(a.types).slice(1, -2) : ""));
    expect(g.migratetypes).toEqual(letters.some((l) => l) ? letters : null);
    expect([g.presentKb, g.managedKb]).toEqual([z.presentPages * 4, z.managedPages * 4]);
  });
}

describe("round trip through the parser and diagnose", () => {
  it("OOM reports: order, gfp mask, zones and victim come back", () => {
    fc.assert(
      fc.property(
        machineArb,
        tasksArb,
        fc.constantFrom(...MASKS),
        fc.integer({ min: 0, max: 3 }),
        fc.nat(),
        (mem, generated, gfp, order, pick) => {
          const ts = structuredClone(generated); // the OOM killer sets flags; shrinking replays the inputs
          const current = ts[1 + (pick % (ts.length - 1))];
          const s = system(ts, { current, showMem: mem });
          s.dumpStack.info = { ...s.dumpStack.info, pid: current.pid, comm: current.comm, euid: current.uid };
          const out = outOfMemory618(s, { gfpMask: gfp, order, nodemask: null });
          expect(out.exit).toBe("killed");
          // the reaper's line follows 2*HZ later
          const victim = ts.find((t) => t.pid === out.reaper?.pid);
          const anonAtKill = (ts.find((t) => t.pid === out.chosen?.pid)?.mm?.anonPages ?? 0) * 4;
          const reaped = victim ? oomReapTask618(victim, 4, 250).lines : [];
          const text = `${[...out.lines, ...reaped].join("\n")}\n`;
          const p = parseReports(text);
          expect(p.warnings).toEqual([]);
          expect(p.reports).toHaveLength(1);
          const r = p.reports[0];
          expect([r.kind, r.order, r.gfpMask, r.oomScoreAdj, r.kernelVersion]).toEqual([
            "oom",
            order,
            `0x${gfp.toString(16)}`,
            current.oomScoreAdj,
            "6.18.2",
          ]);
          expect(r.trigger).toEqual({ comm: current.comm, pid: current.pid });
          expectZones(r.zones, mem, gfp);
          const v = ts.find((t) => t.pid === out.chosen?.pid);
          expect(r.victim).toMatchObject({
            pid: v?.pid,
            comm: v?.comm,
            killed: true,
            reaped: reaped.length > 0,
            anonRssKb: anonAtKill,
            uid: v?.uid,
            oomScoreAdj: v?.oomScoreAdj,
          });
          expect(r.constraint).toMatchObject({ constraint: "CONSTRAINT_NONE", globalOom: true, pid: v?.pid });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("diagnose reads the same order, mask, zones and victim (and gives a verdict)", () => {
    fc.assert(
      fc.property(
        machineArb,
        tasksArb,
        fc.constantFrom(...MASKS),
        fc.integer({ min: 0, max: 3 }),
        (mem, generated, gfp, order) => {
          const ts = structuredClone(generated);
          const s = system(ts, { current: ts[1], showMem: mem });
          const out = outOfMemory618(s, { gfpMask: gfp, order, nodemask: null });
          const d = diagnose(`${out.lines.join("\n")}\n`).reports;
          expect(d).toHaveLength(1);
          expect([d[0].kind, d[0].order, d[0].gfpMask]).toEqual(["oom", order, `0x${gfp.toString(16)}`]);
          expect(d[0].victim).toMatchObject({ pid: out.chosen?.pid, comm: out.chosen?.comm });
          // the ranking rebuilt from the printed table agrees with the kernel model's choice, when the report's
          // RAM and swap give the kernel's totalpages (the rig's totalram is not the show_mem state's) or no
          // oom_score_adj makes it matter
          const k = d[0].victimRanking;
          const sameScale = k?.totalpages === out.totalpages || ts.every((t) => t.oomScoreAdj % 1000 === 0);
          if (out.chosen && sameScale) expect([k?.rank, k?.points]).toEqual([1, out.chosen.points]);
          const want = printedZones(mem, gfp);
          expect(d[0].zones.map((z) => [z.name, z.freeKb, z.minKb, z.lowKb, z.highKb, z.freeAreas])).toEqual(
            want.map((z) => [
              z.type,
              z.freePages * 4,
              (z.watermark.min + z.watermarkBoost) * 4,
              (z.watermark.low + z.watermarkBoost) * 4,
              (z.watermark.high + z.watermarkBoost) * 4,
              z.freeArea.map((a) => a.nrFree),
            ]),
          );
          expect(d[0].verdict?.cause).toBeTruthy();
        },
      ),
      { numRuns: 40 },
    );
  });

  it("page allocation failure reports: order, gfp mask and zones come back, no victim", () => {
    fc.assert(
      fc.property(
        machineArb,
        fc.constantFrom(...MASKS),
        fc.integer({ min: 0, max: 10 }),
        commArb,
        (mem, gfp, order, comm) => {
          const w = warnAlloc618({
            gfpMask: gfp,
            nodemask: null,
            message: pageAllocFailureMessage(order),
            comm,
            memsAllowed: [0],
            jiffies: 0,
            nopageRs: nopageRatelimitState(250),
            dumpStack: {
              info: {
                cpu: 0,
                euid: 0,
                pid: 77,
                comm,
                release: "6.18.2",
                version: "#1",
                preemptModel: "PREEMPT(voluntary)",
              },
              frames: WARN_ALLOC_STACK_KMALLOC,
            },
            showMem: mem,
          });
          const p = parseReports(`${w.lines.join("\n")}\n`);
          expect(p.warnings).toEqual([]);
          const r = p.reports[0];
          expect([p.reports.length, r.kind, r.order, r.gfpMask, r.victim]).toEqual([
            1,
            "alloc-failure",
            order,
            `0x${gfp.toString(16)}`,
            null,
          ]);
          expect(r.trigger).toEqual({ comm, pid: 77 });
          expectZones(r.zones, mem, gfp);
          const d = diagnose(`${w.lines.join("\n")}\n`).reports[0];
          expect([d.kind, d.order, d.gfpMask]).toEqual(["alloc-failure", order, `0x${gfp.toString(16)}`]);
        },
      ),
      { numRuns: 40 },
    );
  });
});
