// Random command lines and input files through main(argv, io) in-process: commands, group words, options
// with and without values, extreme numbers (0, -1, 2^31, 2^32, 2^53 + 1, 1e300, NaN), junk words and bytes,
// --set and --what-if edits, and input files that are reports, mutated reports, junk or machine files with
// a field replaced. Every run ends with 0, 1 or 2 and never throws; a run that does not end with 0 says why
// on stderr, in a line starting "oomlab: "; nothing ever prints a stack trace or a raw control character
// on stderr.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main, type CliIo } from "../../bindings/cli/main.js";
import { COMMANDS, parseArgs, type CommandSpec, type ParsedArgs } from "../../bindings/cli/args.js";
import { inputTooLarge } from "../../bindings/cli/io.js";
import { OomlabError } from "../../bindings/errors.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const shipped = (name: string) => readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), "utf8");

const REPORT = fixture("seed-article-oom-report.txt");
const ZONEINFO = fixture("proc-6.18-x86_64-zoneinfo.txt");
const MACHINE = {
  era: "2.6.11",
  minFreeKbytes: 1200,
  nodes: [{ zones: [{ type: "DMA", startPfn: 786432, spannedPages: 4096 }] }],
};
/** Values a field of a machine file is replaced with. */
const FIELD_VALUES: unknown[] = [0, -1, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, null, "3", "", [], {}, true, 0.5];

/** Every path into a JSON value. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const below =
    v && typeof v === "object"
      ? Object.entries(v).flatMap(([k, x]) => paths(x, [...at, Array.isArray(v) ? Number(k) : k]))
      : [];
  return [at, ...below];
}
const MACHINE_PATHS = paths(MACHINE).slice(1);

function withField(spec: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(spec) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]] = value;
  return copy;
}

const WORDS = [
  ...new Set(COMMANDS.flatMap((c) => c.path)),
  "help",
  "seed",
  "nic-atomic",
  "nosuch",
  "-",
  "report.txt",
  "input.txt",
  "machine.json",
  "input.json",
  "missing.log",
  "procdir",
];
const OPTION_NAMES = [...new Set(COMMANDS.flatMap((c) => c.options.map((o) => o.name))), "bogus"];
const EXTREME_VALUES = [
  "0",
  "-1",
  "1",
  "2",
  "5",
  "2147483648",
  "4294967295",
  "4294967296",
  "9007199254740992",
  "9007199254740993",
  "1e300",
  "-1e300",
  "NaN",
  "Infinity",
  "null",
  "3.5",
  "0x0",
  "0xffffffff",
  "0x100000000",
  "-0x10",
  "1_000",
  "_1",
  "",
  " ",
  "\u0000",
  "\u001b[2J",
  "é",
];
const EDITS = [
  "machine.minFreeKbytes=2400",
  "machine.minFreeKbytes=1e300",
  "machine.minFreeKbyte=2400",
  "foo=1",
  "hz=7",
  "events.0.size=65536",
  "events.0.size=-1",
  "__proto__.x=1",
  "a=b=c",
  "min_free_kbytes=600",
  "min_free_kbytes=-5",
  "min_free_kbytes=99999999999",
  "watermark_scale_factor=0",
  "watermark_scale_factor=3001",
  "order=5",
  "order=99",
  "gfp=0x20",
];
const CHOICES = [...new Set(COMMANDS.flatMap((c) => c.options.flatMap((o) => o.choices ?? [])))];

const value = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...EXTREME_VALUES, ...EDITS, ...CHOICES) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const token = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...OPTION_NAMES), value).map(([o, v]) => [`--${o}`, v]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...OPTION_NAMES), value).map(([o, v]) => [`--${o}=${v}`]) },
  { weight: 1, arbitrary: fc.constantFrom(...OPTION_NAMES).map((o) => `--${o}`) },
  { weight: 1, arbitrary: fc.constantFrom("-h", "--help", "-v", "--version", "--", "---", "--=1", "-x") },
  { weight: 1, arbitrary: value },
);
const head = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...COMMANDS.map((c) => c.path), ["help"], ["bench"], ["help", "bench"]) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...WORDS), { maxLength: 3 }) },
);
/** Any words and options in any order. */
const freeArgv = fc
  .tuple(head, fc.array(token, { maxLength: 8 }))
  .map(([h, t]) => [...h, ...t.flatMap((x) => (Array.isArray(x) ? x : [x]))]);

/** Positionals a command is given: its own kind of input, sometimes wrong or missing. */
const POSITIONALS: Record<string, readonly string[]> = {
  diagnose: ["report.txt", "input.txt", "-", "input.json", "missing.log"],
  machine: ["input.json", "machine.json", "input.txt", "missing.log"],
  replay: ["seed", "nic-atomic", "input.json", "input.txt", "nosuch", "Bad Name"],
};
/** Options that keep a long command short enough to run here, given first (later ones may override them). */
const SHORT_RUN: Record<string, fc.Arbitrary<string[]>> = {
  "bench churn": fc
    .tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 10, max: 14 }))
    .map(([ops, log2]) => ["--ops", String(ops), "--log2-pages", String(log2)]),
  replay: fc.integer({ min: 1, max: 2 }).map((n) => ["--max-retries", String(n)]),
};

/** A value for one option: in range, at and past its bounds, extreme, or junk. */
function optionValue(o: CommandSpec["options"][number]): fc.Arbitrary<string> {
  if (o.type === "int") {
    const min = o.min ?? 0;
    const max = o.max ?? 2 ** 32;
    return fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + 20) }).map(String) },
      { weight: 1, arbitrary: fc.constantFrom(min - 1, min, max, max + 1).map(String) },
      { weight: 1, arbitrary: value },
    );
  }
  if (o.choices)
    return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...o.choices) }, { weight: 1, arbitrary: value });
  if (o.name === "proc") return fc.constantFrom("procdir", "procdir/", "/proc", "missing", "");
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...EDITS) }, { weight: 1, arbitrary: value });
}

/** One command with its own options (now and then a junk token): runs that mostly get past parsing. */
const commandArgv = fc.constantFrom(...COMMANDS).chain((c) => {
  const ownOption: fc.Arbitrary<string[]> = fc
    .constantFrom(...c.options)
    .chain((o) =>
      o.type === "boolean" ? fc.constant([`--${o.name}`]) : optionValue(o).map((v) => [`--${o.name}`, v]),
    );
  const name = c.path.join(" ");
  const positionals: fc.Arbitrary<string[]> = POSITIONALS[name]
    ? fc.array(fc.constantFrom(...POSITIONALS[name]), {
        minLength: c.optionalPositionals ? 0 : 1,
        maxLength: c.variadic ? 3 : 1,
      })
    : fc.oneof(
        { weight: 9, arbitrary: fc.constant<string[]>([]) },
        { weight: 1, arbitrary: fc.constant<string[]>(["extra"]) },
      );
  return fc
    .tuple(
      positionals,
      fc.oneof(
        { weight: 9, arbitrary: SHORT_RUN[name] ?? fc.constant<string[]>([]) },
        { weight: 1, arbitrary: fc.constant<string[]>([]) },
      ),
      fc.array(
        fc.oneof(
          { weight: 12, arbitrary: ownOption },
          { weight: 1, arbitrary: token.map((x) => (Array.isArray(x) ? x : [x])) },
        ),
        { maxLength: 4 },
      ),
    )
    .map(([pos, short, opts]) => [...c.path, ...pos, ...short, ...opts.flat()]);
});
const argv = fc.oneof({ weight: 3, arbitrary: commandArgv }, { weight: 1, arbitrary: freeArgv });

/** A text input: the article's report, the report with lines deleted or cut, JSON, or junk. */
const text = fc.oneof(
  fc.constant(REPORT),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) =>
    REPORT.split("\n")
      .filter((_, i) => i % (2 + (a % 7)) !== b % 3)
      .join("\n"),
  ),
  fc.nat({ max: REPORT.length }).map((n) => REPORT.slice(0, n)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => new TextDecoder().decode(b)),
);
/** A machine file with one field replaced (or the file as it is). */
const machineFile = fc.oneof(
  fc.constant(JSON.stringify(MACHINE)),
  fc
    .tuple(fc.constantFrom(...MACHINE_PATHS), fc.constantFrom(...FIELD_VALUES))
    .map(([p, v]) => JSON.stringify(withField(MACHINE, p, v))),
);

/** An in-memory io over fixed files plus the generated ones, honouring the input cap like nodeIo. */
function memoryIo(generated: {
  text: string;
  json: string;
  stdin: string;
}): CliIo & { stdout: string; stderr: string } {
  const files: Record<string, string> = {
    "report.txt": REPORT,
    "machine.json": JSON.stringify(MACHINE),
    "input.txt": generated.text,
    "input.json": generated.json,
    "scenario:seed": shipped("seed"),
    "scenario:nic-atomic": shipped("nic-atomic"),
    "procdir/zoneinfo": ZONEINFO,
    "procdir/version": "Linux version 6.18.0 (gcc) #1 SMP\n",
    "procdir/sys/vm/min_free_kbytes": "67584\n",
  };
  const capped = (name: string, t: string, maxBytes?: number) => {
    if (maxBytes !== undefined && Buffer.byteLength(t) > maxBytes) throw inputTooLarge(name, maxBytes);
    return t;
  };
  const o = {
    stdout: "",
    stderr: "",
    out(t: string) {
      o.stdout += t;
    },
    err(t: string) {
      o.stderr += t;
    },
    readFile: async (p: string, maxBytes?: number) => {
      if (!(p in files)) throw new OomlabError("OOMLAB_USAGE", `cannot read ${p}: ENOENT`);
      return capped(p, files[p], maxBytes);
    },
    readStdin: async (maxBytes?: number) => capped("standard input", generated.stdin, maxBytes),
    isDirectory: async (p: string) => p === "procdir" || p === "/proc",
  };
  return o;
}

/** Runs the fuzz can afford in-process (milliseconds each); the long ones are checked by parsing only. */
function isLong(a: ParsedArgs): boolean {
  const o = a.options;
  switch (a.command?.path.join(" ")) {
    case "demo":
      return true;
    case "bench churn":
      return (o.ops as number) > 20_000 || (o["log2-pages"] as number) > 14;
    case "replay": {
      const perReplay = Math.min((o["max-retries"] as number) * 20, o["max-sim-ms"] as number);
      return perReplay > (o.compare ? 40 : 400);
    }
    default:
      return false;
  }
}

/** A control character other than newline, which a message must not print raw. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters this test looks for
const CONTROL_CHARACTER = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
/** A line of a JavaScript stack trace. */
const STACK_LINE = /^\s+at .*:\d+:\d+\)?$/m;

describe("fuzz: random command lines through main()", () => {
  it("every run returns 0, 1 or 2; not 0 comes with an 'oomlab: ' message; no stack traces", async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(argv, text, machineFile, text, async (args, t, json, stdin) => {
        let parsed: ParsedArgs | null = null;
        try {
          parsed = parseArgs(args);
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(OomlabError);
        }
        if (parsed && isLong(parsed)) return;
        ran++;
        const io = memoryIo({ text: t, json, stdin });
        const code = await main(args, io);
        expect([0, 1, 2], `exit ${code} for ${JSON.stringify(args)}`).toContain(code);
        if (code !== 0) expect(io.stderr, JSON.stringify(args)).toMatch(/^oomlab: \S/);
        expect(io.stdout + io.stderr, JSON.stringify(args)).not.toMatch(STACK_LINE);
        expect(io.stderr, JSON.stringify(args)).not.toMatch(CONTROL_CHARACTER);
      }),
      { numRuns: 400 },
    );
    expect(ran).toBeGreaterThan(200);
  });
});
