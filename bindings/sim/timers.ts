// Timers of the simulated kernel: work due at a simulated time, run in (time, arming order). A
// binary heap, so that a replay with many pending timers (pages freed after a lifetime) takes
// O(log n) per timer rather than a scan of them all. Pure data: no Node API.

export interface Timer {
  at: number;
  /** Arming order: of two timers due at once, the one armed first runs first. */
  seq: number;
  run: () => void;
}

const before = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** A min-heap of timers on (at, seq). */
export class TimerQueue {
  private readonly heap: Timer[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  add(at: number, run: () => void): void {
    const h = this.heap;
    h.push({ at, seq: this.nextSeq++, run });
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  /** The timer that runs next, or undefined. */
  peek(): Timer | undefined {
    return this.heap[0];
  }

  /** When the next timer is due (Infinity: none). */
  nextAt(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  /** Removes and returns the timer that runs next. */
  pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
    return top;
  }
}
