// The /proc/vmstat event counters the 6.18 slow path counts (mm/vmstat.c vmstat_text, 6.18 names),
// in the order vmstat_text lists them. Pure data.

export const VM_EVENT_NAMES = [
  "pgpgout",
  "pswpin",
  "pswpout",
  "allocstall_dma",
  "allocstall_dma32",
  "allocstall_normal",
  "allocstall_movable",
  "pgfree",
  "pgactivate",
  "pgdeactivate",
  "pgrefill",
  "pgsteal_kswapd",
  "pgsteal_direct",
  "pgscan_kswapd",
  "pgscan_direct",
  "pgscan_anon",
  "pgscan_file",
  "pgsteal_anon",
  "pgsteal_file",
  "slabs_scanned",
  "kswapd_low_wmark_hit_quickly",
  "kswapd_high_wmark_hit_quickly",
  "pageoutrun",
  "pgrotated",
  "oom_kill",
  "pgmigrate_success",
  "pgmigrate_fail",
  "compact_migrate_scanned",
  "compact_free_scanned",
  "compact_isolated",
  "compact_stall",
  "compact_fail",
  "compact_success",
  "compact_daemon_wake",
  "compact_daemon_migrate_scanned",
  "compact_daemon_free_scanned",
  "thp_fault_alloc",
  "thp_fault_fallback",
  "swap_ra",
] as const;
export type VmEventName = (typeof VM_EVENT_NAMES)[number];
export type VmEvents = Record<VmEventName, number>;

export function newVmEvents(): VmEvents {
  return Object.fromEntries(VM_EVENT_NAMES.map((n) => [n, 0])) as VmEvents;
}

/** allocstall_<zone> by zone index (__count_zid_vm_events(ALLOCSTALL, sc->reclaim_idx, 1)); HighMem
 *  has none on 64-bit kernels: oomlab counts it as normal. */
export const ALLOCSTALL_BY_ZONE: readonly VmEventName[] = [
  "allocstall_dma",
  "allocstall_dma32",
  "allocstall_normal",
  "allocstall_normal",
  "allocstall_movable",
];
