#!/usr/bin/env node
// The oomlab command line: thin adapters over the library. Node-only APIs live here and nowhere
// below. Errors map to exit codes in one place: 0 ok, 2 usage and input errors, 1 anything else,
// 130 on SIGINT.

import { OomlabError } from "../errors.js";
import { COMMANDS, helpText, parseArgs, type ParsedArgs } from "./args.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): Promise<string>;
  /** Standard input, for "-" (diagnose). */
  readStdin?(): Promise<string>;
  /** Whether a path is a directory (snapshot --proc). */
  isDirectory?(path: string): Promise<boolean>;
}

const INPUT_ERRORS = new Set(["OOMLAB_USAGE", "OOMLAB_BAD_SPEC", "OOMLAB_BAD_ARGUMENT", "OOMLAB_OVERLAPPING_ZONES", "OOMLAB_TOO_BIG", "OOMLAB_BAD_ORDER", "OOMLAB_BAD_PFN"]);

/** Exit status for an error: 2 for usage and input errors, 1 otherwise. */
export function exitCodeFor(e: unknown): number {
  return e instanceof OomlabError && INPUT_ERRORS.has(e.code) ? 2 : 1;
}

async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const cmd = args.command;
  const o = args.options;
  switch (cmd?.path.join(" ")) {
    case "demo": {
      const { runDemo } = await import("./commands/demo.js");
      io.out(await runDemo({ ops: o.ops as number, json: o.json === true }));
      return;
    }
    case "bench churn": {
      const opts = { seed: o.seed as number, log2Pages: o["log2-pages"] as number, ops: o.ops as number, chunk: o.chunk as number };
      let result: object;
      if (o.engine === "reference") {
        const { runRefChurn } = await import("../../reference/churn.js");
        result = { impl: "reference", ...opts, ...runRefChurn(opts) };
      } else {
        const { runChurn } = await import("../engine/churn.js");
        result = runChurn(opts);
      }
      const r = result as { checksum: string; nsPerOp: number; opsPerSec: number };
      io.out(o.json ? JSON.stringify(result) + "\n" : `checksum ${r.checksum}\n${r.nsPerOp.toFixed(2)} ns/op, ${(r.opsPerSec / 1e6).toFixed(2)} M ops/s\n`);
      return;
    }
    case "replay": {
      const { replay, compare, formatCompare } = await import("../scenario/replay.js");
      const name = args.positionals[0] ?? "seed";
      const text = await io.readFile(/^[a-z0-9-]+$/.test(name) ? `scenario:${name}` : name);
      let sc: unknown;
      try {
        sc = JSON.parse(text);
      } catch (e) {
        throw new OomlabError("OOMLAB_BAD_SPEC", `${name} is not valid JSON: ${(e as Error).message}`);
      }
      if (o.set) {
        const { setScenarioValue } = await import("../scenario/set.js");
        for (const edit of o.set as string[]) setScenarioValue(sc, edit);
      }
      const bounds = { maxRetries: o["max-retries"] as number, maxSimMs: o["max-sim-ms"] as number };
      if (o.compare) {
        const rows = compare(sc, [64, 96, 128, 256], bounds);
        io.out(o.json ? JSON.stringify(rows) + "\n" : formatCompare(rows));
        return;
      }
      const r = replay(sc, { ...bounds, policy: o.policy as never, size: o.size as number | undefined, events: o.json === true || o.trace === true });
      if (o.trace && !o.json) {
        const { formatTrace } = await import("../render/trace.js");
        io.out(formatTrace(r));
        return;
      }
      if (o.json) {
        io.out(JSON.stringify(r) + "\n");
        return;
      }
      const victims = r.kills.map((k) => `${k.pid} (${k.comm})`).join(", ") || "none";
      io.out(r.lines.join("\n") + "\n");
      io.err(`[oomlab] ${r.scenario}: ${r.request === "kmem_alloc" ? `policy ${r.policy}` : "alloc_pages"}, ${r.size} bytes: ${r.outcome}; OOM kills: ${victims}; deadlock warnings: ${r.deadlockMessages}; simulated ${(r.simMs / 1000).toFixed(2)} s\n`);
      return;
    }
    case "diagnose": {
      const { runDiagnose } = await import("./commands/diagnose.js");
      await runDiagnose(args.positionals, o, io);
      return;
    }
    case "snapshot": {
      const { runSnapshot } = await import("./commands/diagnose.js");
      await runSnapshot(o, io);
      return;
    }
    case "machine": {
      const { describeMachine } = await import("./commands/demo.js");
      let spec: unknown;
      const text = await io.readFile(args.positionals[0]);
      try {
        spec = JSON.parse(text);
      } catch (e) {
        throw new OomlabError("OOMLAB_BAD_SPEC", `${args.positionals[0]} is not valid JSON: ${(e as Error).message}`);
      }
      io.out(describeMachine(spec, o.json === true));
      return;
    }
  }
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.version) {
      io.out("oomlab 0.1.0\n");
      return 0;
    }
    if (args.help || !args.command) {
      io.out(helpText(args.command));
      return args.command || args.help ? 0 : 2;
    }
    await run(args, io);
    return 0;
  } catch (e) {
    io.err(`oomlab: ${e instanceof Error ? e.message : String(e)}\n`);
    return exitCodeFor(e);
  }
}

export { COMMANDS };

const isEntry = typeof process !== "undefined" && process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL((await import("node:fs")).realpathSync(process.argv[1])).href;
if (isEntry) {
  const { readFile, stat } = await import("node:fs/promises");
  process.on("SIGINT", () => process.exit(130));
  const io: CliIo = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    readFile: async (p) => {
      // "scenario:NAME" is a scenario shipped with oomlab (scenarios/NAME.json)
      const path = p.startsWith("scenario:") ? new URL(`../../../scenarios/${p.slice(9)}.json`, import.meta.url) : p;
      try {
        return await readFile(path, "utf8");
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        if (p.startsWith("scenario:")) throw new OomlabError("OOMLAB_USAGE", `no scenario named '${p.slice(9)}' (looked for ${String(path)}: ${why})`);
        throw new OomlabError("OOMLAB_USAGE", `cannot read ${p}: ${why}`);
      }
    },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    isDirectory: async (p) => (await stat(p).catch(() => null))?.isDirectory() ?? false,
  };
  process.exitCode = await main(process.argv.slice(2), io);
}
