// What a command reads and writes: standard output and error, files, standard input. Commands see
// only this interface, so tests run them in-process; nodeIo() is the real one (Node-only APIs live
// in cli/ and nowhere below).

import { OomlabError } from "../errors.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): Promise<string>;
  /** Standard input, for "-" (diagnose). */
  readStdin?(): Promise<string>;
  /** Whether a path is a directory (snapshot --proc). */
  isDirectory?(path: string): Promise<boolean>;
}

/** "scenario:NAME" names a scenario shipped with oomlab (scenarios/NAME.json). */
export const SCENARIO_PREFIX = "scenario:";

/** The process's streams and file system. */
export async function nodeIo(): Promise<CliIo> {
  const { readFile, stat } = await import("node:fs/promises");
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    readFile: async (p) => {
      const shipped = p.startsWith(SCENARIO_PREFIX);
      const path = shipped ? new URL(`../../../scenarios/${p.slice(SCENARIO_PREFIX.length)}.json`, import.meta.url) : p;
      try {
        return await readFile(path, "utf8");
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        if (shipped) {
          const name = p.slice(SCENARIO_PREFIX.length);
          throw new OomlabError("OOMLAB_USAGE", `no scenario named '${name}' (looked for ${String(path)}: ${why})`);
        }
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
}

/** Reads a JSON file through io; a parse error is an input error naming the file. */
export async function readJson(io: CliIo, path: string, label = path): Promise<unknown> {
  const text = await io.readFile(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new OomlabError("OOMLAB_BAD_SPEC", `${label} is not valid JSON: ${(e as Error).message}`);
  }
}
