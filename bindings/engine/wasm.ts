// The only module that touches WebAssembly. It compiles the engine once (from the embedded bytes,
// from bytes the caller passes, or from a URL) and instantiates one instance per machine.
// No Node-only API: this file runs unchanged in Node, browsers and workers. Only the release build
// is embedded (and shipped); the debug build (assertions on) is for tests, which pass its bytes.

import { OomlabError } from "../errors.js";
import { MemoryViews, readAbi, type Abi } from "./abi.js";
import { WASM_RELEASE_BASE64 } from "./generated/wasm-release.js";

/** The engine's exports (assembly/index.ts). */
export interface WasmExports {
  memory: WebAssembly.Memory;
  machineInit(
    era: number,
    maxOrder: number,
    pbOrder: number,
    pages: number,
    mobilityOff: number,
    boostFactor: number,
  ): number;
  machineReset(): void;
  zoneInit(
    slot: number,
    node: number,
    type: number,
    start: number,
    spanned: number,
    present: number,
    managed: number,
  ): number;
  zoneSetPageblocks(slot: number, idx: number, count: number, mt: number): number;
  zonePopulate(slot: number): number;
  zoneSetWatermarks(slot: number, min: number, low: number, high: number, promo: number): number;
  zoneSetLowmemReserve(slot: number, idx: number, pages: number): number;
  zoneSetFreePages(slot: number, pages: number): number;
  zoneSetBoost(slot: number, pages: number): number;
  zonelistSet(id: number): number;
  allocPages(zl: number, order: number, mt: number, flags: number, owner: number): number;
  freeBlock(idx: number): number;
  setOwner(idx: number, owner: number): number;
  allocAllOrder0(slot: number, mt: number, owner: number): number;
  freeRange(idx: number, count: number): number;
  freeStrided(idx: number, count: number, step: number, pages: number): number;
  ownerWalk(owner: number, doFree: number): number;
  batchRun(n: number): number;
  churnInit(slot: number, seed: number, mt: number): number;
  churnPrefill(): void;
  churnRun(ops: number): void;
  churnDrain(): void;
  churnStats(): void;
  checkInvariants(): number;
  pcpInit(cpus: number, rules: number, thpOrder: number): number;
  pcpZoneSet(slot: number, highMin: number, highMax: number, batch: number, freeHighBatch: number): number;
  pcpSetCpu(cpu: number): number;
  pcpSetReclaimActive(slot: number, on: number): number;
  pcpDecayHigh(): number;
  pcpPtr(slot: number, cpu: number): number;
  drainAllPages(slot: number): number;
  headerPtr(): number;
  ioPtr(): number;
  zonesPtr(): number;
  infoPtr(): number;
  nextPtr(): number;
  prevPtr(): number;
  pageblocksPtr(): number;
  lastZone(): number;
  watermarkOk2611(
    slot: number,
    order: number,
    mark: number,
    classzoneIdx: number,
    canTryHarder: number,
    gfpHigh: number,
  ): number;
  watermarkOk618(slot: number, order: number, mark: number, highestZoneidx: number, allocFlags: number): number;
  watermarkFast618(slot: number, order: number, mark: number, highestZoneidx: number, allocFlags: number): number;
  reserveHighatomic(slot: number, idx: number, order: number): void;
  unreserveHighatomic(slot: number, mt: number, force: number): number;
  compactZone(
    slot: number,
    order: number,
    mt: number,
    mode: number,
    flags: number,
    owner: number,
    wmarkLow: number,
    hpageOrder: number,
  ): number;
  compactResetSkip(slot: number): number;
  compactSetBlockskipFlush(slot: number, flush: number): number;
  setMovable(idx: number, movable: number): number;
  setPageblockSkipHint(idx: number, skip: number): number;
}

export type EngineBuild = "release" | "debug";

const modules: Partial<Record<EngineBuild, WebAssembly.Module>> = {};
let defaultBuild: EngineBuild = "release";

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The embedded bytes of a build: the release engine's; the debug engine is not embedded. */
function embedded(build: EngineBuild): Uint8Array<ArrayBuffer> {
  if (build === "debug") {
    throw new OomlabError(
      "OOMLAB_WASM",
      "the debug engine is not shipped (only the release engine is embedded): pass its bytes, " +
        'initSync({ build: "debug", bytes }), from build/oomlab.debug.wasm of `npm run build:wasm` in a checkout',
    );
  }
  return decodeBase64(WASM_RELEASE_BASE64);
}

export interface InitOptions {
  /** "release" (optimised, no assertions) or "debug" (assertions on). Default release. */
  build?: EngineBuild;
  /** Engine bytes to use instead of the embedded ones. */
  bytes?: BufferSource;
  /** Make this build the default for new machines. Default true. */
  makeDefault?: boolean;
}

/** Compiles the engine synchronously (fine in Node and workers; Chromium allows synchronous
 *  compilation of modules this small on the main thread). */
export function initSync(opts: InitOptions = {}): void {
  const build = opts.build ?? "release";
  if (!modules[build] || opts.bytes) {
    const bytes = opts.bytes ?? embedded(build);
    try {
      modules[build] = new WebAssembly.Module(bytes);
    } catch (e) {
      throw new OomlabError("OOMLAB_WASM", `cannot compile the ${build} engine: ${(e as Error).message}`);
    }
  }
  if (opts.makeDefault ?? true) defaultBuild = build;
}

/** Compiles the engine asynchronously, from bytes, a URL (streaming where the host supports it) or
 *  the embedded bytes. */
export async function init(opts: InitOptions & { url?: string | URL } = {}): Promise<void> {
  const build = opts.build ?? "release";
  try {
    if (opts.url) {
      const res = await fetch(opts.url);
      modules[build] =
        typeof WebAssembly.compileStreaming === "function" && res.headers.get("content-type") === "application/wasm"
          ? await WebAssembly.compileStreaming(res)
          : await WebAssembly.compile(await res.arrayBuffer());
    } else if (!modules[build] || opts.bytes) {
      modules[build] = await WebAssembly.compile(opts.bytes ?? embedded(build));
    }
  } catch (e) {
    if (e instanceof OomlabError) throw e;
    throw new OomlabError("OOMLAB_WASM", `cannot load the ${build} engine: ${(e as Error).message}`);
  }
  if (opts.makeDefault ?? true) defaultBuild = build;
}

/** Reads an AssemblyScript string (UTF-16, byte length stored 4 bytes before it). */
function readString(mem: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const len = new Uint32Array(mem.buffer, ptr - 4, 1)[0] >>> 1;
  return String.fromCharCode(...new Uint16Array(mem.buffer, ptr, len));
}

export interface EngineInstance {
  exports: WasmExports;
  /** Every constant the engine exports (exported globals, as signed numbers), by name. */
  constants: Readonly<Record<string, number>>;
  /** The constants TypeScript reads (abi.ts), read once per instance. */
  abi: Abi;
  /** Typed arrays over the instance's memory, made again when it grows. */
  views: MemoryViews;
  build: EngineBuild;
}

/** Instances given back by disposed machines, per build (reset and reused by instantiate). */
const pool: Record<EngineBuild, EngineInstance[]> = { release: [], debug: [] };
const POOL_MAX = 8;

/** Gives an instance back for reuse (Machine.dispose). Its memory stays allocated. An instance
 *  given back twice is pooled once, so no two machines are ever handed the same instance. */
export function release(inst: EngineInstance): void {
  const free = pool[inst.build];
  if (free.length < POOL_MAX && !free.includes(inst)) free.push(inst);
}

/** An engine instance for one machine (the engine keeps one machine in its memory): a pooled one,
 *  reset, or a new one. */
export function instantiate(build?: EngineBuild): EngineInstance {
  const b = build ?? defaultBuild;
  const pooled = pool[b].pop();
  if (pooled) {
    pooled.exports.machineReset();
    return pooled;
  }
  if (!modules[b]) initSync({ build: b, makeDefault: false });
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        const m = memory ? `${readString(memory, msg)} at ${readString(memory, file)}:${line}:${col}` : "abort";
        throw new OomlabError("OOMLAB_WASM", `engine assertion failed: ${m}`);
      },
    },
  };
  const instance = new WebAssembly.Instance(modules[b] as WebAssembly.Module, imports);
  const raw = instance.exports as unknown as Record<string, unknown>;
  memory = raw.memory as WebAssembly.Memory;
  const constants: Record<string, number> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value instanceof WebAssembly.Global) constants[name] = Number(value.value);
  }
  return {
    exports: raw as unknown as WasmExports,
    constants: Object.freeze(constants),
    abi: readAbi(constants),
    views: new MemoryViews(memory),
    build: b,
  };
}

/** WebAssembly's memory page. */
const WASM_PAGE_BYTES = 65536;

/** Makes to's memory a byte-for-byte copy of from's (growing it first; bytes past from's size are
 *  zeroed). The engine keeps all of a machine's state in its memory, so to then holds the same
 *  machine: this is how a machine is forked. Both instances must be of the same build. */
export function copyMemory(from: EngineInstance, to: EngineInstance): void {
  if (from.build !== to.build) {
    throw new OomlabError("OOMLAB_WASM", `cannot copy a ${from.build} engine's memory into a ${to.build} engine`);
  }
  const src = from.exports.memory;
  const dst = to.exports.memory;
  const missing = src.buffer.byteLength - dst.buffer.byteLength;
  if (missing > 0) {
    try {
      dst.grow(Math.ceil(missing / WASM_PAGE_BYTES));
    } catch (e) {
      const why = (e as Error).message;
      throw new OomlabError("OOMLAB_TOO_BIG", `the host refused ${missing} more bytes of engine memory: ${why}`);
    }
  }
  const target = new Uint8Array(dst.buffer);
  target.set(new Uint8Array(src.buffer));
  target.fill(0, src.buffer.byteLength);
}
