// What a command reads and writes: standard output and error, files, standard input. Commands see
// only this interface, so tests run them in-process; nodeIo() is the real one (Node-only APIs live
// in cli/ and nowhere below). Every input is read by streaming and refused once it passes a cap
// (--max-input-mb), so that `diagnose - < /dev/zero` stops at the cap instead of filling memory.

import { OomlabError } from "../errors.js";
import { printableLines } from "../include/printable.js";
import { DEFAULT_MAX_INPUT_MB, MAX_INPUT_MB_LIMIT, MAX_INPUT_OPTION, MIB } from "./args.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** A file's text; more than maxBytes (default DEFAULT_MAX_INPUT_MB MiB) is an OOMLAB_INPUT_TOO_LARGE error. */
  readFile(path: string, maxBytes?: number): Promise<string>;
  /** Standard input, for "-" (diagnose), capped like readFile. */
  readStdin?(maxBytes?: number): Promise<string>;
  /** Whether a path is a directory (snapshot --proc). */
  isDirectory?(path: string): Promise<boolean>;
  /** A file's lines in batches, streamed and decompressed (.gz, .xz) without holding the file (trace stats);
   *  without it a command reads readFile's text. */
  readLines?(path: string): AsyncIterable<string[]>;
  /** Whether standard error is a terminal (progress lines are drawn only there). */
  errIsTTY?: boolean;
}

/** Text safe to print on a terminal: every character that could drive or hide on it (controls other
 *  than newline, format and bidi characters, unpaired surrogates) as a \uXXXX escape, as in warnings. */
export const printable = printableLines;

/** "scenario:NAME" names a scenario shipped with oomlab (scenarios/NAME.json). */
export const SCENARIO_PREFIX = "scenario:";

/** Bytes asked of the operating system per read when the size is not known in advance. */
const READ_CHUNK_BYTES = MIB;

function mib(bytes: number): string {
  return `${Math.floor((bytes / MIB) * 10) / 10} MiB`;
}

/** The error for an input over the cap: the input, its size when known, the cap and the option that raises it. */
export function inputTooLarge(name: string, maxBytes: number, size?: number): OomlabError {
  const how = size === undefined ? `is larger than` : `is ${mib(size)} (${size} bytes), over`;
  return new OomlabError(
    "OOMLAB_INPUT_TOO_LARGE",
    `${name} ${how} the input cap of ${mib(maxBytes)}; --${MAX_INPUT_OPTION} N raises it (up to ${MAX_INPUT_MB_LIMIT})`,
  );
}

/** Collects chunks until the source ends, throwing once they pass maxBytes (the caller then stops the source). */
class CappedBytes {
  private readonly chunks: Uint8Array[] = [];
  total = 0;
  constructor(
    private readonly name: string,
    private readonly maxBytes: number,
  ) {}
  add(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.total > this.maxBytes) throw inputTooLarge(this.name, this.maxBytes);
    this.chunks.push(chunk);
  }
  text(): string {
    const bytes = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.total);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
  }
}

/** Reads a file up to maxBytes: a regular file larger than that is refused before reading, anything else
 * (a pipe, a character device such as /dev/zero, a /proc file that reports size 0) stops at the cap. */
async function readFileCapped(path: string | URL, name: string, maxBytes: number): Promise<string> {
  const { open } = await import("node:fs/promises");
  const file = await open(path, "r");
  try {
    const st = await file.stat();
    if (st.isFile() && st.size > maxBytes) throw inputTooLarge(name, maxBytes, st.size);
    const sizeHint = st.isFile() ? st.size : 0;
    const got = new CappedBytes(name, maxBytes);
    for (;;) {
      // The whole file in one read when its size is known (no copy), then chunks until the end; never past the cap.
      const want = Math.min(Math.max(sizeHint - got.total, READ_CHUNK_BYTES), maxBytes + 1 - got.total);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await file.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      got.add(bytesRead === want ? buf : buf.subarray(0, bytesRead));
    }
    return got.text();
  } finally {
    await file.close();
  }
}

/** Reads a stream (standard input) up to maxBytes, then stops reading it. */
export async function readStreamCapped(
  stream: AsyncIterable<Uint8Array | string>,
  name: string,
  maxBytes: number,
): Promise<string> {
  const got = new CappedBytes(name, maxBytes);
  // Leaving the loop by the throw ends the iteration, which destroys the stream: nothing more is read.
  for await (const c of stream) got.add(typeof c === "string" ? Buffer.from(c, "utf8") : c);
  return got.text();
}

/** The process's streams and file system. */
export async function nodeIo(): Promise<CliIo> {
  const { stat } = await import("node:fs/promises");
  const defaultMax = DEFAULT_MAX_INPUT_MB * MIB;
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    readFile: async (p, maxBytes = defaultMax) => {
      const shipped = p.startsWith(SCENARIO_PREFIX);
      const path = shipped ? new URL(`../../../scenarios/${p.slice(SCENARIO_PREFIX.length)}.json`, import.meta.url) : p;
      try {
        return await readFileCapped(path, p, maxBytes);
      } catch (e) {
        if (e instanceof OomlabError) throw e;
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        if (shipped) {
          const name = p.slice(SCENARIO_PREFIX.length);
          throw new OomlabError("OOMLAB_USAGE", `no scenario named '${name}' (looked for ${String(path)}: ${why})`);
        }
        throw new OomlabError("OOMLAB_USAGE", `cannot read ${p}: ${why}`);
      }
    },
    readStdin: (maxBytes = defaultMax) => readStreamCapped(process.stdin, "standard input", maxBytes),
    isDirectory: async (p) => (await stat(p).catch(() => null))?.isDirectory() ?? false,
    readLines: async function* (p) {
      // loaded on demand: only trace commands decompress
      yield* (await import("./text_lines.js")).fileLines(p);
    },
    errIsTTY: process.stderr.isTTY === true,
  };
}

/** Reads a JSON file through io; a parse error is an input error naming the file. */
export async function readJson(io: CliIo, path: string, label = path, maxBytes?: number): Promise<unknown> {
  const text = await io.readFile(path, maxBytes);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new OomlabError("OOMLAB_BAD_SPEC", `${label} is not valid JSON: ${(e as Error).message}`);
  }
}
