// `oomlab trace stats` on the two real 6.18 captures (test/fixtures/traces/*/README.md give the counts),
// the same capture as .xz, .gz and plain text, exit statuses, and the in-process paths (readFile without
// readLines; xz decoded on the calling thread). The built CLI (dist/) is run as a process: it decodes .xz
// on its worker thread (cli/xz_worker.ts).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../bindings/cli/main.js";
import { compressionOf, fileLines } from "../../bindings/cli/text_lines.js";
import { traceStats } from "../../bindings/analyse/trace_stats.js";
import { memoryIo } from "../helpers.js";

const CLI = new URL("../../dist/bindings/cli/main.js", import.meta.url).pathname;
const trace = (name: string) => new URL(`../fixtures/traces/${name}/trace.txt.xz`, import.meta.url).pathname;
const BIG = trace("6.18-anon-pagecache-1");
const MIXED = trace("6.18-mixed-1");

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** An array of 11 counts (orders 0..10) from the orders a README lists. */
const byOrder = (counts: Record<number, number>) => Array.from({ length: 11 }, (_, k) => counts[k] ?? 0);

// 6.18-anon-pagecache-1/README.md: "1,260,870 events: 421,793 allocations, 421,840 frees, 417,235 batched
// frees, 2 extfrag events. Allocation orders: 0 (421,037), 1 (455), 2 (1), 8 (300). Migratetypes: 0 (2,479),
// 1 (417,572), 2 (1,742)." 421,793 + 421,840 + 417,235 + 2 = 1,260,870; 421,037 + 455 + 1 + 300 = 421,793.
const BIG_COUNTS = {
  events: 1_260_870,
  mm_page_alloc: 421_793,
  mm_page_free: 421_840,
  mm_page_free_batched: 417_235,
  mm_page_alloc_extfrag: 2,
  allocByOrder: byOrder({ 0: 421_037, 1: 455, 2: 1, 8: 300 }),
  // frees by order are not in the README; order 0 holds the 417,235 batched frees: 838,324 - 417,235 =
  // 421,089 mm_page_free of order 0, and 421,089 + 451 + 300 = 421,840 mm_page_free events
  freeByOrder: byOrder({ 0: 838_324, 1: 451, 8: 300 }),
  allocByMigratetype: { "0": 2_479, "1": 417_572, "2": 1_742 },
};

// 6.18-mixed-1/README.md: "95,355 events: 38,962 allocations, 29,882 frees, 26,511 batched frees. Allocation
// orders: 0 (38,014), 1 (139), 2 (604), 3 (2), 4 (3), 8 (200)." (extfrag enabled, none fired)
// 38,962 + 29,882 + 26,511 = 95,355; 38,014 + 139 + 604 + 2 + 3 + 200 = 38,962.
const MIXED_COUNTS = {
  events: 95_355,
  mm_page_alloc: 38_962,
  mm_page_free: 29_882,
  mm_page_free_batched: 26_511,
  mm_page_alloc_extfrag: 0,
  allocByOrder: byOrder({ 0: 38_014, 1: 139, 2: 604, 3: 2, 4: 3, 8: 200 }),
  // not in the README: 56,061 - 26,511 = 29,550 order-0 frees; 29,550 + 131 + 1 + 200 = 29,882
  freeByOrder: byOrder({ 0: 56_061, 1: 131, 2: 1, 8: 200 }),
  // not in the README: 1,842 + 35,830 + 1,290 = 38,962
  allocByMigratetype: { "0": 1_842, "1": 35_830, "2": 1_290 },
};

describe("oomlab trace stats on the shared 6.18 captures", () => {
  it("6.18-anon-pagecache-1: the README's counts, keys in the documented order", () => {
    const r = cli("trace", "stats", BIG, "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(JSON.stringify(BIG_COUNTS) + "\n");
  });

  it("6.18-mixed-1: the README's counts", () => {
    const r = cli("trace", "stats", MIXED, "--json");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(MIXED_COUNTS);
  });

  it("the text table", () => {
    const r = cli("trace", "stats", MIXED);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("95,355 kmem events over 0.915209 s");
    expect(r.stdout).toMatch(/^mm_page_free_batched +26,511$/m);
    expect(r.stdout).toMatch(/^2 +604 +1$/m);
    expect(r.stdout).toMatch(/^1 +Movable +35,830$/m);
  });
});

describe("compressed and plain inputs", () => {
  let dir = "";
  let plain = "";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "oomlab-trace-"));
    const lines: string[] = [];
    for await (const batch of fileLines(MIXED, { xzWorker: false })) lines.push(...batch);
    plain = lines.join("\n") + "\n";
    writeFileSync(join(dir, "trace.txt"), plain);
    writeFileSync(join(dir, "trace.txt.gz"), gzipSync(plain));
    writeFileSync(join(dir, "renamed.txt"), gzipSync(plain)); // told by its bytes, not its name
    writeFileSync(join(dir, "damaged.xz"), readFileSync(MIXED).subarray(0, 100_000));
    writeFileSync(join(dir, "empty.txt"), "");
    writeFileSync(join(dir, "notes.txt"), "hello\nworld\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the first bytes tell the compression", () => {
    expect(compressionOf(readFileSync(MIXED))).toBe("xz");
    expect(compressionOf(gzipSync("x"))).toBe("gzip");
    expect(compressionOf(new TextEncoder().encode("# tracer"))).toBe("none");
  });

  it(".gz, plain and .xz give the same stats (the README's)", () => {
    for (const f of ["trace.txt", "trace.txt.gz", "renamed.txt"]) {
      const r = cli("trace", "stats", join(dir, f), "--json");
      expect(r.status, f).toBe(0);
      expect(JSON.parse(r.stdout), f).toEqual(MIXED_COUNTS);
    }
  });

  it("in-process: xz on the calling thread, and a CliIo without readLines (the text split)", async () => {
    expect((await traceStats(fileLines(MIXED, { xzWorker: false }))).counts).toEqual(MIXED_COUNTS);
    const io = memoryIo({ t: plain });
    expect(await main(["trace", "stats", "t", "--json"], io)).toBe(0);
    expect(JSON.parse(io.stdout)).toEqual(MIXED_COUNTS);
  });

  it("exit 2: a missing file, a damaged .xz, an empty file, a file that is no capture", () => {
    const missing = cli("trace", "stats", join(dir, "nope.xz"));
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringContaining("cannot read")]);
    const damaged = cli("trace", "stats", join(dir, "damaged.xz"));
    expect([damaged.status, damaged.stderr]).toEqual([2, expect.stringContaining("cannot decompress (xz)")]);
    const empty = cli("trace", "stats", join(dir, "empty.txt"));
    expect([empty.status, empty.stderr]).toEqual([2, expect.stringContaining("is not an ftrace capture: it is empty")]);
    const notes = cli("trace", "stats", join(dir, "notes.txt"), "--json");
    expect(notes.status).toBe(2);
    expect(notes.stderr).toContain('2 lines, none an ftrace event line (line 1: not an ftrace event line: "hello")');
    expect(notes.stdout).toBe("");
    expect(cli("trace", "stats").status).toBe(2);
  });

  it("damaged lines among events: counted, warned about on stderr with file:line, exit 0", async () => {
    const text = plain.split("\n").slice(0, 20);
    text.splice(15, 0, "garbage line");
    const io = memoryIo({ t: text.join("\n") });
    expect(await main(["trace", "stats", "t", "--json"], io)).toBe(0);
    expect(io.stderr).toBe('oomlab: t:16: not an ftrace event line: "garbage line"\n');
    // the capture's first 20 lines: 12 comment lines and 8 events; the garbage is inserted as line 16
    expect(JSON.parse(io.stdout).events).toBe(8);
  });

  it("help lists the command and its JSON shape", () => {
    const r = cli("trace", "stats", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: oomlab trace stats FILE [options]");
    expect(r.stdout).toContain("a batched free counts as order 0");
  });
});
