// warn_alloc() and warn_alloc_show_mem() of Linux 6.18 (mm/page_alloc.c 6.18): the "page allocation
// failure" report __alloc_pages_slowpath prints at its fail: label. A module of its own so that the
// report can be rendered from plain state without the slow path (bindings/linux-6.18/mm/page_alloc.ts
// models the rest of mm/page_alloc.c and calls this). Pure: returns the lines; updates only the
// nopage_rs state it is given.

import { gfpBitsFor, gfpZone, decodeGfp } from "../../include/linux/gfp.js";
import { ___ratelimit, nopageRatelimitState, oomRatelimitState, type RatelimitState } from "../lib/ratelimit.js";
import {
  DEFAULT_DUMP_STACK_KERNEL,
  WARN_ALLOC_STACK_KMALLOC,
  dumpStack,
  type DumpStackInfo,
  type StackFrame,
} from "../lib/dump_stack.js";
import { SHOW_MEM_FILTER_NODES, showMem618, showMemState618, type ShowMemState618 } from "./show_mem.js";
import { bitmapList, dumpHeader, oomSystem618 } from "./oom_kill.js";
import type { KernelView, ReportHook } from "./hooks.js";

const GFP = gfpBitsFor("6.18");

/** What warn_alloc reads about the failed request and `current`. */
export interface WarnAllocInput618 {
  gfpMask: number;
  /** The ac->nodemask of the request (null: none, printed "(null)"). */
  nodemask: readonly number[] | null;
  /** The %pV message: "page allocation failure: order:%u" from __alloc_pages_slowpath. */
  message: string;
  /** current->comm. */
  comm: string;
  /** current->mems_allowed and the name of its cpuset ("/"), printed by cpuset_print_current_mems_allowed. */
  memsAllowed: readonly number[];
  cpusetName?: string;
  /** CONFIG_CPUSETS (default true): without it nothing follows the nodemask. */
  cpusets?: boolean;
  /** has_managed_dma(): a __GFP_DMA failure prints nothing on a machine without a managed ZONE_DMA. */
  hasManagedDma?: boolean;
  /** in_task() (false in interrupt context), tsk_is_oom_victim(current), current->flags & PF_MEMALLOC
   *  or PF_EXITING: they decide whether show_mem filters nodes. */
  inTask?: boolean;
  oomVictim?: boolean;
  memalloc?: boolean;
  exiting?: boolean;
  /** jiffies now, and the static nopage_rs (nopageRatelimitState(hz): 10*HZ, burst 1) the kernel keeps. */
  jiffies: number;
  nopageRs: RatelimitState;
  dumpStack: { info: DumpStackInfo; frames: readonly StackFrame[] };
  showMem: ShowMemState618;
}

export interface WarnAllocResult618 {
  /** The report was printed (not __GFP_NOWARN, not ratelimited, not a DMA request without ZONE_DMA). */
  printed: boolean;
  /** Why not, when not printed. */
  suppressed: "nowarn" | "ratelimited" | "no-managed-dma" | null;
  /** Printk lines without prefix: "warn_alloc: N callbacks suppressed" when nopage_rs opened a new
   *  window after misses, then the report. */
  lines: string[];
}

/** The first line: "%s: %pV, mode:%#x(%pGg), nodemask=%*pbl" then ",cpuset=%s,mems_allowed=%*pbl". */
export function warnAllocHeaderLine(w: WarnAllocInput618): string {
  const mask = w.gfpMask === 0 ? "0" : `0x${(w.gfpMask >>> 0).toString(16)}`;
  let s =
    `${w.comm.slice(0, 15)}: ${w.message}, mode:${mask}(${decodeGfp(w.gfpMask, "6.18").text}), ` +
    `nodemask=${bitmapList(w.nodemask)}`;
  if (w.cpusets !== false) s += `,cpuset=${w.cpusetName ?? "/"},mems_allowed=${bitmapList(w.memsAllowed)}`;
  return s;
}

/** warn_alloc_show_mem's filter (mm/page_alloc.c 6.18): SHOW_MEM_FILTER_NODES, dropped for OOM
 *  victims and PF_MEMALLOC/PF_EXITING tasks (unless __GFP_NOMEMALLOC), in interrupt context and for
 *  requests that cannot reclaim directly. */
export function warnAllocShowMemFilter(w: WarnAllocInput618): number {
  let filter = SHOW_MEM_FILTER_NODES;
  if (!(w.gfpMask & GFP.__GFP_NOMEMALLOC) && (w.oomVictim || w.memalloc || w.exiting)) filter &= ~SHOW_MEM_FILTER_NODES;
  if (w.inTask === false || !(w.gfpMask & GFP.__GFP_DIRECT_RECLAIM)) filter &= ~SHOW_MEM_FILTER_NODES;
  return filter;
}

/** warn_alloc(gfp_mask, nodemask, fmt, ...) (mm/page_alloc.c 6.18). The order of its tests matters:
 *  __GFP_NOWARN returns before nopage_rs is consulted; a DMA request on a machine without managed
 *  DMA has used up the ratelimit when it returns. */
export function warnAlloc618(w: WarnAllocInput618): WarnAllocResult618 {
  if (w.gfpMask & GFP.__GFP_NOWARN) return { printed: false, suppressed: "nowarn", lines: [] };
  const rl = ___ratelimit(w.nopageRs, w.jiffies, "warn_alloc");
  const lines = rl.line ? [rl.line] : [];
  if (!rl.pass) return { printed: false, suppressed: "ratelimited", lines };
  if (w.gfpMask & GFP.__GFP_DMA && w.hasManagedDma === false)
    return { printed: false, suppressed: "no-managed-dma", lines };
  lines.push(warnAllocHeaderLine(w));
  lines.push(...dumpStack(w.dumpStack.info, w.dumpStack.frames));
  lines.push(
    ...showMem618(w.showMem, {
      filter: warnAllocShowMemFilter(w),
      nodemask: w.nodemask,
      cpusetMemsAllowed: w.memsAllowed,
      maxZone: gfpZone(w.gfpMask, "6.18"),
    }),
  );
  return { printed: true, suppressed: null, lines };
}

/** __alloc_pages_slowpath's message for warn_alloc: "page allocation failure: order:%u". */
export const pageAllocFailureMessage = (order: number): string => `page allocation failure: order:${order}`;

/** The reports of the 6.18 kernel model (mm/hooks.ts ReportHook): warn_alloc with its static
 *  nopage_rs, over showMemState618; oomReport (used by stand-in OOM killers only) is dump_header. */
export function reportHook618(k: KernelView): ReportHook {
  const nopageRs = nopageRatelimitState(k.hz);
  const oomRs = oomRatelimitState(k.hz);
  const nodes = () => [...new Set(k.machine.machine.zones.map((z) => z.node))].sort((a, b) => a - b);
  return {
    oomReport(oc) {
      return dumpHeader(oomSystem618(k, oomRs), { gfpMask: oc.gfpMask, order: oc.order, nodemask: null }, null);
    },
    warnAlloc(gfpMask, order) {
      // warn_alloc returns at once for __GFP_NOWARN (before nopage_rs): skip building show_mem's
      // state, which walks every LRU (a sweep's THP faults fail with __GFP_NOWARN by the thousand)
      if (gfpMask & GFP.__GFP_NOWARN) return [];
      const cur = k.current;
      const r = warnAlloc618({
        gfpMask,
        nodemask: null,
        message: pageAllocFailureMessage(order),
        comm: cur?.comm ?? "kworker/0:1",
        memsAllowed: nodes(),
        hasManagedDma: k.machine.machine.zones.some((z) => z.type === "DMA" && z.managedPages > 0),
        inTask: true,
        oomVictim: !!cur?.killed,
        jiffies: k.jiffies,
        nopageRs,
        dumpStack: {
          info: {
            cpu: 0,
            euid: cur?.uid ?? 0,
            pid: cur?.pid ?? 0,
            comm: cur?.comm ?? "kworker/0:1",
            ...DEFAULT_DUMP_STACK_KERNEL,
          },
          frames: WARN_ALLOC_STACK_KMALLOC,
        },
        showMem: showMemState618(k),
      });
      return r.lines;
    },
  };
}
