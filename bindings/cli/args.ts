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
}

const JSON_OPT: OptionSpec = { name: "json", type: "boolean", description: "print one JSON object instead of text" };

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
      "replay a 2.6.11 scenario (default: the seed article) and print the simulated kernel log; " +
      "--compare tabulates XFS kmem_alloc policies and request sizes",
    options: [
      {
        name: "policy",
        type: "string",
        description: "XFS kmem_alloc policy",
        default: "pre-bdfb04301fa5",
        choices: ["pre-bdfb04301fa5", "bdfb04301fa5", "kvmalloc"],
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
          "e.g. machine.minFreeKbytes=2400 or events.0.size=131072 (repeatable)",
      },
      {
        name: "max-retries",
        type: "int",
        description: "bound on kmem_alloc's endless loop (retries)",
        default: 20_000,
        min: 1,
        max: 1e9,
      },
      {
        name: "max-sim-ms",
        type: "int",
        description: "bound on kmem_alloc's endless loop (simulated ms)",
        default: 600_000,
        min: 1,
        max: 1e12,
      },
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
          "re-run the verdict with min_free_kbytes=K, watermark_scale_factor=F, order=N or gfp=MASK (repeatable)",
      },
      JSON_OPT,
    ],
    positionals: ["FILE"],
    variadic: true,
  },
  {
    path: ["snapshot"],
    summary:
      "compare the running kernel's watermarks and protection with the formulas, " +
      "and check every order (reads /proc or a copy laid out like it)",
    options: [
      { name: "proc", type: "string", description: "directory laid out like /proc", default: "/proc" },
      JSON_OPT,
    ],
  },
  {
    path: ["machine"],
    summary: "build a machine from a JSON description and print its zones, /proc/buddyinfo and /proc/pagetypeinfo",
    options: [JSON_OPT],
    positionals: ["FILE.json"],
  },
];

export interface ParsedArgs {
  command: CommandSpec | null;
  options: Record<string, string | number | boolean | string[]>;
  positionals: string[];
  help: boolean;
  version: boolean;
}

function usage(msg: string): OomlabError {
  return new OomlabError("OOMLAB_USAGE", `${msg} (see oomlab --help)`);
}

function parseInt32(opt: OptionSpec, raw: string): number {
  const v = /^0x[0-9a-f]+$/i.test(raw)
    ? parseInt(raw, 16)
    : /^[0-9][0-9_]*$/.test(raw)
      ? Number(raw.replace(/_/g, ""))
      : NaN;
  if (!Number.isSafeInteger(v)) throw usage(`--${opt.name} needs an integer, got '${raw}'`);
  if ((opt.min !== undefined && v < opt.min) || (opt.max !== undefined && v > opt.max)) {
    throw usage(`--${opt.name} ${raw} is out of range ${opt.min} to ${opt.max}`);
  }
  return v;
}

/** Parses argv (without node and the script path). */
export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { command: null, options: {}, positionals: [], help: false, version: false };
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
  if (!cmd) throw usage(`unknown command '${words.join(" ")}'`);
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
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    const opt = cmd.options.find((o) => o.name === name);
    if (!opt) throw usage(`unknown option --${name} for '${cmd.path.join(" ")}'`);
    if (opt.type === "boolean") {
      if (inline !== undefined) throw usage(`--${name} takes no value`);
      out.options[name] = true;
      continue;
    }
    const raw = inline ?? rest[++k];
    if (raw === undefined) throw usage(`--${name} needs a value`);
    if (opt.type === "int") out.options[name] = parseInt32(opt, raw);
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

/** Help text generated from the same table. */
export function helpText(cmd: CommandSpec | null): string {
  if (!cmd) {
    const lines = [
      "oomlab: why did the OOM killer fire, or an allocation fail, with free memory?",
      "",
      "Usage: oomlab <command> [options]",
      "",
      "Commands:",
    ];
    for (const c of COMMANDS) {
      const positionals = (c.positionals ?? []).map((p) => (c.optionalPositionals ? `[${p}]` : p));
      lines.push(`  ${[...c.path, ...positionals].join(" ").padEnd(22)} ${c.summary}`);
    }
    lines.push(
      "",
      "Options for every command: --help, --version",
      "Exit status: 0 ok, 2 usage or input error, 1 other failure, 130 interrupted",
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
    lines.push(`  --${o.name}${v}`.padEnd(34) + ` ${o.description}${d}`);
  }
  return lines.join("\n") + "\n";
}
