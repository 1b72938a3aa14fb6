// Types of lab/archive.mjs, for the tests in test/lab/.
export interface CpioEntry {
  path: string;
  type: "dir" | "file" | "symlink";
  mode?: number;
  data?: Uint8Array | string;
  target?: string;
}
export function cpioNewc(entries: readonly CpioEntry[]): Buffer;
export function readCpioNewc(buf: Buffer): { path: string; mode: number; data: Buffer }[];
export function readTar(buf: Buffer): Map<string, Buffer>;
export function checkMd5sums(listing: string, files: ReadonlyMap<string, Buffer>): string[];
