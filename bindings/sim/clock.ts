// Simulated time. Pure data: no Node API.

/** HZ of the simulated kernel (the ARM boards of the 2.6.11 era ran HZ = 100). */
export const HZ_DEFAULT = 100;

/** Simulated time in milliseconds. Nothing sleeps: waiting advances the clock. */
export class SimClock {
  nowMs = 0;
  constructor(readonly hz = HZ_DEFAULT) {}
  advance(ms: number): void {
    this.nowMs += ms;
  }
  /** jiffies since boot. */
  get jiffies(): number {
    return Math.floor((this.nowMs * this.hz) / 1000);
  }
  /** Milliseconds in n jiffies. */
  jiffiesToMs(n: number): number {
    return (n * 1000) / this.hz;
  }
}
