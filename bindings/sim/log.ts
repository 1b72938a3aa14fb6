// The kernel log of the simulation: printk lines (what `dmesg` would show) and structured events.
// Pure data: no Node API.

import type { SimClock } from "./clock.js";
import type { SimContext, SimEvent, SimEventFields, SimEventKind } from "./events.js";

/** The kernel log: printk lines (what `dmesg` would show) and structured events (`--json`). */
export class KernelLog {
  readonly lines: string[] = [];
  readonly events: SimEvent[] = [];
  /** When false, events are not recorded (long sweeps); printk lines always are. */
  recordEvents = true;
  /** Who is running when an event happens, when it is not the task the scenario follows:
   *  "kswapd" or "background" (a timed scenario event). Recorded as the event's ctx. */
  context: SimContext | null = null;
  constructor(private readonly clock: SimClock) {}

  /** printk: text may hold several lines; each ends with "\n" in the kernel. */
  printk(text: string): void {
    for (const l of text.replace(/\n$/, "").split("\n")) this.lines.push(l);
    this.event("printk", { text: text.replace(/\n$/, "") });
  }

  /** Records an event of a kind with that kind's fields: { t, kind, ctx?, ...fields }, in this order. */
  event<K extends SimEventKind>(kind: K, fields: SimEventFields[K]): void {
    if (!this.recordEvents) return;
    const t = this.clock.nowMs;
    // SimEventBase<K> & SimEventFields[K] is SimEventOf<K>, which TypeScript does not see for a generic K
    const e = this.context ? { t, kind, ctx: this.context, ...fields } : { t, kind, ...fields };
    this.events.push(e as SimEvent);
  }
}
