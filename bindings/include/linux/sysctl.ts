// The vm sysctls oomlab models, with the ranges their handlers accept: kernel/sysctl.c vm_table
// (2.6.11) and mm/page_alloc.c page_alloc_sysctl_table (6.18). Every one is a C int, so INT_MAX
// bounds them all; the lower bounds are the tables' extra1 (and extra2) as the handlers enforce them.
// Pure declarations: the machine and scenario schemas and the CLI's --what-if read them.

/** INT_MAX: the largest C int (include/linux/limits.h; every vm sysctl below is an int). */
export const INT_MAX = 2 ** 31 - 1;

/** A vm sysctl: its name, the range a write accepts and where the kernel says so. */
export interface VmSysctl {
  /** The name under /proc/sys/vm/. */
  name: string;
  min: number;
  max: number;
  /** The kernel's handler and tables that enforce the range. */
  source: string;
}

/** vm.min_free_kbytes: an int >= 0. 6.18: proc_dointvec_minmax with extra1 = SYSCTL_ZERO
 *  (mm/page_alloc.c min_free_kbytes_sysctl_handler, page_alloc_sysctl_table, 6.18); 2.6.11: extra1 =
 *  &zero, checked by sysctl_intvec (kernel/sysctl.c vm_table, 2.6.11). */
export const MIN_FREE_KBYTES: VmSysctl = {
  name: "vm.min_free_kbytes",
  min: 0,
  max: INT_MAX,
  source: "proc_dointvec_minmax, extra1 SYSCTL_ZERO",
};

/** vm.watermark_scale_factor: 1 .. 3000 (mm/page_alloc.c watermark_scale_factor_sysctl_handler:
 *  proc_dointvec_minmax with SYSCTL_ONE .. SYSCTL_THREE_THOUSAND, 6.18). From 4.6; 2.6.11 has none. */
export const WATERMARK_SCALE_FACTOR: VmSysctl = {
  name: "vm.watermark_scale_factor",
  min: 1,
  max: 3000,
  source: "proc_dointvec_minmax, SYSCTL_ONE .. SYSCTL_THREE_THOUSAND",
};

/** vm.watermark_boost_factor: an int >= 0 (mm/page_alloc.c page_alloc_sysctl_table:
 *  proc_dointvec_minmax with extra1 = SYSCTL_ZERO, 6.18). From 5.0; 2.6.11 has none. */
export const WATERMARK_BOOST_FACTOR: VmSysctl = {
  name: "vm.watermark_boost_factor",
  min: 0,
  max: INT_MAX,
  source: "proc_dointvec_minmax, extra1 SYSCTL_ZERO",
};

/** vm.lowmem_reserve_ratio, each entry an int >= 0. 6.18's lowmem_reserve_ratio_sysctl_handler stores
 *  entries below 1 as 0 (no reserve); 2.6.11's lowmem_reserve_ratio_sysctl_handler has no bounds and
 *  divides present pages by the entry (mm/page_alloc.c setup_per_zone_lowmem_reserve), so a negative
 *  ratio is no setting either era keeps: oomlab asks for the value the kernel ends up with. */
export const LOWMEM_RESERVE_RATIO: VmSysctl = {
  name: "vm.lowmem_reserve_ratio",
  min: 0,
  max: INT_MAX,
  source: "lowmem_reserve_ratio_sysctl_handler: entries below 1 become 0",
};

/** gfp_t is an unsigned int (include/linux/types.h, 6.18; 2.6.11 passes `unsigned int gfp_mask`). */
export const GFP_MASK_MAX = 2 ** 32 - 1;

/** "an int from 0 to 2147483647 (vm.min_free_kbytes, proc_dointvec_minmax, extra1 SYSCTL_ZERO)". */
export function sysctlRange(s: VmSysctl): string {
  return `an int from ${s.min} to ${s.max} (${s.name}, ${s.source})`;
}
