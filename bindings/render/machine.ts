// Text views of a machine: one line per zone (free pages, watermarks, boost, fallbacks, highatomic,
// the largest free order, protection), for `oomlab machine` and `oomlab demo`.

import type { ResolvedMachine } from "../include/machine.js";
import type { ZoneStats } from "../engine/machine.js";

/** printf("%*s"): right-aligned in width, never truncated. */
const pad = (v: string | number, width: number): string => String(v).padStart(width);

export function zoneLine(z: ZoneStats): string {
  const w = z.watermarks;
  return (
    `Node ${z.node}, zone ${pad(z.type, 8)}: free ${pad(z.freePages, 8)}  ` +
    `min ${pad(w.min, 6)} low ${pad(w.low, 6)} high ${pad(w.high, 6)}  ` +
    `boost ${pad(z.watermarkBoost, 5)}  fallbacks ${pad(z.fallbacks, 6)}  ` +
    `highatomic ${z.nrReservedHighatomic}  largest order ${z.largestFreeOrder}  ` +
    `protection (${z.lowmemReserve.join(", ")})`
  );
}

export interface MachineView {
  machine: ResolvedMachine;
  zones: ZoneStats[];
  /** /proc/buddyinfo and (2.6.24+) /proc/pagetypeinfo as the kernel prints them. */
  buddyinfo: string;
  pagetypeinfo: string | null;
}

/** `oomlab machine`: the era and geometry, each zone, then the /proc views. */
export function renderMachine(v: MachineView): string {
  const r = v.machine;
  const lines = [
    `era ${r.era}, page size ${r.pageSize}, MAX_ORDER ${r.maxOrder}, ` +
      `pageblock_order ${r.pageblockOrder}, min_free_kbytes ${r.minFreeKbytes}`,
    ...v.zones.map(zoneLine),
    "",
    "/proc/buddyinfo",
    v.buddyinfo.replace(/\n$/, ""),
  ];
  if (v.pagetypeinfo !== null) lines.push("", "/proc/pagetypeinfo", v.pagetypeinfo.replace(/\n$/, ""));
  return lines.join("\n") + "\n";
}
