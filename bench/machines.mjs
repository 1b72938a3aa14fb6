// The machines the benchmarks share. x86Machine(pages): an x86-64 Linux 6.18 machine of `pages` 4 KiB
// pages on one node, DMA (pfn 1 .. 4095, 16 MiB), DMA32 up to half the memory, Normal above it; with
// 2^20 pages, the 4 GiB machine of bench/cell.mjs, slowpath.mjs, sweep64.mjs and parallel-baseline.mjs.
export function x86Machine(pages) {
  return {
    era: "6.18",
    nodes: [
      {
        zones: [
          { type: "DMA", startPfn: 1, spannedPages: 4095 },
          { type: "DMA32", startPfn: 4096, spannedPages: pages / 2 - 4096 },
          { type: "Normal", startPfn: pages / 2, spannedPages: pages / 2 },
        ],
      },
    ],
  };
}
