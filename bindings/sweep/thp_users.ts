// Processes that fault transparent huge pages on the 6.18 kernel model and exit when they have
// mapped their share: a THP fault is Kernel618.thpFault (do_huge_pmd_anonymous_page: an order-9
// folio, else thp_fault_fallback and 512 base pages); a process that has mapped exitPages pages
// exits (its memory freed, one operation) and the next one starts with the next pid. A process the
// OOM killer killed is replaced the same way.

import type { Kernel618 } from "../linux-6.18/kernel.js";
import type { Task618 } from "../linux-6.18/include/linux/mm_types.js";
import type { Recorder } from "./metrics.js";

export class ThpUsers {
  private readonly tasks: Task618[] = [];
  private nextPid: number;
  exits = 0;

  constructor(
    private readonly k: Kernel618,
    private readonly rec: Recorder,
    count: number,
    private readonly exitPages: number,
    private readonly madvise: boolean,
    firstPid = 1000,
  ) {
    this.nextPid = firstPid;
    for (let i = 0; i < count; i++) this.tasks.push(this.spawn());
  }

  private spawn(): Task618 {
    const pid = this.nextPid++;
    return this.k.addTask({ pid, comm: `thp${pid}` });
  }

  /** One THP fault by user i (mod the count); whether a huge folio was mapped. */
  fault(i: number): boolean {
    const slot = i % this.tasks.length;
    let t = this.tasks[slot];
    if (t.killed) t = this.tasks[slot] = this.spawn();
    const k = this.k;
    const saved = k.current;
    k.current = t;
    let ok = false;
    try {
      ok = k.thpFault(t.pid, this.madvise);
    } finally {
      k.current = saved;
    }
    if (!t.killed && t.rssAnon >= this.exitPages) {
      k.killTask(t);
      this.exits++;
      this.rec.free();
      this.tasks[slot] = this.spawn();
    }
    return ok;
  }
}
