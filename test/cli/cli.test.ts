// The command line: pure argument parsing, exit codes, every command's module, and the built CLI in a
// fresh process.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMAND_MODULES, main } from "../../bindings/cli/main.js";
import { COMMANDS, parseArgs } from "../../bindings/cli/args.js";
import { memoryIo as io } from "../helpers.js";
import { diagnoseFile, filedJson, parseWhatIf } from "../../bindings/index.js";

describe("parseArgs", () => {
  it("takes everything after the first '=' of --name=value as the value", () => {
    const a = parseArgs(["replay", '--set=events.0.flags=["KM_NOFS"]', "--set", "hz=250"]);
    expect(a.options.set).toEqual(['events.0.flags=["KM_NOFS"]', "hz=250"]);
  });

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
    [["bench", "churn", "--seed", "x"], "--seed needs an integer from 1 to 4294967295, got 'x'"],
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

describe("int options name their range", () => {
  it.each([
    [["bench", "churn", "--ops", "-1"], "--ops -1 is out of range 0 to 4294967295"],
    [["bench", "churn", "--ops=-1"], "--ops -1 is out of range 0 to 4294967295"],
    [["bench", "churn", "--ops", "4294967296"], "--ops 4294967296 is out of range 0 to 4294967295"],
    [["bench", "churn", "--ops", "99999999999999999999"], "--ops 99999999999999999999 is out of range 0 to 4294967295"],
    [["bench", "churn", "--ops", "1e3"], "--ops needs an integer from 0 to 4294967295, got '1e3'"],
    [["bench", "churn", "--seed", "-0x10"], "--seed -0x10 is out of range 1 to 4294967295"],
    [["bench", "churn", "--chunk", "-7"], "--chunk -7 is out of range 1 to 4294967295"],
    [["bench", "churn", "--log2-pages", "-20"], "--log2-pages -20 is out of range 10 to 24"],
    [["demo", "--ops", "-3"], "--ops -3 is out of range 0 to 1000000000"],
    [["replay", "--size", "-131072"], "--size -131072 is out of range 1 to 2147483648"],
    [["replay", "--max-retries", "-1"], "--max-retries -1 is out of range 1 to 1000000"],
    [["replay", "--max-sim-ms", "-1"], "--max-sim-ms -1 is out of range 1 to 86400000"],
    [["diagnose", "x", "--max-input-mb", "0"], "--max-input-mb 0 is out of range 1 to 511"],
    [["machine", "m.json", "--max-input-mb", "NaN"], "--max-input-mb needs an integer from 1 to 511, got 'NaN'"],
  ])("%j: %s", (argv, msg) => {
    expect(() => parseArgs(argv)).toThrow(msg);
  });

  it("every int option has a range, and its bounds parse", () => {
    for (const c of COMMANDS)
      for (const o of c.options.filter((x) => x.type === "int")) {
        expect([o.min, o.max].every(Number.isSafeInteger), `${c.path.join(" ")} --${o.name}`).toBe(true);
        for (const bound of [o.min, o.max]) {
          const argv = [...c.path, ...(c.positionals?.length && !c.optionalPositionals ? ["x"] : [])];
          expect(parseArgs([...argv, `--${o.name}`, String(bound)]).options[o.name]).toBe(bound);
        }
      }
  });
});

describe("help for every command, subcommand and group", () => {
  const group = (c: { path: string[] }) => c.path.slice(0, -1);

  it.each(COMMANDS.map((c) => [c.path.join(" ")]))(
    "'%s': help COMMAND and COMMAND --help print its options",
    async (name) => {
      const words = name.split(" ");
      const viaHelp = io();
      expect(await main(["help", ...words], viaHelp)).toBe(0);
      expect(viaHelp.stdout).toContain(`Usage: oomlab ${name}`);
      expect(viaHelp.stdout).toContain("Options:");
      const viaFlag = io();
      expect(await main([...words, "--help"], viaFlag)).toBe(0);
      expect(viaFlag.stdout).toBe(viaHelp.stdout);
      expect(viaHelp.stderr + viaFlag.stderr).toBe("");
    },
  );

  it("a group word lists its subcommands: help bench, bench --help; bench alone is a usage error", async () => {
    // groups that are not commands themselves ("sweep" is a command with a subcommand, "sweep merge")
    const groups = [...new Set(COMMANDS.filter((c) => c.path.length > 1).map((c) => group(c).join(" ")))].filter(
      (g) => !COMMANDS.some((c) => c.path.join(" ") === g),
    );
    expect(groups).toEqual(["bench", "trace", "lab"]);
    const a = io();
    expect(await main(["help", "bench"], a)).toBe(0);
    expect(a.stdout).toContain("Usage: oomlab bench <subcommand> [options]");
    expect(a.stdout).toMatch(/^ {2}churn +run the churn benchmark/m);
    const b = io();
    expect(await main(["bench", "--help"], b)).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const c = io();
    expect(await main(["bench"], c)).toBe(2);
    expect(c.stdout).toBe(a.stdout);
    expect(c.stderr).toBe("oomlab: 'bench' needs a subcommand (listed above)\n");
    const t = io();
    expect(await main(["trace"], t)).toBe(2);
    expect(t.stdout).toMatch(/^ {2}stats FILE +count the kmem events of an ftrace capture/m);
  });

  it("help alone is --help; help of an unknown command is a usage error; no command is one too", async () => {
    const a = io();
    const b = io();
    expect(await main(["help"], a)).toBe(0);
    expect(await main(["--help"], b)).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain("oomlab help COMMAND (or oomlab COMMAND --help) lists a command's options.");
    const c = io();
    expect(await main(["help", "nope"], c)).toBe(2);
    expect(c.stderr).toBe("oomlab: unknown command 'nope' (see oomlab --help)\n");
    const d = io();
    expect(await main(["help", "bench", "walk"], d)).toBe(2);
    expect(d.stderr).toContain("unknown command 'bench walk' ('bench' has churn)");
    const e = io();
    expect(await main([], e)).toBe(2);
    expect(e.stderr).toBe("oomlab: no command given\n");
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
    expect(a.stderr).toMatch(/^oomlab: --ops -5 is out of range 0 to 4294967295/);
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
    // a 6.18 machine makes it a 6.18 scenario (scenario/schema618.ts), which has no layout
    expect(b.stderr).toContain("scenario: layout is not a field of the scenario");
    const c = io({
      "x.json": JSON.stringify({ name: "x", machine: { era: "5.10" }, tasks: [], layout: [], events: [] }),
    });
    expect(await main(["replay", "x.json"], c)).toBe(2);
    expect(c.stderr).toContain('machine.era "5.10" is not one of 2.6.11 (the replay models 2.6.11)');
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

describe("messages print no raw control characters", () => {
  it("an escape sequence or NUL given on the command line comes back escaped", async () => {
    const a = io();
    expect(await main(["\u001b[2J"], a)).toBe(2);
    expect(a.stderr).toBe("oomlab: unknown command '\\u001b[2J' (see oomlab --help)\n");
    const b = io();
    expect(await main(["bench", "churn", "--ops", "1\u0000"], b)).toBe(2);
    expect(b.stderr).toBe("oomlab: --ops needs an integer from 0 to 4294967295, got '1\\u0000' (see oomlab --help)\n");
    const c = Object.assign(io({ "a\u0007.log": "nothing" }), {});
    expect(await main(["diagnose", "a\u0007.log"], c)).toBe(1);
    expect(c.stderr).toMatch(/^oomlab: a\\u0007\.log: no OOM/);
  });
});

describe("oomlab diagnose: the file of each report, and inputs without one", () => {
  const report = readFileSync(new URL("../fixtures/seed-article-oom-report.txt", import.meta.url), "utf8");
  const withStdin = (files: Record<string, string>, stdin: string) =>
    Object.assign(io(files), { readStdin: async () => stdin });

  it("--json gives every report its file: the path as given, '-' for standard input", async () => {
    const a = withStdin({ "a.log": report, "dir/b.log": report + report }, report);
    expect(await main(["diagnose", "a.log", "dir/b.log", "-", "--json"], a)).toBe(0);
    const reports = (JSON.parse(a.stdout) as { reports: { file: string; kind: string }[] }).reports;
    expect(reports.map((r) => [r.file, r.kind])).toEqual([
      ["a.log", "oom"],
      ["dir/b.log", "oom"],
      ["dir/b.log", "oom"],
      ["-", "oom"],
    ]);
    expect(Object.keys(reports[0])[0]).toBe("file");
  });

  it("--json is the library's filedJson of diagnoseFile per input, byte for byte (as the web page)", async () => {
    const a = withStdin({ "a.log": report, "dir/b.log": report + report }, report);
    const whatIf = ["min_free_kbytes=600", "order=3"];
    const args = whatIf.flatMap((w) => ["--what-if", w]);
    expect(await main(["diagnose", "a.log", "dir/b.log", "-", "--json", ...args], a)).toBe(0);
    const w = parseWhatIf(whatIf);
    const inputs: [string, string][] = [
      ["a.log", report],
      ["dir/b.log", report + report],
      ["-", report],
    ];
    expect(a.stdout).toBe(filedJson(inputs.flatMap(([f, t]) => diagnoseFile(f, t, { whatIf: w }))) + "\n");
    // one report's JSON, by hand: {"reports":[{"file":"a.log","summary":"...","actions":[...],"kind":"oom",...}]}
    expect(filedJson(diagnoseFile("a.log", report))).toMatch(
      /^\{"reports":\[\{"file":"a\.log","summary":"An order-5-or-larger [^"]*","actions":\[\{"cause":.*\],"kind":/,
    );
    expect(w).toEqual({ minFreeKbytes: 600, order: 3 });
  });

  it.each([
    ["a file", ["diagnose", "junk.txt"], "junk.txt"],
    ["standard input", ["diagnose", "-"], "-"],
    ["an empty file", ["diagnose", "empty.txt"], "empty.txt"],
  ])("nothing found in %s: exit 1 and the input named on stderr, in text and JSON alike", async (_, argv, name) => {
    for (const json of [false, true]) {
      const a = withStdin({ "junk.txt": "no report here\n", "empty.txt": "" }, "no report here either\n");
      expect(await main(json ? [...argv, "--json"] : argv, a)).toBe(1);
      expect(a.stderr).toBe(`oomlab: ${name}: no OOM, allocation-failure, memcg, show_mem or /proc report found\n`);
      expect(a.stdout).toBe(json ? '{"reports":[]}\n' : "");
    }
  });

  it("one input with a report is enough for exit 0; the others are still named", async () => {
    const a = withStdin({ "junk.txt": "nothing\n", "a.log": report }, "nothing\n");
    expect(await main(["diagnose", "junk.txt", "a.log", "-"], a)).toBe(0);
    expect(a.stdout).toMatch(/^a\.log: /);
    expect(a.stderr).toBe(
      "oomlab: junk.txt: no OOM, allocation-failure, memcg, show_mem or /proc report found\n" +
        "oomlab: -: no OOM, allocation-failure, memcg, show_mem or /proc report found\n",
    );
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
