// The command line: pure argument parsing, exit codes, every command's module, and the built CLI in a
// fresh process.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMAND_MODULES, main, type CliIo } from "../../bindings/cli/main.js";
import { COMMANDS, parseArgs } from "../../bindings/cli/args.js";

function io(files: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
  const o = {
    stdout: "",
    stderr: "",
    out(t: string) {
      o.stdout += t;
    },
    err(t: string) {
      o.stderr += t;
    },
    async readFile(p: string) {
      if (!(p in files)) throw Object.assign(new Error(`cannot read ${p}`), { code: "OOMLAB_USAGE" });
      return files[p];
    },
  };
  return o;
}

describe("parseArgs", () => {
  it("reads commands, typed options and defaults", () => {
    const a = parseArgs(["bench", "churn", "--seed", "0xdeadbeef", "--log2-pages=16", "--ops", "1_000", "--json"]);
    expect(a.command?.path).toEqual(["bench", "churn"]);
    expect(a.options).toMatchObject({
      seed: 0xdeadbeef,
      "log2-pages": 16,
      ops: 1000,
      json: true,
      engine: "wasm",
      chunk: 100000,
    });
  });

  it.each([
    [["bench", "churn", "--seed"], "--seed needs a value"],
    [["bench", "churn", "--seed", "x"], "--seed needs an integer, got 'x'"],
    [["bench", "churn", "--seed", "0"], "--seed 0 is out of range"],
    [["bench", "churn", "--log2-pages", "25"], "--log2-pages 25 is out of range 10 to 24"],
    [["bench", "churn", "--engine", "c"], "--engine must be one of wasm, reference, got 'c'"],
    [["bench", "churn", "--frobnicate"], "unknown option --frobnicate for 'bench churn'"],
    [["bench", "walk"], "unknown command 'bench walk'"],
    [["machine"], "'machine' takes FILE.json, got none"],
    [["demo", "extra"], "'demo' takes no arguments, got 'extra'"],
    [["demo", "--json=yes"], "--json takes no value"],
  ])("rejects %j: %s", (argv, msg) => {
    expect(() => parseArgs(argv)).toThrow(msg);
  });
});

describe("main: exit codes and output", () => {
  it("prints help with status 0, and 2 without a command", async () => {
    const a = io();
    expect(await main(["--help"], a)).toBe(0);
    expect(a.stdout).toContain("Usage: oomlab <command>");
    const b = io();
    expect(await main([], b)).toBe(2);
    const c = io();
    expect(await main(["bench", "churn", "--help"], c)).toBe(0);
    expect(c.stdout).toContain("--log2-pages <n>");
    const r = io();
    expect(await main(["replay", "--help"], r)).toBe(0);
    expect(r.stdout).toContain("Usage: oomlab replay [SCENARIO] [options]");
    expect(r.stdout).toContain("--set <value>");
  });

  it("exits 2 on usage errors and on a bad machine file, with the reason on stderr", async () => {
    const a = io();
    expect(await main(["bench", "churn", "--ops", "-5"], a)).toBe(2);
    expect(a.stderr).toMatch(/^oomlab: --ops needs an integer, got '-5'/);
    const b = io({ "m.json": "{ not json" });
    expect(await main(["machine", "m.json"], b)).toBe(2);
    expect(b.stderr).toContain("m.json is not valid JSON");
    const c = io({
      "m.json": JSON.stringify({
        era: "6.18",
        nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 2 ** 25 }] }],
      }),
    });
    expect(await main(["machine", "m.json"], c)).toBe(2);
    expect(c.stderr).toContain("the engine holds at most 16777216 (2^24)");
  });

  it("describes a machine from a JSON file", async () => {
    const a = io({
      "m.json": JSON.stringify({
        era: "2.6.11",
        minFreeKbytes: 1200,
        nodes: [{ zones: [{ type: "DMA", startPfn: 786432, spannedPages: 4096 }] }],
      }),
    });
    expect(await main(["machine", "m.json"], a)).toBe(0);
    expect(a.stdout).toContain("min    300 low    375 high    450");
    expect(a.stdout).toContain(
      "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      4 ",
    );
  });
});

describe("oomlab replay", () => {
  const seed = readFileSync(new URL("../../scenarios/seed.json", import.meta.url), "utf8");

  it("prints the simulated kernel log on stdout and a summary on stderr", async () => {
    const a = io({ "scenario:seed": seed });
    expect(await main(["replay"], a)).toBe(0);
    expect(a.stdout).toContain(
      "XFS: possible memory allocation deadlock in kmem_alloc (mode:0x2d0)\noom-killer: gfp_mask=0x2d0\n",
    );
    expect(a.stdout).toContain("Out of Memory: Killed process 453 (smbd).\n");
    expect(a.stderr).toContain("OOM kills: 453 (smbd)");
  });

  it("--compare prints the policy table; a bad scenario file exits 2", async () => {
    const a = io({ "scenario:seed": seed });
    expect(await main(["replay", "seed", "--compare", "--max-retries", "500"], a)).toBe(0);
    expect(a.stdout.split("\n")[0]).toMatch(/^size\s+policy\s+outcome\s+OOM kills/);
    const b = io({
      "x.json": JSON.stringify({ name: "x", machine: { era: "6.18" }, tasks: [], layout: [], events: [] }),
    });
    expect(await main(["replay", "x.json"], b)).toBe(2);
    expect(b.stderr).toContain('machine.era "6.18" is not one of 2.6.11 (the replay models 2.6.11)');
  });
});

describe("oomlab replay --set", () => {
  const seed = readFileSync(new URL("../../scenarios/seed.json", import.meta.url), "utf8");

  it("min_free_kbytes doubled: the replay's report shows the doubled watermarks", async () => {
    const a = io({ "scenario:seed": seed });
    expect(await main(["replay", "--set", "machine.minFreeKbytes=2400"], a)).toBe(0);
    expect(a.stdout).toMatch(/DMA free:\d+kB min:2400kB low:3000kB high:3600kB/);
  });

  it("edits list entries by index and takes JSON values", async () => {
    const a = io({ "scenario:seed": seed });
    expect(
      await main(["replay", "--set", "events.0.size=65536", "--set", 'events.0.flags=["KM_SLEEP"]', "--json"], a),
    ).toBe(0);
    const r = JSON.parse(a.stdout);
    expect([r.size, r.outcome, r.kills]).toEqual([65536, "success", []]);
  });

  it.each([
    ["machine.minFreeKbytes", "needs PATH=VALUE"],
    ["nope.deeper=1", "nope is not a field of the scenario"],
    ["events.9.size=1", "events.9 is not an object or array"],
    ["__proto__.x=1", "is not a dot-separated list of keys"],
  ])("--set %s exits 2: %s", async (edit, msg) => {
    const a = io({ "scenario:seed": seed });
    expect(await main(["replay", "--set", edit], a)).toBe(2);
    expect(a.stderr).toContain(msg);
  });

  it("a value the scenario rejects is a typed error naming the field", async () => {
    const a = io({ "scenario:seed": seed });
    expect(await main(["replay", "--set", "hz=7"], a)).toBe(2);
    expect(a.stderr).toContain("hz 7 is out of range: an integer from 12 to 1535");
  });
});

describe("commands", () => {
  it("every command of the option table has a module with a run function, and no module lacks a command", async () => {
    expect(Object.keys(COMMAND_MODULES).sort()).toEqual(COMMANDS.map((c) => c.path.join(" ")).sort());
    for (const load of Object.values(COMMAND_MODULES)) expect(typeof (await load()).run).toBe("function");
  });
});

describe("the built CLI in a fresh process", () => {
  it("`oomlab bench churn --json` prints one JSON object (the built CLI, in a fresh process)", () => {
    const cli = new URL("../../dist/bindings/cli/main.js", import.meta.url).pathname;
    const out = execFileSync(
      process.execPath,
      [cli, "bench", "churn", "--log2-pages", "12", "--ops", "10000", "--json"],
      { encoding: "utf8" },
    );
    const r = JSON.parse(out);
    expect(Object.keys(r)).toEqual(expect.arrayContaining(["checksum", "nsPerOp", "opsPerSec"]));
    const bad = spawnSync(process.execPath, [cli, "bench", "churn", "--seed", "nope"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--seed needs an integer");
    const dir = mkdtempSync(join(tmpdir(), "oomlab-"));
    writeFileSync(join(dir, "m.json"), JSON.stringify({ era: "6.18", nodes: [] }));
    const spec = spawnSync(process.execPath, [cli, "machine", join(dir, "m.json")], { encoding: "utf8" });
    expect(spec.status).toBe(2);
    expect(spec.stderr).toContain("machine.nodes [] is not a list of 1 to 8 nodes");
  });
});
