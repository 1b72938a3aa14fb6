// Decompresses one .xz file on its own thread for cli/text_lines.ts, so that decoding (xz-embedded in
// WebAssembly, about 1 s for the 6.4 MB capture here) and parsing run on two cores at once. Posts
// CHUNK_BYTES batches (transferred, not copied), at most CREDITS ahead of what the reader has taken.

import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { parentPort, workerData } from "node:worker_threads";
import xzDecompress from "xz-decompress";

/** What the worker posts; the reader answers each "chunk" with "more". */
export type XzWorkerMessage =
  | { kind: "chunk"; bytes: Uint8Array }
  | { kind: "end" }
  | { kind: "error"; message: string };

/** Decompressed bytes per message. */
export const XZ_CHUNK_BYTES = 1 << 20;
/** Messages posted and not yet taken by the reader. */
export const XZ_CREDITS = 8;

const port = parentPort;
if (port) {
  let credits = XZ_CREDITS;
  let wake: (() => void) | null = null;
  port.on("message", () => {
    credits++;
    wake?.();
    wake = null;
  });
  const post = async (bytes: Uint8Array) => {
    while (credits === 0) await new Promise<void>((r) => (wake = r));
    credits--;
    port.postMessage({ kind: "chunk", bytes } satisfies XzWorkerMessage, [bytes.buffer as ArrayBuffer]);
  };
  try {
    const { path } = workerData as { path: string };
    const file = Readable.toWeb(createReadStream(path, { highWaterMark: XZ_CHUNK_BYTES }));
    const xz = new xzDecompress.XzReadableStream(file as ReadableStream<Uint8Array>);
    let batch = new Uint8Array(XZ_CHUNK_BYTES);
    let used = 0;
    for await (const c of xz as unknown as AsyncIterable<Uint8Array>) {
      let off = 0;
      while (off < c.length) {
        const n = Math.min(c.length - off, XZ_CHUNK_BYTES - used);
        batch.set(c.subarray(off, off + n), used);
        used += n;
        off += n;
        if (used === XZ_CHUNK_BYTES) {
          await post(batch);
          batch = new Uint8Array(XZ_CHUNK_BYTES);
          used = 0;
        }
      }
    }
    if (used) await post(batch.slice(0, used));
    port.postMessage({ kind: "end" } satisfies XzWorkerMessage);
  } catch (e) {
    const message = (e as NodeJS.ErrnoException).code ?? (e as Error).message ?? String(e);
    port.postMessage({ kind: "error", message } satisfies XzWorkerMessage);
  }
  port.close();
}
