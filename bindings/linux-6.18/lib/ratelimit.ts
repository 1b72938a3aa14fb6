// ___ratelimit of Linux 6.18 (lib/ratelimit.c ___ratelimit, include/linux/ratelimit.h and
// include/linux/ratelimit_types.h, 6.18): a window of `interval` jiffies that lets `burst` callers
// through, counting the callers it stops and announcing them as "%s: %d callbacks suppressed" when the
// next window opens. Each DEFINE_RATELIMIT_STATE is its own state: warn_alloc's nopage_rs (10*HZ, 1),
// oom_kill_process's oom_rs (DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST).
//
// Pure: the state is a plain object the caller keeps (one per static DEFINE_RATELIMIT_STATE) and
// passes in with the current jiffies; the call updates it and returns whether to go ahead and the
// line the kernel prints, if any. One CPU: the lock is never contended (the kernel's trylock-failed
// branch, which only reads rs_n_left, is not modelled).

import { OomlabError } from "../../errors.js";

/** DEFAULT_RATELIMIT_INTERVAL (5 * HZ, include/linux/ratelimit_types.h 6.18), in seconds. */
export const DEFAULT_RATELIMIT_INTERVAL_SECONDS = 5;
/** DEFAULT_RATELIMIT_BURST (include/linux/ratelimit_types.h 6.18). */
export const DEFAULT_RATELIMIT_BURST = 10;
/** RATELIMIT_MSG_ON_RELEASE: report the misses at ratelimit_state_exit, not when a window opens. */
export const RATELIMIT_MSG_ON_RELEASE = 1 << 0;
/** RATELIMIT_INITIALIZED: set by the first call (begin and rs_n_left are valid from then on). */
export const RATELIMIT_INITIALIZED = 1 << 1;

/** struct ratelimit_state (include/linux/ratelimit_types.h 6.18) without its lock. */
export interface RatelimitState {
  /** Window length in jiffies; 0 never limits. */
  interval: number;
  /** Callers allowed per window; 0 (with a nonzero interval) always limits. */
  burst: number;
  /** rs_n_left: callers still allowed in this window. */
  rsNLeft: number;
  /** Callers stopped since the last "callbacks suppressed" message. */
  missed: number;
  flags: number;
  /** jiffies when the window began. */
  begin: number;
}

/** DEFINE_RATELIMIT_STATE(name, interval_init, burst_init) (RATELIMIT_STATE_INIT_FLAGS, 6.18): a
 *  state not yet initialized; the first ___ratelimit call starts its window. */
export function ratelimitStateInit(interval: number, burst: number, flags = 0): RatelimitState {
  for (const [name, v] of [
    ["interval", interval],
    ["burst", burst],
  ] as const) {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `ratelimit ${name} ${v} is not an int`);
  }
  return { interval, burst, rsNLeft: 0, missed: 0, flags, begin: 0 };
}

/** DEFINE_RATELIMIT_STATE(nopage_rs, 10*HZ, 1) in warn_alloc (mm/page_alloc.c 6.18). */
export const nopageRatelimitState = (hz: number): RatelimitState => ratelimitStateInit(10 * hz, 1);

/** DEFINE_RATELIMIT_STATE(oom_rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST) in
 *  oom_kill_process (mm/oom_kill.c 6.18). */
export const oomRatelimitState = (hz: number): RatelimitState =>
  ratelimitStateInit(DEFAULT_RATELIMIT_INTERVAL_SECONDS * hz, DEFAULT_RATELIMIT_BURST);

export interface RatelimitResult {
  /** 1: go ahead; 0: the callback is suppressed (and counted in missed). */
  pass: boolean;
  /** "%s: %d callbacks suppressed" (printk_deferred KERN_WARNING), printed when a new window opens
   *  after misses, before the caller's own output; null when nothing was printed. */
  line: string | null;
}

/** ___ratelimit(rs, func) (lib/ratelimit.c 6.18) at time `jiffies`; func is the caller's __func__
 *  (__ratelimit passes it: "warn_alloc", "oom_kill_process"). Updates rs. */
export function ___ratelimit(rs: RatelimitState, jiffies: number, func: string): RatelimitResult {
  const { interval, burst } = rs;
  let pass = false;
  let line: string | null = null;
  // "Zero interval says never limit, otherwise, non-positive burst says always limit."
  if (interval <= 0 || burst <= 0) {
    pass = interval === 0 || burst > 0;
    // "Force re-initialization once re-enabled."
    if ((rs.flags & RATELIMIT_INITIALIZED) !== 0 && (interval !== 0 || burst !== 0)) rs.flags &= ~RATELIMIT_INITIALIZED;
  } else {
    if ((rs.flags & RATELIMIT_INITIALIZED) === 0) {
      rs.begin = jiffies;
      rs.flags |= RATELIMIT_INITIALIZED;
      rs.rsNLeft = rs.burst;
    }
    // time_is_before_jiffies(rs->begin + interval): jiffies is after the window's end.
    if (jiffies > rs.begin + interval) {
      rs.rsNLeft = rs.burst;
      rs.begin = jiffies;
      if ((rs.flags & RATELIMIT_MSG_ON_RELEASE) === 0) {
        const m = rs.missed; // ratelimit_state_reset_miss
        rs.missed = 0;
        if (m) line = `${func}: ${m} callbacks suppressed`;
      }
    }
    // atomic_read(&rs->rs_n_left) > 0 && atomic_dec_return(&rs->rs_n_left) >= 0
    if (rs.rsNLeft > 0) {
      rs.rsNLeft--;
      pass = true;
    }
  }
  if (!pass) rs.missed++; // ratelimit_state_inc_miss
  return { pass, line };
}
