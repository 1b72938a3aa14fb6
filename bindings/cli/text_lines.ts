// A text file's lines, streamed and decompressed by its first bytes: gzip (1f 8b) with node:zlib, xz
// (fd 37 7a 58 5a 00) with xz-decompress (xz-embedded compiled to WebAssembly: no native code, the same
// decoder runs in a browser), anything else as plain text. Lines come a chunk's worth at a time, so a
// capture of millions of lines is never held whole. Decoding is UTF-8 with invalid bytes as U+FFFD.

import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { createGunzip } from "node:zlib";
import xzDecompress from "xz-decompress";
import { OomlabError } from "../errors.js";
import { LineSplitter } from "../parse/ftrace.js";
import type { XzWorkerMessage } from "./xz_worker.js";

export type Compression = "gzip" | "xz" | "none";

const GZIP_MAGIC = [0x1f, 0x8b];
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

/** The compression a file's first bytes announce. */
export function compressionOf(head: Uint8Array): Compression {
  const starts = (m: number[]) => m.every((b, i) => head[i] === b);
  return starts(XZ_MAGIC) ? "xz" : starts(GZIP_MAGIC) ? "gzip" : "none";
}

/** Bytes read from the file per chunk (also the xz decoder's input chunk). */
const CHUNK_BYTES = 1 << 20;

/** An .xz file's bytes decompressed on a worker thread (cli/xz_worker.ts). */
async function* xzOnWorker(path: string): AsyncGenerator<Uint8Array> {
  const worker = new Worker(new URL("./xz_worker.js", import.meta.url), { workerData: { path } });
  const queue: (XzWorkerMessage | { kind: "error"; message: string })[] = [];
  let wake: (() => void) | null = null;
  const push = (m: XzWorkerMessage) => {
    queue.push(m);
    wake?.();
    wake = null;
  };
  worker.on("message", push);
  worker.on("error", (e) => push({ kind: "error", message: e.message }));
  worker.on("exit", () => push({ kind: "error", message: "the decompressing thread stopped" }));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      const m = queue.shift() as XzWorkerMessage;
      if (m.kind === "end") return;
      if (m.kind === "error") throw new Error(m.message);
      worker.postMessage("more");
      yield m.bytes;
    }
  } finally {
    worker.removeAllListeners();
    void worker.terminate();
  }
}

async function* bytesOf(path: string, compression: Compression, xzWorker: boolean): AsyncGenerator<Uint8Array> {
  if (compression === "xz" && xzWorker) {
    yield* xzOnWorker(path);
    return;
  }
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  if (compression === "gzip") {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    file.on("error", (e) => gunzip.destroy(e));
    yield* file.pipe(gunzip) as AsyncIterable<Buffer>;
  } else if (compression === "xz") {
    const xz = new xzDecompress.XzReadableStream(Readable.toWeb(file) as ReadableStream<Uint8Array>);
    yield* xz as unknown as AsyncIterable<Uint8Array>;
  } else yield* file as AsyncIterable<Buffer>;
}

export interface FileLinesOptions {
  /** Decompress .xz on a worker thread (default; needs the built cli/xz_worker.js beside this file). */
  xzWorker?: boolean;
}

/**
 * The lines of a plain, .gz or .xz file (line feeds removed), in batches. A file that cannot be read is
 * OOMLAB_USAGE and a damaged compressed stream OOMLAB_BAD_ARGUMENT (both exit 2), each naming the file.
 */
export async function* fileLines(path: string, options: FileLinesOptions = {}): AsyncGenerator<string[]> {
  let compression: Compression;
  try {
    const f = await open(path, "r");
    try {
      const head = new Uint8Array(XZ_MAGIC.length);
      await f.read(head, 0, head.length, 0);
      compression = compressionOf(head);
    } finally {
      await f.close();
    }
  } catch (e) {
    throw new OomlabError("OOMLAB_USAGE", `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const decoder = new TextDecoder("utf-8");
  const split = new LineSplitter();
  try {
    for await (const chunk of bytesOf(path, compression, options.xzWorker ?? true)) {
      const lines = split.push(decoder.decode(chunk, { stream: true }));
      if (lines.length) yield lines;
    }
  } catch (e) {
    if (e instanceof OomlabError) throw e;
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message ?? String(e);
    const what = compression === "none" ? "cannot read" : `cannot decompress (${compression})`;
    throw new OomlabError(compression === "none" ? "OOMLAB_USAGE" : "OOMLAB_BAD_ARGUMENT", `${what} ${path}: ${why}`);
  }
  const last = split.push(decoder.decode());
  last.push(...split.end());
  if (last.length) yield last;
}
