// Decompresses one .xz file on its own thread for cli/text_lines.ts, so that decoding (xz-embedded in
// WebAssembly, about 1 s for the 6.4 MB capture here) and parsing run on two cores at once. Posts the
// decoder's chunks (transferred, not copied), at most XZ_CREDITS ahead of what the reader has taken.

import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { parentPort, workerData } from "node:worker_threads";
import xzDecompress from "xz-decompress";

/** What the worker posts; the reader answers each "chunk" with "more". */
export type XzWorkerMessage =
  | { kind: "chunk"; bytes: Uint8Array }
  | { kind: "end" }
  | { kind: "error"; message: string };

/** Compressed bytes read from the file at a time. */
export const XZ_READ_BYTES = 1 << 20;
/** Messages posted and not yet taken by the reader (the decoder's chunks are about 64 KiB). */
export const XZ_CREDITS = 64;

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
    const file = Readable.toWeb(createReadStream(path, { highWaterMark: XZ_READ_BYTES }));
    const xz = new xzDecompress.XzReadableStream(file as ReadableStream<Uint8Array>);
    for await (const c of xz as unknown as AsyncIterable<Uint8Array>) {
      // the decoder's chunks are fresh copies out of its memory (about 64 KiB): passed on, not copied again
      const own = c.byteOffset === 0 && c.byteLength === c.buffer.byteLength;
      await post(own ? c : c.slice());
    }
    port.postMessage({ kind: "end" } satisfies XzWorkerMessage);
  } catch (e) {
    const message = (e as NodeJS.ErrnoException).code ?? (e as Error).message ?? String(e);
    port.postMessage({ kind: "error", message } satisfies XzWorkerMessage);
  }
  port.close();
}
