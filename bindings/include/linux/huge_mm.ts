// The transparent hugepage settings as /sys/kernel/mm/transparent_hugepage/{enabled,defrag} accept
// them (mm/huge_memory.c enabled_store and defrag_store, 6.18), their defaults, and parsers for
// `--set thp.enabled=...` and `--set thp.defrag=...`. Pure declarations: the gfp each setting gives is
// mm/huge_memory.c logic (bindings/linux-6.18/mm/huge_memory.ts vmaThpGfpMask).

import { OomlabError } from "../../errors.js";

/** The values enabled_store accepts, in enabled_show's order. */
export const THP_ENABLED = ["always", "madvise", "never"] as const;
export type ThpEnabled = (typeof THP_ENABLED)[number];

/** The values defrag_store accepts, in defrag_show's order. */
export const THP_DEFRAG = ["always", "defer", "defer+madvise", "madvise", "never"] as const;
export type ThpDefrag = (typeof THP_DEFRAG)[number];

/** transparent_hugepage_flags' initial value (mm/huge_memory.c 6.18): enabled from
 *  CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS (the Kconfig default choice) or _MADVISE; defrag is always
 *  TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG ("madvise"). */
export const THP_DEFAULTS: { enabled: ThpEnabled; defrag: ThpDefrag } = { enabled: "always", defrag: "madvise" };

/** sysfs_streq: equal, ignoring one trailing newline on either side. */
const sysfsStreq = (a: string, b: string) => a.replace(/\n$/, "") === b.replace(/\n$/, "");

function parseChoice<T extends string>(what: string, choices: readonly T[], v: unknown): T {
  if (typeof v === "string") {
    const hit = choices.find((c) => sysfsStreq(v, c));
    if (hit) return hit;
  }
  throw new OomlabError(
    "OOMLAB_BAD_ARGUMENT",
    `${what}: ${JSON.stringify(v)} is not one of ${choices.join(", ")} (the kernel's store returns -EINVAL)`,
  );
}

/** thp.enabled: "always", "madvise" or "never" (enabled_store). */
export const parseThpEnabled = (v: unknown): ThpEnabled => parseChoice("thp.enabled", THP_ENABLED, v);
/** thp.defrag: "always", "defer", "defer+madvise", "madvise" or "never" (defrag_store). */
export const parseThpDefrag = (v: unknown): ThpDefrag => parseChoice("thp.defrag", THP_DEFRAG, v);
