// Command-line options as typed data: one table per command drives parsing and help.
// parseArgs() is pure (no process access) so tests can run it in-process.

import { OomlabError } from "../errors.js";

export type OptionType = "boolean" | "string" | "int";

export interface OptionSpec {
  name: string;
  type: OptionType;
  description: string;
  default?: string | number | boolean;
  /** Allowed values for string options. */
  choices?: readonly string[];
  /** May be given more than once: the values collect in a string[] (string options). */
  repeat?: boolean;
  /** Inclusive range for int options. */
  min?: number;
  max?: number;
}

export interface CommandSpec {
  /** Words that select the command, e.g. ["bench", "churn"]. */
  path: string[];
  summary: string;
  options: OptionSpec[];
  /** Names of positional arguments (none allowed when empty). */
  positionals?: string[];
  /** The positionals may be left out. */
  optionalPositionals?: boolean;
  /** The last positional takes one or more values. */
  variadic?: boolean;
  /** Lines printed after the options in the command's help (e.g. its exit statuses). */
  notes?: string[];
}

const JSON_OPT: OptionSpec = { name: "json", type: "boolean", description: "print one JSON object instead of text" };

/** The kernel model of lab predict and lab compare. */
const LAB_MODEL_OPTS: OptionSpec[] = [
  {
    name: "era",
    type: "string",
    description:
      "the kernel model's era (default: the era of workload.json's vm.kernel, 6.1 for the lab's runs; else 6.18)",
    choices: ["6.18", "6.1"],
  },
  {
    name: "pcp",
    type: "string",
    description:
      "per-CPU page lists (vm.cpus of workload.json, high and batch from before-zoneinfo's pagesets): on or off",
    default: "on",
    choices: ["on", "off"],
  },
];

/** Bytes in a MiB: the unit of --max-input-mb. */
export const MIB = 2 ** 20;
/** The option that caps every input a command reads (files, standard input, /proc files). */
export const MAX_INPUT_OPTION = "max-input-mb";
/** The default cap, in MiB. */
export const DEFAULT_MAX_INPUT_MB = 256;
/** The largest cap, in MiB: a V8 string holds at most 2^29 - 24 characters (v8.h String::kMaxLength), just
 * under 512 MiB of text, and an input is read into one string. */
export const MAX_INPUT_MB_LIMIT = 511;

/** oomlab's bound on --workers. */
export const MAX_SWEEP_WORKERS = 256;

const MAX_INPUT_OPT: OptionSpec = {
  name: MAX_INPUT_OPTION,
  type: "int",
  description: "refuse an input (file, standard input, /proc file) over this many MiB",
  default: DEFAULT_MAX_INPUT_MB,
  min: 1,
  max: MAX_INPUT_MB_LIMIT,
};

export const COMMANDS: CommandSpec[] = [
  {
    path: ["demo"],
    summary:
      "build machines, run the churn workload and a 6.18 mixed-migratetype workload, print /proc views and timings",
    options: [
      { name: "ops", type: "int", description: "churn operations", default: 2_000_000, min: 0, max: 1e9 },
      JSON_OPT,
    ],
  },
  {
    path: ["bench", "churn"],
    summary: "run the churn benchmark of churn-benchmark.md and print its checksum and timing",
    options: [
      {
        name: "seed",
        type: "int",
        description: "xorshift32 seed (decimal or 0x hex, not 0)",
        default: 0x12345678,
        min: 1,
        max: 0xffffffff,
      },
      { name: "log2-pages", type: "int", description: "zone size as log2 of pages", default: 20, min: 10, max: 24 },
      {
        name: "ops",
        type: "int",
        description: "timed churn operations",
        default: 10_000_000,
        min: 0,
        max: 2 ** 32 - 1,
      },
      {
        name: "chunk",
        type: "int",
        description: "operations per WASM call",
        default: 100_000,
        min: 1,
        max: 2 ** 32 - 1,
      },
      {
        name: "engine",
        type: "string",
        description: "implementation to run",
        default: "wasm",
        choices: ["wasm", "reference"],
      },
      JSON_OPT,
    ],
  },
  {
    path: ["replay"],
    summary:
      "replay a 2.6.11 or 6.18 scenario (default: the seed article) and print the simulated kernel log; " +
      "--compare tabulates XFS kmem_alloc policies and request sizes",
    options: [
      {
        name: "policy",
        type: "string",
        description:
          "kmem_alloc's caller policy: XFS's pre-bdfb04301fa5 (2.6.11 default), bdfb04301fa5, kvmalloc; " +
          "on a 6.18 scenario also kmalloc (default: the scenario's policy)",
        choices: ["pre-bdfb04301fa5", "bdfb04301fa5", "kvmalloc", "kmalloc"],
      },
      {
        name: "size",
        type: "int",
        description: "request size in bytes (overrides the scenario's)",
        min: 1,
        max: 2 ** 31,
      },
      {
        name: "compare",
        type: "boolean",
        description: "replay every policy for 64, 96, 128 and 256 KiB and print a table",
      },
      {
        name: "trace",
        type: "boolean",
        description:
          "tell the replay as a story: each attempt's passes with the watermark arithmetic, " +
          "reclaim, kswapd, the OOM killer",
      },
      {
        name: "set",
        type: "string",
        repeat: true,
        description:
          "change the scenario before the replay: PATH=VALUE, " +
          "e.g. machine.minFreeKbytes=2400 or events.0.size=131072 (repeatable); on a 6.18 scenario " +
          "sysctl.NAME=VALUE (min_free_kbytes, swappiness, ...), config.COMPACTION=false, thp.enabled=, thp.defrag=",
      },
      {
        name: "max-retries",
        type: "int",
        description: "bound on kmem_alloc's endless loop (retries)",
        default: 20_000,
        min: 1,
        // a reclaiming retry costs about 34 us (136 us recording events): a million is minutes, not days
        max: 1_000_000,
      },
      {
        name: "max-sim-ms",
        type: "int",
        description: "bound on kmem_alloc's endless loop (simulated ms)",
        default: 600_000,
        min: 1,
        max: 86_400_000, // one simulated day
      },
      MAX_INPUT_OPT,
      JSON_OPT,
    ],
    positionals: ["SCENARIO"],
    optionalPositionals: true,
  },
  {
    path: ["diagnose"],
    summary:
      "explain OOM reports, allocation failures, show_mem dumps and /proc files " +
      "with the kernel's watermark arithmetic ('-' reads standard input)",
    options: [
      {
        name: "what-if",
        type: "string",
        repeat: true,
        description:
          "re-run the verdict with min_free_kbytes=K, watermark_scale_factor=F, order=N or gfp=MASK; the 6.18 " +
          "replay with swap_kb=K, extfrag_threshold=N, compaction=0|1, victim_oom_score_adj=A, " +
          "victim_killed_earlier=1 or oom_score_adj:PID=A (repeatable)",
      },
      {
        name: "replay618",
        type: "string",
        description:
          "rebuild modern (5.x, 6.x) reports in the 6.18 model and run their request through the slow path: " +
          "auto (the first 8 of each input), all, or off",
        default: "auto",
      },
      MAX_INPUT_OPT,
      JSON_OPT,
    ],
    positionals: ["FILE"],
    variadic: true,
    notes: [
      "Exit status: 0 when at least one input holds a report (an input without one is named on stderr),",
      "1 when none does, 2 for usage and input errors, 130 when interrupted.",
    ],
  },
  {
    path: ["snapshot"],
    summary:
      "compare the running kernel's watermarks and protection with the formulas, " +
      "and check every order (reads /proc or a copy laid out like it)",
    options: [
      { name: "proc", type: "string", description: "directory laid out like /proc", default: "/proc" },
      MAX_INPUT_OPT,
      JSON_OPT,
    ],
  },
  {
    path: ["trace", "stats"],
    summary:
      "count the kmem events of an ftrace capture (plain, .gz or .xz): events by kind, " +
      "allocations and frees by order, allocations by migratetype",
    options: [JSON_OPT],
    positionals: ["FILE"],
    notes: [
      "Reads mm_page_alloc, mm_page_free, mm_page_free_batched and mm_page_alloc_extfrag lines as Linux 6.18",
      "prints them (include/trace/events/kmem.h); other events are counted apart, damaged lines are warnings.",
      "--json prints {events, mm_page_alloc, mm_page_free, mm_page_free_batched, mm_page_alloc_extfrag,",
      "allocByOrder, freeByOrder, allocByMigratetype}: the by-order arrays have one count per order 0..10,",
      "a batched free counts as order 0, migratetypes are keyed by their number as a string.",
      "Exit status: 0 ok, 2 when the file cannot be read, is damaged or holds no ftrace event line.",
    ],
  },
  {
    path: ["sweep"],
    summary:
      "run a sweep spec (format oomlab-sweep/1): its cells x seeds on worker threads, results in DIR/results.jsonl " +
      "(byte-identical whatever --workers), DIR/summary.csv, wall times in DIR/timings.jsonl, plots in DIR/plots, " +
      "DIR/report.md and DIR/report.html",
    options: [
      {
        name: "workers",
        type: "int",
        description: "worker threads (default: the CPUs Node reports available)",
        min: 1,
        max: MAX_SWEEP_WORKERS,
      },
      {
        name: "shard",
        type: "string",
        description: "run shard I of N (0 <= I < N): the tasks whose ordinal mod N is I; merge with 'sweep merge'",
      },
      { name: "out", type: "string", description: "output directory (default: sweep-out/NAME, .shard-I-of-N added)" },
      {
        name: "resume",
        type: "boolean",
        description: "keep DIR's results (checked against the spec; a truncated last line is dropped) and run the rest",
      },
      { name: "quiet", type: "boolean", description: "no progress line on stderr (it is shown only on a terminal)" },
      MAX_INPUT_OPT,
    ],
    positionals: ["SPEC.json"],
    notes: [
      "Exit status: 0 done, 2 for usage and spec errors (the message names the field), 1 when a cell failed",
      "otherwise, 130 when interrupted (DIR keeps every finished line; --resume continues).",
      "oomlab sweep merge DIR... --out DIR merges the directories of shards (oomlab help sweep merge).",
      "A shard's run writes no report (its cells lack seeds): the merge does. oomlab sweep report DIR rewrites it.",
    ],
  },
  {
    path: ["sweep", "merge"],
    summary:
      "merge the output directories of a sweep's shards into one, byte-identical to the unsharded run, with its " +
      "plots and report",
    options: [{ name: "out", type: "string", description: "the merged output directory (required)" }, MAX_INPUT_OPT],
    positionals: ["DIR"],
    variadic: true,
  },
  {
    path: ["sweep", "report"],
    summary:
      "(re)write a sweep directory's plots (DIR/plots/*.svg and their Vega-Lite specs *.vl.json), DIR/report.md " +
      "and a self-contained DIR/report.html from its results.jsonl",
    options: [
      {
        name: "baseline",
        type: "string",
        description:
          "the baseline cell of the report's comparison, as in oomlab compare --baseline (default: the first cell)",
      },
      MAX_INPUT_OPT,
    ],
    positionals: ["DIR"],
    notes: [
      "Plots: success % per order with 95% intervals over seeds; with series (sampleEvery): the unusable free space",
      "index at the huge order, free pages against the watermarks per zone, free blocks per order as a heat map,",
      "the final pageblock map (seed index 0). Only the charts whose data the results hold are drawn.",
      "Exit status: 0 ok, 2 for usage errors (an unknown --baseline) and unreadable results.",
    ],
  },
  {
    path: ["compare"],
    summary:
      "compare the cells of a sweep (DIR/results.jsonl) against a baseline cell, metric by metric: n, mean, sd, " +
      "95% CI (Student t), change in %, two-sided Mann-Whitney U p value",
    options: [
      {
        name: "baseline",
        type: "string",
        description:
          "the baseline cell: its id, a path=value[,path=value] every one of which it has, or a unique prefix " +
          "of its id (default: the first cell)",
      },
      {
        name: "format",
        type: "string",
        description: "text, md (markdown) or html (one self-contained page)",
        default: "text",
        choices: ["text", "md", "html"],
      },
      {
        name: "metric",
        type: "string",
        repeat: true,
        description: "compare only this metric (NAME, or NAME.* of a per-order or per-key one; repeatable)",
      },
      MAX_INPUT_OPT,
      JSON_OPT,
    ],
    positionals: ["DIR"],
    notes: [
      "DIR is an 'oomlab sweep' output directory, or a results.jsonl file. Lists are flattened to NAME.0, NAME.1,",
      "..., objects to NAME.KEY. Text lists the metrics that differ between cells first, then the equal ones.",
      "Exit status: 0 ok, 2 for usage errors (an unknown --baseline or --metric) and unreadable results.",
    ],
  },
  {
    path: ["lab", "predict"],
    summary:
      "predict a lab run (lab/runs/NAME): the machine from before-*, the workload replayed from trace.txt.xz up to " +
      "the probe-start marker, the probe of probe.json simulated on the kernel model",
    options: [...LAB_MODEL_OPTS, MAX_INPUT_OPT, JSON_OPT],
    positionals: ["RUNDIR"],
    notes: [
      "Reads before-zoneinfo, before-buddyinfo, before-pagetypeinfo, trace.txt.xz, probe.json and workload.json",
      "(vm.kernel: the default era; vm.cpus: the per-CPU lists), nothing else.",
      "--json prints {hugepages, thp, vmstat, vmstatWorkload, mid, after, oomKills, replay}: mid and after are",
      "the free blocks per order of each zone; vmstat the compact_*, thp_*, pgmigrate_* counters over the probe.",
      "Exit status: 0 ok, 2 when a file is missing or does not read (the message names it).",
    ],
  },
  {
    path: ["lab", "compare"],
    summary:
      "predicted against real for lab runs: huge pages, THP faults, free blocks per order at mid and after, " +
      "compact_* counters, the OOM victim, and the goals of issue 13",
    options: [...LAB_MODEL_OPTS, MAX_INPUT_OPT, JSON_OPT],
    positionals: ["RUNDIR"],
    variadic: true,
    notes: [
      "Reads the inputs as lab predict does, and mid-buddyinfo, after-buddyinfo, before-, mid- and after-vmstat",
      "and result.json. Goals: huge pages within max(3, 20%); at mid, for every zone and order k, the free pages",
      "in blocks of order >= k within max(10%, 512 pages); the same OOM victim.",
      "Exit status: 0 ok (whether or not the goals are met), 2 when a file is missing or does not read.",
    ],
  },
  {
    path: ["machine"],
    summary: "build a machine from a JSON description and print its zones, /proc/buddyinfo and /proc/pagetypeinfo",
    options: [MAX_INPUT_OPT, JSON_OPT],
    positionals: ["FILE.json"],
  },
];

export interface ParsedArgs {
  command: CommandSpec | null;
  /** The words of a command group given without its subcommand (["bench"]), else null. */
  group: string[] | null;
  options: Record<string, string | number | boolean | string[]>;
  positionals: string[];
  help: boolean;
  version: boolean;
}

function usage(msg: string): OomlabError {
  return new OomlabError("OOMLAB_USAGE", `${msg} (see oomlab --help)`);
}

/** An integer as int options take it: decimal (with _ separators) or 0x hex, with an optional minus sign. */
const INT_SYNTAX = /^(-?)(0x[0-9a-f]+|[0-9][0-9_]*)$/i;

function parseIntOption(opt: OptionSpec, raw: string): number {
  const min = opt.min ?? Number.MIN_SAFE_INTEGER;
  const max = opt.max ?? Number.MAX_SAFE_INTEGER;
  const range = `${min} to ${max}`;
  const m = INT_SYNTAX.exec(raw);
  if (!m) throw usage(`--${opt.name} needs an integer from ${range}, got '${raw}'`);
  const magnitude = BigInt(m[2].replace(/_/g, ""));
  const v = m[1] ? -magnitude : magnitude;
  if (v < BigInt(min) || v > BigInt(max)) throw usage(`--${opt.name} ${raw} is out of range ${range}`);
  return Number(v);
}

/** Commands whose path starts with these words and goes on (the subcommands of a group). */
function subcommandsOf(words: string[]): CommandSpec[] {
  return COMMANDS.filter((c) => c.path.length > words.length && words.every((w, k) => c.path[k] === w));
}

/** Parses argv (without node and the script path). `help WORDS...` is `WORDS... --help`. */
export function parseArgs(argv: string[]): ParsedArgs {
  while (argv[0] === "help") argv = [...argv.slice(1), "--help"];
  const out: ParsedArgs = {
    command: null,
    group: null,
    options: {},
    positionals: [],
    help: false,
    version: false,
  };
  const words: string[] = [];
  let i = 0;
  while (i < argv.length && !argv[i].startsWith("-")) words.push(argv[i++]);
  const rest = argv.slice(i);
  if (rest.includes("--help") || rest.includes("-h")) out.help = true;
  if (rest.includes("--version") || rest.includes("-v")) out.version = true;
  if (words.length === 0) return out;
  const cmd = COMMANDS.filter((c) => c.path.every((w, k) => words[k] === w)).sort(
    (a, b) => b.path.length - a.path.length,
  )[0];
  if (!cmd) {
    if (subcommandsOf(words).length > 0) {
      out.group = words;
      return out;
    }
    const groupWord = words.slice(0, 1);
    const subs = subcommandsOf(groupWord);
    const has = subs.length ? ` ('${groupWord[0]}' has ${subs.map((c) => c.path.slice(1).join(" ")).join(", ")})` : "";
    throw usage(`unknown command '${words.join(" ")}'${has}`);
  }
  out.command = cmd;
  out.positionals = words.slice(cmd.path.length);
  for (const o of cmd.options) if (o.default !== undefined) out.options[o.name] = o.default;
  for (let k = 0; k < rest.length; k++) {
    const arg = rest[k];
    if (arg === "--help" || arg === "-h" || arg === "--version" || arg === "-v") continue;
    if (!arg.startsWith("--")) {
      out.positionals.push(arg);
      continue;
    }
    // --name=value: the value is everything after the first "=" (it may hold "=" itself: --set=a.b=1)
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const opt = cmd.options.find((o) => o.name === name);
    if (!opt) throw usage(`unknown option --${name} for '${cmd.path.join(" ")}'`);
    if (opt.type === "boolean") {
      if (inline !== undefined) throw usage(`--${name} takes no value`);
      out.options[name] = true;
      continue;
    }
    const raw = inline ?? rest[++k];
    if (raw === undefined) throw usage(`--${name} needs a value`);
    if (opt.type === "int") out.options[name] = parseIntOption(opt, raw);
    else {
      if (opt.choices && !opt.choices.includes(raw))
        throw usage(`--${name} must be one of ${opt.choices.join(", ")}, got '${raw}'`);
      if (opt.repeat) out.options[name] = [...((out.options[name] as string[] | undefined) ?? []), raw];
      else out.options[name] = raw;
    }
  }
  const want = cmd.positionals ?? [];
  const fewOk = cmd.optionalPositionals && out.positionals.length < want.length;
  const manyOk = cmd.variadic && out.positionals.length >= want.length;
  if (!out.help && !fewOk && !manyOk && out.positionals.length !== want.length) {
    const takes = want.length ? want.join(" ") : "no arguments";
    const got = out.positionals.length ? out.positionals.map((p) => `'${p}'`).join(" ") : "none";
    throw usage(`'${cmd.path.join(" ")}' takes ${takes}, got ${got}`);
  }
  return out;
}

/** The cap on each input of a command that reads files, in bytes (--max-input-mb). */
export function maxInputBytes(args: ParsedArgs): number {
  return ((args.options[MAX_INPUT_OPTION] as number | undefined) ?? DEFAULT_MAX_INPUT_MB) * MIB;
}

/** Width of the command column in the command lists. */
const COMMAND_COLUMN = 22;
/** Width of the option column in a command's help. */
const OPTION_COLUMN = 34;

function commandLine(c: CommandSpec, from: number): string {
  const positionals = (c.positionals ?? []).map((p) => (c.optionalPositionals ? `[${p}]` : p));
  return `  ${[...c.path.slice(from), ...positionals].join(" ").padEnd(COMMAND_COLUMN)} ${c.summary}`;
}

/** Help text generated from the same table: every command (no arguments), one group's subcommands, or one command. */
export function helpText(cmd: CommandSpec | null, group: string[] | null = null): string {
  if (!cmd && group) {
    const name = group.join(" ");
    const lines = [`Usage: oomlab ${name} <subcommand> [options]`, "", "Subcommands:"];
    for (const c of subcommandsOf(group)) lines.push(commandLine(c, group.length));
    lines.push("", `oomlab help ${name} SUBCOMMAND (or oomlab ${name} SUBCOMMAND --help) lists its options.`);
    return lines.join("\n") + "\n";
  }
  if (!cmd) {
    const lines = [
      "oomlab: why did the OOM killer fire, or an allocation fail, with free memory?",
      "",
      "Usage: oomlab <command> [options]",
      "",
      "Commands:",
    ];
    for (const c of COMMANDS) lines.push(commandLine(c, 0));
    lines.push(
      "",
      "Options for every command: --help, --version",
      "oomlab help COMMAND (or oomlab COMMAND --help) lists a command's options.",
      "Exit status: 0 ok, 2 usage or input error, 1 other failure or (diagnose) no report found, 130 interrupted",
    );
    return lines.join("\n") + "\n";
  }
  const pos = (cmd.positionals ?? []).map((p) => (cmd.optionalPositionals ? `[${p}]` : p));
  const lines = [
    `Usage: oomlab ${[...cmd.path, ...pos].join(" ")}${cmd.variadic ? "..." : ""} [options]`,
    "",
    cmd.summary,
    "",
    "Options:",
  ];
  for (const o of cmd.options) {
    const v =
      o.type === "boolean" ? "" : o.choices ? ` <${o.choices.join("|")}>` : o.type === "int" ? " <n>" : " <value>";
    const d =
      o.default !== undefined && o.type !== "boolean"
        ? ` (default ${o.name === "seed" ? "0x" + Number(o.default).toString(16) : o.default})`
        : "";
    lines.push(`  --${o.name}${v}`.padEnd(OPTION_COLUMN) + ` ${o.description}${d}`);
  }
  if (cmd.notes) lines.push("", ...cmd.notes);
  return lines.join("\n") + "\n";
}
