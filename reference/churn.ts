// The churn benchmark (docs/churn-benchmark.md) on top of the reference model:
// one 2.6.11 Normal zone of 2^L pages at pfn 0, a seeded xorshift32 alloc/free workload, and a
// checksum that every correct implementation reproduces exactly.

import { resolveMachine } from "../bindings/mm/mm_init.js";
import { RefMachine } from "./model.js";

export interface RefChurnOptions {
  seed: number;
  log2Pages: number;
  ops: number;
  /** Operations per call of the timed loop (no effect on the result). */
  chunk?: number;
}

export interface RefChurnResult {
  checksum: string;
  nsPerOp: number;
  opsPerSec: number;
}

/** pickOrder: 70% order 0, 15% 1, 8% 2, 4% 3, 2% 4, 1% 9. */
function pickOrder(r: number): number {
  const p = r % 100;
  if (p < 70) return 0;
  if (p < 85) return 1;
  if (p < 93) return 2;
  if (p < 97) return 3;
  if (p < 99) return 4;
  return 9;
}

/** The benchmark's zone: watermarks min = low = high = floor(N / 100), no lowmem_reserve. */
function churnMachine(log2Pages: number): RefMachine {
  const n = 2 ** log2Pages;
  const mark = Math.floor(n / 100);
  const machine = resolveMachine({
    era: "2.6.11",
    maxOrder: 11,
    nodes: [
      {
        zones: [
          {
            type: "Normal",
            startPfn: 0,
            spannedPages: n,
            watermarks: { min: mark, low: mark, high: mark },
            lowmemReserve: [0, 0, 0, 0, 0],
          },
        ],
      },
    ],
  });
  return new RefMachine(machine);
}

export function runRefChurn(opts: RefChurnOptions): RefChurnResult {
  const n = 2 ** opts.log2Pages;
  const cap = Math.floor((n * 60) / 100);
  const chunk = Math.max(1, opts.chunk ?? 100_000);
  const m = churnMachine(opts.log2Pages);

  let x = opts.seed >>> 0;
  /** xorshift32. */
  const rng = (): number => {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    return x;
  };

  const livePfn = new Int32Array(n);
  const liveOrder = new Uint8Array(n);
  let liveCount = 0;
  let livePages = 0;
  let sum = 0;
  let hash = 2166136261;
  let allocs = 0;
  let frees = 0;
  let fails = 0;
  let capfrees = 0;
  let noops = 0;

  const doAlloc = (order: number): boolean => {
    const pfn = m.alloc({ order, allocFlags: 0 });
    hash = Math.imul((hash ^ (pfn + 1)) >>> 0, 16777619) >>> 0;
    if (pfn < 0) {
      fails++;
      return false;
    }
    livePfn[liveCount] = pfn;
    liveOrder[liveCount] = order;
    liveCount++;
    livePages += 2 ** order;
    sum += pfn;
    allocs++;
    return true;
  };

  const doFree = (): void => {
    const k = rng() % liveCount;
    const pfn = livePfn[k];
    const order = liveOrder[k];
    liveCount--;
    livePfn[k] = livePfn[liveCount];
    liveOrder[k] = liveOrder[liveCount];
    livePages -= 2 ** order;
    m.free(pfn);
    frees++;
  };

  const churn = (count: number): void => {
    for (let op = 0; op < count; op++) {
      const r = rng();
      if (r < 0x80000000) {
        const order = pickOrder(rng());
        if (livePages + 2 ** order > cap) {
          if (liveCount > 0) {
            doFree();
            capfrees++;
          } else {
            noops++;
          }
        } else {
          doAlloc(order);
        }
      } else if (liveCount > 0) {
        doFree();
      } else {
        noops++;
      }
    }
  };

  // prefill (untimed)
  while (livePages < n / 2) {
    if (!doAlloc(pickOrder(rng()))) break;
  }

  const t0 = performance.now();
  for (let done = 0; done < opts.ops; done += chunk) churn(Math.min(chunk, opts.ops - done));
  const ms = performance.now() - t0;

  const zone = m.snapshot().zones[0];
  const checksum =
    `sum=${sum};hash=${hash};alloc=${allocs};free=${frees};fail=${fails};capfree=${capfrees};noop=${noops};` +
    `live=${liveCount};live_pages=${livePages};free_pages=${zone.freePages};nr_free=${zone.nrFree.join(",")}`;
  const nsPerOp = opts.ops > 0 ? (ms * 1e6) / opts.ops : 0;
  return { checksum, nsPerOp, opsPerSec: ms > 0 ? (opts.ops * 1000) / ms : 0 };
}
