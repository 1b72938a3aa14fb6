// Machine lifecycle: dispose() gives the engine instance back to a pool, and from then on every call
// on the disposed machine throws OOMLAB_DISPOSED, so a pooled instance is never reachable from two live
// machines (create and fork both take instances from the pool).

import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { Machine, OomlabError, resolveMachine, type BatchOp } from "../../bindings/index.js";
import { instantiate, release } from "../../bindings/engine/wasm.js";
import { oneZone } from "../helpers.js";

const SPEC = oneZone("6.18", 4096, { minFreeKbytes: 0 });
const OWNER = 7;

/** The public instance members of Machine, read from its source, so a member added later is covered
 *  (or this test names it). */
function publicMembers(): { methods: string[]; getters: string[]; fields: string[] } {
  const file = new URL("../../bindings/engine/machine.ts", import.meta.url);
  const sf = ts.createSourceFile("machine.ts", readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const cls = sf.statements.find(
    (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === "Machine",
  );
  if (!cls) throw new Error("no class Machine in bindings/engine/machine.ts");
  const out = { methods: [] as string[], getters: [] as string[], fields: [] as string[] };
  for (const member of cls.members) {
    const mods = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
    const hidden = [ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword, ts.SyntaxKind.StaticKeyword];
    if (mods.some((m) => hidden.includes(m.kind)) || !member.name || !ts.isIdentifier(member.name)) continue;
    const name = member.name.text;
    if (ts.isMethodDeclaration(member)) out.methods.push(name);
    else if (ts.isGetAccessorDeclaration(member)) out.getters.push(name);
    else if (ts.isPropertyDeclaration(member)) out.fields.push(name);
  }
  return out;
}

/** Arguments each public method would accept on a live machine (slot 2 is node 0's Normal zone). */
function callsOn(pfn: number): Record<string, unknown[]> {
  const slot = 2;
  return {
    fork: [],
    zone: [slot],
    setWatermarks: [slot, { min: 1, low: 2, high: 3 }],
    zonelistId: [0, 2],
    alloc: [{ order: 10 }],
    lastZoneSlot: [],
    free: [pfn],
    setOwner: [pfn, OWNER + 1],
    allocAllOrder0: [slot],
    freeRange: [pfn, 1],
    freeStrided: [pfn, 1, 1, 1],
    blockAt: [pfn],
    setMovable: [pfn, true],
    isMovable: [pfn],
    pageblockSkip: [pfn],
    setPageblockSkip: [pfn, true],
    compactZone: [slot, { order: 2, mode: "async" }],
    compactCache: [slot],
    resetIsolationSuitable: [slot],
    setCompactBlockskipFlush: [slot, true],
    unreserveHighatomic: [slot, 1, true],
    freeOwner: [OWNER],
    ownerPages: [OWNER],
    ownerBlocks: [OWNER],
    batch: [[{ op: "alloc", req: { order: 10 } }] satisfies BatchOp[]],
    watermarkOk2611: [slot, 0, 0, 2, false, false],
    watermarkOk618: [slot, 0, 0, 2, 0],
    counters: [slot],
    stats: [slot],
    allStats: [],
    pageblockTypes: [],
    snapshot: [],
    checkInvariants: [],
    setCpu: [0],
    drainAllPages: [],
    setReclaimActive: [slot, true],
    decayPcpHigh: [],
    setZonePcp: [slot, { batch: 1, highMin: 4, highMax: 4 }],
    pcpState: [slot],
  };
}

/** The error code f throws, "no error" if it returns. */
function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof OomlabError ? e.code : `${(e as Error).name}: ${(e as Error).message}`;
  }
  return "no error";
}

describe("a disposed machine throws OOMLAB_DISPOSED on every call", () => {
  const members = publicMembers();

  it("the table of calls covers every public method of Machine", () => {
    const table = Object.keys(callsOn(0));
    expect(table.sort()).toEqual(members.methods.filter((n) => n !== "dispose").sort());
    expect(members.getters.sort()).toEqual([
      "build",
      "cpu",
      "disposed",
      "engineAbi",
      "engineExports",
      "engineViews",
      "hasPcp",
    ]);
    // The description is plain data, not the engine: it stays readable.
    expect(members.fields).toEqual(["machine"]);
  });

  it("after dispose() and a create() that reuses its engine, no call reaches the new machine's pages", () => {
    const m1 = Machine.create(SPEC);
    const pfn = m1.alloc({ order: 3, owner: OWNER });
    const engine = m1.engineExports;
    m1.dispose();
    expect(m1.disposed).toBe(true);
    const m2 = Machine.create(SPEC);
    // The case of the issue: m2 runs on the very instance m1 held.
    expect(m2.engineExports).toBe(engine);
    const fresh = Machine.create(SPEC);
    const calls = callsOn(pfn);
    const outcomes = Object.entries(calls).map(([name, args]) => {
      const method = (m1 as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      return { name, code: codeOf(() => method.apply(m1, args)) };
    });
    expect(outcomes).toEqual(Object.keys(calls).map((name) => ({ name, code: "OOMLAB_DISPOSED" })));
    for (const getter of members.getters.filter((g) => g !== "disposed")) {
      expect({ getter, code: codeOf(() => (m1 as unknown as Record<string, unknown>)[getter]) }).toEqual({
        getter,
        code: "OOMLAB_DISPOSED",
      });
    }
    expect(() => m1.alloc({ order: 10 })).toThrow("this machine was disposed");
    // m2 is untouched: the same state as a machine no one else has held.
    expect(m2.snapshot()).toEqual(fresh.snapshot());
    expect(m2.stats(2).freePages).toBe(4096);
    expect(m2.disposed).toBe(false);
    m2.checkInvariants();
  });

  it("dispose() twice gives the instance back once: two later machines get two instances", () => {
    const m = Machine.create(SPEC);
    m.dispose();
    m.dispose();
    const a = Machine.create(SPEC);
    const b = Machine.create(SPEC);
    expect(a.engineExports).not.toBe(b.engineExports);
    a.alloc({ order: 10 });
    expect(b.stats(2).freePages).toBe(4096);
  });

  it("an instance given back twice to the pool is handed out once", () => {
    const inst = instantiate("release");
    release(inst);
    release(inst);
    const a = instantiate("release");
    const b = instantiate("release");
    expect(a).toBe(inst);
    expect(b).not.toBe(inst);
  });
});

describe("fork and the pool", () => {
  it("a disposed machine cannot be forked", () => {
    const m = Machine.create(SPEC);
    m.dispose();
    expect(codeOf(() => m.fork())).toBe("OOMLAB_DISPOSED");
  });

  it("a fork never shares an instance with a live machine, and outlives its origin's dispose()", () => {
    const origin = Machine.create(SPEC);
    origin.alloc({ order: 5, owner: OWNER });
    const twin = origin.fork();
    expect(twin.engineExports).not.toBe(origin.engineExports);
    const originEngine = origin.engineExports;
    const twinState = twin.snapshot();
    origin.dispose();
    // The next machine and the next fork take the pooled instance, never the twin's.
    const next = Machine.create(SPEC);
    expect(next.engineExports).toBe(originEngine);
    const nextTwin = next.fork();
    for (const e of [next.engineExports, originEngine]) expect(nextTwin.engineExports).not.toBe(e);
    expect(nextTwin.engineExports).not.toBe(twin.engineExports);
    next.alloc({ order: 10, owner: OWNER });
    nextTwin.alloc({ order: 10, owner: OWNER });
    expect(twin.snapshot()).toEqual(twinState);
    expect(twin.ownerPages(OWNER)).toBe(32);
    // A fork disposed is disposed alone.
    twin.dispose();
    expect(codeOf(() => twin.ownerPages(OWNER))).toBe("OOMLAB_DISPOSED");
    expect(next.ownerPages(OWNER)).toBe(1024);
  });
});

describe("a pooled instance after a compaction pass that moved nothing", () => {
  it("is reset and reused: the empty move log, which starts past the end of memory, is not marked dirty", () => {
    // 16384 pages: the move log would start at scratch + 16384 * 5 bytes (past the churn's live set),
    // beyond the instance's memory; a pass that moves nothing never grows memory there, so the reset
    // must not clear up to it (it trapped: memory access out of bounds)
    const spec = oneZone("6.18", 16384);
    const m = Machine.create(spec);
    const slot = m.zone("Normal").slot;
    m.allocAllOrder0(slot, 0); // every page unmovable: nothing to migrate
    for (let p = 0; p < 16384; p += 2) m.free(p);
    const r = m.compactZone(slot, { order: 4, mode: "sync", wholeZone: true, ignoreSkipHint: true });
    expect(r.moves.length).toBe(0);
    const engine = m.engineExports;
    m.dispose();
    const next = Machine.create(spec);
    expect(next.engineExports).toBe(engine); // the pooled instance, reset
    expect(next.alloc({ order: 10 })).toBe(0);
    next.dispose();
  });
});

describe("a machine the engine refuses at boot", () => {
  it("gives its engine instance back: the next machine reuses it", () => {
    // A resolved description is taken as it is (Machine.create skips resolveMachine's checks for
    // it): two zones moved onto each other pass to the engine, whose zoneInit refuses the overlap.
    const two = resolveMachine({
      era: "6.18",
      minFreeKbytes: 0,
      nodes: [
        {
          zones: [
            { type: "DMA32", startPfn: 0, spannedPages: 4096 },
            { type: "Normal", startPfn: 4096, spannedPages: 4096 },
          ],
        },
      ],
    });
    const overlapping = structuredClone(two);
    const normal = overlapping.zones.find((z) => z.type === "Normal");
    if (!normal) throw new Error("no Normal zone");
    normal.startPfn = 2048;
    const first = Machine.create(SPEC);
    const instance = first.engineExports;
    first.dispose();
    let code = "no error";
    try {
      Machine.create(overlapping); // takes the pooled instance, then zoneInit refuses the overlap
    } catch (e) {
      code = (e as OomlabError).code;
    }
    expect(code).toBe("OOMLAB_OVERLAPPING_ZONES");
    const next = Machine.create(SPEC);
    expect(next.engineExports).toBe(instance); // before: a fresh instance, the refused one leaked
    next.dispose();
  });
});
