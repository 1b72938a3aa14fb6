// The live blocks of a placement workload (pfn, order and the migratetype requested), in growable
// typed arrays with O(1) removal by swapping in the last entry, as the churn benchmark keeps them.

import type { BlockVisitor } from "./metrics.js";

export class LiveSet {
  pfn = new Int32Array(1024);
  order = new Uint8Array(1024);
  mt = new Uint8Array(1024);
  count = 0;
  /** Σ 2^order over the set. */
  pages = 0;

  add(pfn: number, order: number, mt: number): void {
    if (this.count === this.pfn.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
        b.set(a);
        return b;
      };
      this.pfn = grow(this.pfn, new Int32Array(this.count * 2));
      this.order = grow(this.order, new Uint8Array(this.count * 2));
      this.mt = grow(this.mt, new Uint8Array(this.count * 2));
    }
    this.pfn[this.count] = pfn;
    this.order[this.count] = order;
    this.mt[this.count] = mt;
    this.count++;
    this.pages += 2 ** order;
  }

  /** Removes entry i (the last entry moves into its place); returns its pfn. */
  removeAt(i: number): number {
    const pfn = this.pfn[i];
    this.pages -= 2 ** this.order[i];
    const last = --this.count;
    this.pfn[i] = this.pfn[last];
    this.order[i] = this.order[last];
    this.mt[i] = this.mt[last];
    return pfn;
  }

  /** Swaps entries i and j (a shuffle's step). */
  swap(i: number, j: number): void {
    const p = this.pfn[i];
    const o = this.order[i];
    const t = this.mt[i];
    this.pfn[i] = this.pfn[j];
    this.order[i] = this.order[j];
    this.mt[i] = this.mt[j];
    this.pfn[j] = p;
    this.order[j] = o;
    this.mt[j] = t;
  }

  /** Visits every block (for the mixing metrics). */
  readonly forEach = (visit: BlockVisitor): void => {
    for (let i = 0; i < this.count; i++) visit(this.pfn[i], this.order[i], this.mt[i]);
  };
}
