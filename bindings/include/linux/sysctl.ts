// The vm sysctls oomlab models, with the ranges their handlers accept: kernel/sysctl.c vm_table
// (2.6.11) and mm/page_alloc.c page_alloc_sysctl_table (6.18). Every one is a C int, so INT_MAX
// bounds them all; the lower bounds are the tables' extra1 (and extra2) as the handlers enforce them.
// Pure declarations: the machine and scenario schemas and the CLI's --what-if read them. Below them,
// the 6.18 table (VM_SYSCTLS_618), checkSysctl and the 6.18 model's --set keys (parseSetting618).

import { OomlabError } from "../../errors.js";
import { type ThpDefrag, type ThpEnabled, parseThpDefrag, parseThpEnabled } from "./huge_mm.js";
import { MAX_NR_ZONES } from "./mmzone.js";
import { editDistance } from "../suggest.js";

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

// ---------------------------------------------------------------------------------------------
// The 6.18 vm sysctls by kernel name, with their ranges as their ctl_table entries and handlers
// enforce them, defaults and first releases; checkSysctl validates a value as a write would; and
// parseSetting reads the `--set` keys of the 6.18 model: sysctl.NAME, config.COMPACTION, thp.enabled
// and thp.defrag. The scenario layer applies them; this file only says what is valid.

/** INT_MIN: proc_dointvec without extra1/extra2 accepts any C int. */
export const INT_MIN = -(2 ** 31);

/** One /proc/sys/vm entry of 6.18. */
export interface VmSysctlSpec {
  /** The name under /proc/sys/vm/ (the kernel's procname). */
  name: string;
  /** "int", or "int[]" for lowmem_reserve_ratio (one int per zone). */
  type: "int" | "int[]";
  /** The range a write accepts (per entry for int[]). */
  min: number;
  max: number;
  /** The 6.18 default (per zone for lowmem_reserve_ratio: DMA, DMA32, Normal, HighMem, Movable), or
   *  "computed" when the boot computes it. */
  default: number | readonly number[] | "computed";
  /** The first release with the sysctl. */
  since: string;
  /** How since was established when it was not read in a release tree. */
  sinceNote?: string;
  /** The ctl_table, its file and the handler that enforce the range (6.18). */
  source: string;
  /** What a write does beyond the range (normalisation, extra checks). */
  note?: string;
  /** Only with CONFIG_NUMA (the table's #ifdef). */
  numaOnly?: boolean;
}

const PA = "mm/page_alloc.c page_alloc_sysctl_table, 6.18";
const FROM_HISTORY = "from the patch history, not read in a release tree";

/** The vm sysctls that shape the page allocator, reclaim, compaction and the OOM killer in 6.18. */
export const VM_SYSCTLS_618: readonly VmSysctlSpec[] = [
  {
    name: "min_free_kbytes",
    type: "int",
    min: 0,
    max: INT_MAX,
    default: "computed",
    since: "2.6.11",
    sinceNote: "in 2.6.11's kernel/sysctl.c vm_table, the oldest tree oomlab models; it is older",
    source: `${PA}: min_free_kbytes_sysctl_handler (proc_dointvec_minmax), extra1 SYSCTL_ZERO`,
    note:
      "boot value calculate_min_free_kbytes: clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144); a write " +
      "sets user_min_free_kbytes and recomputes the watermarks",
  },
  {
    name: "watermark_boost_factor",
    type: "int",
    min: 0,
    max: INT_MAX,
    default: 15000,
    since: "5.0",
    sinceNote: FROM_HISTORY,
    source: `${PA}: proc_dointvec_minmax, extra1 SYSCTL_ZERO`,
  },
  {
    name: "watermark_scale_factor",
    type: "int",
    min: 1,
    max: 3000,
    default: 10,
    since: "4.6",
    sinceNote: `${FROM_HISTORY}; the upper bound was 1000 before it was raised to 3000`,
    source: `${PA}: watermark_scale_factor_sysctl_handler (proc_dointvec_minmax), SYSCTL_ONE .. SYSCTL_THREE_THOUSAND`,
  },
  {
    name: "defrag_mode",
    type: "int",
    min: 0,
    max: 1,
    default: 0,
    since: "6.15",
    sinceNote: FROM_HISTORY,
    source: `${PA}: proc_dointvec_minmax, SYSCTL_ZERO .. SYSCTL_ONE`,
  },
  {
    name: "percpu_pagelist_high_fraction",
    type: "int",
    min: 0,
    max: INT_MAX,
    default: 0,
    since: "5.14",
    sinceNote: FROM_HISTORY,
    source: `${PA}: percpu_pagelist_high_fraction_sysctl_handler, extra1 SYSCTL_ZERO`,
    note: "the handler also refuses 1 .. 7 (MIN_PERCPU_PAGELIST_HIGH_FRACTION 8) with -EINVAL",
  },
  {
    name: "lowmem_reserve_ratio",
    type: "int[]",
    min: INT_MIN,
    max: INT_MAX,
    default: [256, 256, 32, 0, 0],
    since: "2.6.11",
    sinceNote: "replaced lower_zone_protection; read in 2.6.11's tree, 2.6.10 not read",
    source: `${PA}: lowmem_reserve_ratio_sysctl_handler (proc_dointvec_minmax, no extra1/extra2)`,
    note: "entries below 1 are stored as 0 (no reserve); one entry per zone, DMA first",
  },
  {
    name: "min_unmapped_ratio",
    type: "int",
    min: 0,
    max: 100,
    default: 1,
    since: "2.6.17",
    sinceNote: FROM_HISTORY,
    source: `${PA}: sysctl_min_unmapped_ratio_sysctl_handler, SYSCTL_ZERO .. SYSCTL_ONE_HUNDRED`,
    numaOnly: true,
  },
  {
    name: "min_slab_ratio",
    type: "int",
    min: 0,
    max: 100,
    default: 5,
    since: "2.6.19",
    sinceNote: FROM_HISTORY,
    source: `${PA}: sysctl_min_slab_ratio_sysctl_handler, SYSCTL_ZERO .. SYSCTL_ONE_HUNDRED`,
    numaOnly: true,
  },
  {
    name: "compaction_proactiveness",
    type: "int",
    min: 0,
    max: 100,
    default: 20,
    since: "5.9",
    sinceNote: FROM_HISTORY,
    source:
      "mm/compaction.c vm_compaction, 6.18: compaction_proactiveness_sysctl_handler, SYSCTL_ZERO .. SYSCTL_ONE_HUNDRED",
    note: "a nonzero write wakes kcompactd on every node (proactive_compact_trigger)",
  },
  {
    name: "extfrag_threshold",
    type: "int",
    min: 0,
    max: 1000,
    default: 500,
    since: "2.6.35",
    sinceNote: FROM_HISTORY,
    source: "mm/compaction.c vm_compaction, 6.18: proc_dointvec_minmax, SYSCTL_ZERO .. SYSCTL_ONE_THOUSAND",
  },
  {
    name: "compact_unevictable_allowed",
    type: "int",
    min: 0,
    max: 1,
    default: 1,
    since: "4.1",
    sinceNote: FROM_HISTORY,
    source: "mm/compaction.c vm_compaction, 6.18: proc_dointvec_minmax_warn_RT_change, SYSCTL_ZERO .. SYSCTL_ONE",
    note: "default CONFIG_COMPACT_UNEVICTABLE_DEFAULT: 1, 0 with PREEMPT_RT",
  },
  {
    name: "swappiness",
    type: "int",
    min: 0,
    max: 200,
    default: 60,
    since: "2.6.11",
    sinceNote: "in 2.6.11's vm_table (it is older); the upper bound was 100 before 5.8 (from the patch history)",
    source: "mm/vmscan.c vmscan_sysctl_table, 6.18: proc_dointvec_minmax, SYSCTL_ZERO .. SYSCTL_TWO_HUNDRED",
  },
  {
    name: "zone_reclaim_mode",
    type: "int",
    min: 0,
    max: INT_MAX,
    default: 0,
    since: "2.6.16",
    sinceNote: FROM_HISTORY,
    source: "mm/vmscan.c vmscan_sysctl_table, 6.18: proc_dointvec_minmax, extra1 SYSCTL_ZERO",
    numaOnly: true,
  },
  {
    name: "panic_on_oom",
    type: "int",
    min: 0,
    max: 2,
    default: 0,
    since: "2.6.18",
    sinceNote: FROM_HISTORY,
    source: "mm/oom_kill.c vm_oom_kill_table, 6.18: proc_dointvec_minmax, SYSCTL_ZERO .. SYSCTL_TWO",
  },
  {
    name: "oom_kill_allocating_task",
    type: "int",
    min: INT_MIN,
    max: INT_MAX,
    default: 0,
    since: "2.6.24",
    sinceNote: FROM_HISTORY,
    source: "mm/oom_kill.c vm_oom_kill_table, 6.18: proc_dointvec (no range)",
  },
  {
    name: "oom_dump_tasks",
    type: "int",
    min: INT_MIN,
    max: INT_MAX,
    default: 1,
    since: "2.6.25",
    sinceNote: FROM_HISTORY,
    source: "mm/oom_kill.c vm_oom_kill_table, 6.18: proc_dointvec (no range)",
  },
  {
    name: "overcommit_memory",
    type: "int",
    min: 0,
    max: 2,
    default: 0,
    since: "2.6.11",
    sinceNote: "in 2.6.11's vm_table; it is older",
    source: "mm/util.c util_sysctl_table, 6.18: overcommit_policy_handler, SYSCTL_ZERO .. SYSCTL_TWO",
  },
  {
    name: "dirty_ratio",
    type: "int",
    min: 0,
    max: 100,
    default: 20,
    since: "2.6.11",
    sinceNote: "in 2.6.11's vm_table; it is older",
    source:
      "mm/page-writeback.c vm_page_writeback_sysctls, 6.18: dirty_ratio_handler, SYSCTL_ZERO .. SYSCTL_ONE_HUNDRED",
  },
  {
    name: "dirty_background_ratio",
    type: "int",
    min: 0,
    max: 100,
    default: 10,
    since: "2.6.11",
    sinceNote: "in 2.6.11's vm_table; it is older",
    source:
      "mm/page-writeback.c vm_page_writeback_sysctls, 6.18: dirty_background_ratio_handler, " +
      "SYSCTL_ZERO .. SYSCTL_ONE_HUNDRED",
  },
  {
    name: "page-cluster",
    type: "int",
    min: 0,
    max: 31,
    default: 3,
    since: "2.6.11",
    sinceNote: "in 2.6.11's vm_table; it is older",
    source: "mm/swap.c swap_sysctl_table, 6.18: proc_dointvec_minmax, SYSCTL_ZERO .. page_cluster_max (31)",
    note: "boot value swap_setup: 2 below 16 MiB of RAM, else 3",
  },
];

const SPECS = new Map(VM_SYSCTLS_618.map((s) => [s.name, s]));

/** The known names closest to name (distance at most a third of its length, at least 2; or one that
 *  contains it). */
export function suggestSysctl(name: string): string[] {
  const n = name.replace(/^vm\./, "").toLowerCase();
  const scored = VM_SYSCTLS_618.map((s) => ({ s: s.name, d: editDistance(n, s.name) }))
    .filter(({ s, d }) => d <= Math.max(2, Math.floor(n.length / 3)) || (n.length >= 4 && s.includes(n)))
    .sort((a, b) => a.d - b.d);
  return scored.map((x) => x.s);
}

/** The 6.18 sysctl spec by name ("swappiness" or "vm.swappiness"); an unknown name is an
 *  OOMLAB_BAD_ARGUMENT naming the closest known ones. */
export function vmSysctl(name: string): VmSysctlSpec {
  const spec = SPECS.get(name.replace(/^vm\./, ""));
  if (spec) return spec;
  const near = suggestSysctl(name);
  const hint = near.length ? `; did you mean ${near.slice(0, 3).join(", ")}?` : "";
  throw new OomlabError(
    "OOMLAB_BAD_ARGUMENT",
    `sysctl ${JSON.stringify(name)} is not a 6.18 vm sysctl oomlab knows${hint} ` +
      `(known: ${[...SPECS.keys()].join(", ")})`,
  );
}

/** One int as proc_dointvec parses it: a number, or a decimal string ("  60\n"). */
function parseInt32(name: string, v: unknown): number {
  const n = typeof v === "string" && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n))
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `sysctl ${name}: ${JSON.stringify(v)} is not an integer`);
  if (n < INT_MIN || n > INT_MAX)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `sysctl ${name}: ${n} is outside a C int (${INT_MIN} .. ${INT_MAX})`);
  return n;
}

/** The range words of a spec: "0 .. 200 (mm/vmscan.c ...)". */
export function sysctlSpecRange(s: VmSysctlSpec): string {
  return `${s.min} .. ${s.max} (${s.source})`;
}

/**
 * checkSysctl(name, value): validates a write of value to /proc/sys/vm/name as 6.18 does and returns
 * the value the kernel stores: a number, or for lowmem_reserve_ratio the array with entries below 1
 * stored as 0. Accepts numbers, decimal strings, and for lowmem_reserve_ratio an array or a
 * whitespace-separated string of 1 .. MAX_NR_ZONES entries. Throws OOMLAB_BAD_ARGUMENT naming the
 * problem: an unknown name (with the closest names), a value that is not an integer, or one out of
 * range (with the range and the kernel code that enforces it).
 */
export function checkSysctl(name: string, value: unknown): number | number[] {
  const spec = vmSysctl(name);
  if (spec.type === "int[]") {
    const parts = typeof value === "string" ? value.trim().split(/\s+/) : Array.isArray(value) ? value : [value];
    if (parts.length < 1 || parts.length > MAX_NR_ZONES)
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `sysctl ${spec.name}: ${parts.length} entries; it has one per zone (1 .. ${MAX_NR_ZONES})`,
      );
    return parts.map((p) => {
      const n = parseInt32(spec.name, p);
      return n < 1 ? 0 : n;
    });
  }
  const n = parseInt32(spec.name, value);
  if (n < spec.min || n > spec.max)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `sysctl ${spec.name}: ${n} is out of range ${sysctlSpecRange(spec)}`);
  if (spec.name === "percpu_pagelist_high_fraction" && n > 0 && n < 8)
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `sysctl ${spec.name}: ${n} is refused: 0, or at least MIN_PERCPU_PAGELIST_HIGH_FRACTION (8) ` +
        "(mm/page_alloc.c percpu_pagelist_high_fraction_sysctl_handler, 6.18)",
    );
  return n;
}

/** A Kconfig option as `--set config.NAME=y|n|true|false`. CONFIG_COMPACTION is the one the 6.18
 *  model reads (mm/Kconfig 6.18: `config COMPACTION`, bool, default y). */
export const KCONFIG_BOOLS = { COMPACTION: true } as const;
export type KconfigBool = keyof typeof KCONFIG_BOOLS;

/** true/false, "y"/"n", "true"/"false" → boolean; anything else is OOMLAB_BAD_ARGUMENT. */
export function parseConfigBool(name: string, v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (v === "y" || v === "true") return true;
  if (v === "n" || v === "false") return false;
  throw new OomlabError("OOMLAB_BAD_ARGUMENT", `config.${name}: ${JSON.stringify(v)} is not y, n, true or false`);
}

/** A parsed `--set` setting of the 6.18 model. */
export type Setting618 =
  | { kind: "sysctl"; name: string; value: number | number[] }
  | { kind: "config"; name: KconfigBool; value: boolean }
  | { kind: "thp"; name: "enabled"; value: ThpEnabled }
  | { kind: "thp"; name: "defrag"; value: ThpDefrag };

/**
 * parseSetting618("sysctl.swappiness", "100"), ("config.COMPACTION", false), ("thp.defrag", "defer"):
 * the key and value of a `--set KEY=VALUE` for the 6.18 model, validated (checkSysctl,
 * parseConfigBool, parseThpEnabled / parseThpDefrag). Any other key is OOMLAB_BAD_ARGUMENT.
 */
export function parseSetting618(key: string, value: unknown): Setting618 {
  const dot = key.indexOf(".");
  const ns = dot < 0 ? key : key.slice(0, dot);
  const name = dot < 0 ? "" : key.slice(dot + 1);
  if (ns === "sysctl") {
    const spec = vmSysctl(name);
    return { kind: "sysctl", name: spec.name, value: checkSysctl(spec.name, value) };
  }
  if (ns === "config") {
    if (!Object.hasOwn(KCONFIG_BOOLS, name))
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `config.${name} is not a setting of the 6.18 model (known: ${Object.keys(KCONFIG_BOOLS).join(", ")})`,
      );
    return { kind: "config", name: name as KconfigBool, value: parseConfigBool(name, value) };
  }
  if (key === "thp.enabled") return { kind: "thp", name: "enabled", value: parseThpEnabled(value) };
  if (key === "thp.defrag") return { kind: "thp", name: "defrag", value: parseThpDefrag(value) };
  throw new OomlabError(
    "OOMLAB_BAD_ARGUMENT",
    `--set ${key}: not sysctl.NAME, config.COMPACTION, thp.enabled or thp.defrag`,
  );
}
