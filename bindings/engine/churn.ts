// The churn benchmark on the WASM engine (docs/churn-benchmark.md): one Normal zone of
// 2^L pages at pfn 0, MAX_ORDER 11, 2.6.11 free lists, the min watermark at floor(N / 100) and no
// lowmem_reserve. The whole workload runs inside WASM (assembly/workload.ts), called in chunks so
// V8's tiers settle, and only the churn phase is timed.

import { readChurnStats, type ChurnStats } from "./abi.js";
import { Machine } from "./machine.js";
import type { EngineBuild } from "./wasm.js";

export interface ChurnOptions {
  seed?: number;
  log2Pages?: number;
  ops?: number;
  /** Operations per WASM call (default 100,000). */
  chunk?: number;
  build?: EngineBuild;
}

export interface ChurnResult {
  impl: string;
  checksum: string;
  nsPerOp: number;
  opsPerSec: number;
  ops: number;
  log2Pages: number;
  seed: number;
  /** Freeing every live block afterwards gave back N/1024 order-10 blocks. */
  coalesced: boolean;
}

/** xorshift32 (docs/churn-benchmark.md): x ^= x << 13; x ^= x >> 17; x ^= x << 5, mod 2^32. Seed 0
 *  would stay 0 forever, so it is replaced by a fixed odd constant. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export const CHURN_DEFAULTS = { seed: 0x12345678, log2Pages: 20, ops: 10_000_000, chunk: 100_000 };

/** docs/churn-benchmark.md's published checksum for L = 20, 10,000,000 operations, seed 0x12345678. */
export const REFERENCE_CHURN_CHECKSUM =
  "sum=1327924465510;hash=529020669;alloc=5068664;free=5000129;fail=0;capfree=0;noop=0;live=68535;" +
  "live_pages=484398;free_pages=564178;nr_free=188,311,68,141,11,8,2,4,1,35,530";

/** The machine the churn runs on. */
export function churnMachine(log2Pages: number, build?: EngineBuild): Machine {
  const n = 2 ** log2Pages;
  const min = Math.floor(n / 100);
  return Machine.create(
    {
      era: "2.6.11",
      maxOrder: 11,
      minFreeKbytes: 0,
      nodes: [
        {
          zones: [
            {
              type: "Normal",
              startPfn: 0,
              spannedPages: n,
              watermarks: { min, low: min, high: min },
              lowmemReserve: [0, 0, 0, 0, 0],
            },
          ],
        },
      ],
    },
    { build },
  );
}

/** The engine's churn counters (churnStats(), read through the churn stats record). */
export function churnStats(m: Machine): ChurnStats {
  const engine = m.engineExports;
  engine.churnStats();
  return readChurnStats(m.engineAbi, m.engineViews, engine.ioPtr(), m.machine.maxOrder);
}

/** The churn benchmark's checksum string. */
export function churnChecksum(s: ChurnStats): string {
  return (
    `sum=${s.sum};hash=${s.hash};alloc=${s.allocs};free=${s.frees};fail=${s.fails};capfree=${s.capFrees};` +
    `noop=${s.noops};live=${s.liveCount};live_pages=${s.livePages};free_pages=${s.freePages};` +
    `nr_free=${s.nrFree.join(",")}`
  );
}

/** The warm-up run: a 2^12-page zone, 20 calls of 20,000 operations. */
const WARM_UP = { log2Pages: 12, seed: 1, calls: 20, opsPerCall: 20_000 };

/** Runs the churn loop on a small throwaway machine of the same compiled module, so V8 has
 *  tiered churnRun up from its baseline compiler (Liftoff) to TurboFan before the timed run. */
function warmUp(build?: EngineBuild): void {
  const m = churnMachine(WARM_UP.log2Pages, build);
  const engine = m.engineExports;
  engine.churnInit(m.machine.zones[0].slot, WARM_UP.seed, m.engineAbi.MIGRATE_UNMOVABLE);
  engine.churnPrefill();
  for (let i = 0; i < WARM_UP.calls; i++) engine.churnRun(WARM_UP.opsPerCall);
}

export function runChurn(opts: ChurnOptions = {}): ChurnResult {
  const seed = opts.seed ?? CHURN_DEFAULTS.seed;
  const log2Pages = opts.log2Pages ?? CHURN_DEFAULTS.log2Pages;
  const ops = opts.ops ?? CHURN_DEFAULTS.ops;
  const chunk = opts.chunk ?? CHURN_DEFAULTS.chunk;
  warmUp(opts.build);
  const m = churnMachine(log2Pages, opts.build);
  const engine = m.engineExports;
  engine.churnInit(m.machine.zones[0].slot, seed >>> 0, m.engineAbi.MIGRATE_UNMOVABLE);
  engine.churnPrefill();
  const t0 = performance.now();
  for (let done = 0; done < ops; done += chunk) engine.churnRun(Math.min(chunk, ops - done));
  const ms = performance.now() - t0;
  const sum = churnChecksum(churnStats(m));
  engine.churnDrain();
  const s = m.stats(m.machine.zones[0].slot);
  const top = m.machine.maxOrder - 1;
  const coalesced = s.nrFree[top] === 2 ** log2Pages / 2 ** top && s.nrFree.slice(0, top).every((n) => n === 0);
  const nsPerOp = ops > 0 ? (ms * 1e6) / ops : 0;
  return {
    impl: "wasm",
    checksum: sum,
    nsPerOp,
    opsPerSec: nsPerOp > 0 ? 1e9 / nsPerOp : 0,
    ops,
    log2Pages,
    seed,
    coalesced,
  };
}
