// printk_ratelimit of Linux 2.6.11 (kernel/printk.c 2.6.11, __printk_ratelimit).

import type { SimClock } from "../../sim/clock.js";
import type { KernelLog } from "../../sim/log.js";

/** printk_ratelimit_jiffies = 5 * HZ (kernel/printk.c 2.6.11): seconds per allowed message. */
export const PRINTK_RATELIMIT_SECONDS = 5;
/** printk_ratelimit_burst = 10 (kernel/printk.c 2.6.11). */
export const PRINTK_RATELIMIT_BURST = 10;

/** printk_ratelimit (kernel/printk.c 2.6.11, __printk_ratelimit): a token bucket of burst × interval
 *  jiffies, full at boot; each allowed message costs interval; suppressed messages are counted and
 *  announced as "printk: N messages suppressed." before the next allowed one. The kernel has one
 *  bucket for every caller: share an instance to model that. */
export class PrintkRatelimit {
  private toks: number;
  private lastMsg = 0;
  private missed = 0;
  readonly intervalJiffies: number;

  constructor(
    private readonly clock: SimClock,
    private readonly log: KernelLog,
    intervalJiffies?: number,
    readonly burst = PRINTK_RATELIMIT_BURST,
  ) {
    this.intervalJiffies = intervalJiffies ?? PRINTK_RATELIMIT_SECONDS * clock.hz;
    this.toks = this.burst * this.intervalJiffies; // static unsigned long toks = 10*5*HZ
  }

  allow(): boolean {
    const now = this.clock.jiffies;
    this.toks = Math.min(this.toks + now - this.lastMsg, this.burst * this.intervalJiffies);
    this.lastMsg = now;
    if (this.toks < this.intervalJiffies) {
      this.missed++;
      return false;
    }
    const lost = this.missed;
    this.missed = 0;
    this.toks -= this.intervalJiffies;
    if (lost) this.log.printk(`printk: ${lost} messages suppressed.\n`);
    return true;
  }
}
