// What-if settings of a diagnosis (diagnose --what-if KEY=VALUE, DiagnoseOptions.whatIf): each with
// the range of the kernel type or sysctl it models. A value outside it is an error naming the key,
// the value and the range, never a verdict computed from a wrapped number.

import { GFP_MASK_MAX, MIN_FREE_KBYTES, WATERMARK_SCALE_FACTOR, sysctlRange } from "../include/linux/sysctl.js";
import { intWithin, objectOf, parseWith } from "../include/schema.js";
import { z } from "zod";
import { OomlabError } from "../errors.js";
import { printable } from "../include/printable.js";
import type { ScalarWhatIf, WhatIf } from "./report.js";

/** MAX_ORDER is at most 16 in any kernel oomlab reads (the engine's limit too): orders 0 .. 15. */
const MAX_WHAT_IF_ORDER = 15;

/** A what-if setting: its --what-if key and the range it accepts. */
export interface WhatIfSetting {
  key: string;
  min: number;
  max: number;
  expected: string;
}

/** The settings by WhatIf field (oomScoreAdj, one value per pid, is OOM_SCORE_ADJ_SETTING). */
export const WHAT_IF_SETTINGS: Record<ScalarWhatIf, WhatIfSetting> = {
  minFreeKbytes: { key: "min_free_kbytes", ...MIN_FREE_KBYTES, expected: sysctlRange(MIN_FREE_KBYTES) },
  watermarkScaleFactor: {
    key: "watermark_scale_factor",
    ...WATERMARK_SCALE_FACTOR,
    expected: sysctlRange(WATERMARK_SCALE_FACTOR),
  },
  order: {
    key: "order",
    min: 0,
    max: MAX_WHAT_IF_ORDER,
    expected: `an integer from 0 to ${MAX_WHAT_IF_ORDER} (an order below MAX_ORDER, at most 16 in any kernel)`,
  },
  swapKb: {
    key: "swap_kb",
    min: 0,
    max: 2 ** 31 - 1,
    expected: "an integer from 0 to 2147483647 (kB of swap added, for the 6.18 replay)",
  },
  extfragThreshold: {
    key: "extfrag_threshold",
    min: 0,
    max: 1000,
    expected: "an integer from 0 to 1000 (vm.extfrag_threshold, mm/compaction.c vm_compaction, 6.18)",
  },
  compaction: { key: "compaction", min: 0, max: 1, expected: "0 or 1 (CONFIG_COMPACTION off or on)" },
  victimOomScoreAdj: {
    key: "victim_oom_score_adj",
    min: -1000,
    max: 1000,
    expected: "an integer from -1000 to 1000 (the report's victim's oom_score_adj, for the 6.18 replay)",
  },
  victimKilledEarlier: {
    key: "victim_killed_earlier",
    min: 0,
    max: 1,
    expected: "0 or 1 (1: the report's victim killed before the request, for the 6.18 replay)",
  },
  gfp: {
    key: "gfp",
    min: 0,
    max: GFP_MASK_MAX,
    expected: `an integer from 0 to 0x${GFP_MASK_MAX.toString(16)} (gfp_t, an unsigned int)`,
  },
};

/** oom_score_adj:PID=VALUE: a pid (PID_MAX_LIMIT, include/linux/threads.h) and its oom_score_adj
 *  (OOM_SCORE_ADJ_MIN .. OOM_SCORE_ADJ_MAX, include/uapi/linux/oom.h). */
export const OOM_SCORE_ADJ_SETTING = {
  key: "oom_score_adj",
  pid: { min: 1, max: 4194303, expected: "a pid from 1 to 4194303 (PID_MAX_LIMIT)" },
  value: { min: -1000, max: 1000, expected: "an integer from -1000 to 1000 (oom_score_adj, for the 6.18 replay)" },
} as const;

const field = (s: WhatIfSetting) => intWithin(s.min, s.max, s.expected);
const { pid: PID, value: ADJ } = OOM_SCORE_ADJ_SETTING;

const whatIfSchema = objectOf(
  {
    minFreeKbytes: field(WHAT_IF_SETTINGS.minFreeKbytes).optional(),
    watermarkScaleFactor: field(WHAT_IF_SETTINGS.watermarkScaleFactor).optional(),
    order: field(WHAT_IF_SETTINGS.order).optional(),
    gfp: field(WHAT_IF_SETTINGS.gfp).optional(),
    swapKb: field(WHAT_IF_SETTINGS.swapKb).optional(),
    extfragThreshold: field(WHAT_IF_SETTINGS.extfragThreshold).optional(),
    compaction: field(WHAT_IF_SETTINGS.compaction).optional(),
    victimOomScoreAdj: field(WHAT_IF_SETTINGS.victimOomScoreAdj).optional(),
    victimKilledEarlier: field(WHAT_IF_SETTINGS.victimKilledEarlier).optional(),
    oomScoreAdj: z.record(z.string(), intWithin(ADJ.min, ADJ.max, ADJ.expected)).optional(),
  },
  "what-if settings { minFreeKbytes?, watermarkScaleFactor?, order?, gfp?, swapKb?, extfragThreshold?, " +
    "compaction?, victimOomScoreAdj?, victimKilledEarlier?, oomScoreAdj? }",
);

/** Checks DiagnoseOptions.whatIf: an unknown setting or a value out of range is an OOMLAB_BAD_ARGUMENT
 *  naming it (whatIf.minFreeKbytes -5 is out of range: an int from 0 to 2147483647 (...)). */
export function validateWhatIf(w: WhatIf): WhatIf {
  const out = parseWith(whatIfSchema, w, { prefix: "", root: "whatIf", whole: "whatIf", code: "OOMLAB_BAD_ARGUMENT" });
  for (const k of Object.keys(out.oomScoreAdj ?? {}))
    if (!(/^\d{1,7}$/.test(k) && Number(k) >= PID.min && Number(k) <= PID.max))
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `whatIf.oomScoreAdj: '${printable(k)}' is not ${PID.expected}`);
  return out;
}

/** The --what-if keys, as the kernel names them, by WhatIf field. */
const WHAT_IF_KEYS = Object.fromEntries(
  (Object.entries(WHAT_IF_SETTINGS) as [ScalarWhatIf, WhatIfSetting][]).map(([field, s]) => [s.key, field]),
) as Record<string, ScalarWhatIf>;

/** A decimal or 0x hex integer within the range, or a usage error naming `what` and the range. */
function intArg(raw: string, s: { min: number; max: number; expected: string }, what: string): number {
  const v = /^0x[0-9a-f]+$/i.test(raw) ? Number.parseInt(raw, 16) : /^[-+]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(Number.isSafeInteger(v) && v >= s.min && v <= s.max)) {
    const why = Number.isNaN(v) ? `'${raw}' is not ${s.expected}` : `${raw} is out of range: ${s.expected}`;
    throw new OomlabError("OOMLAB_USAGE", `--what-if ${what}: ${why}`);
  }
  return v;
}

/** "--what-if min_free_kbytes=600" -> { minFreeKbytes: 600 }; "oom_score_adj:PID=VALUE" sets one task's
 *  value (the CLI's items; the web page sends the same). VALUE is a decimal or 0x hex integer within the
 *  key's range; anything else is a usage error naming the key's range. */
export function parseWhatIf(items: string[]): WhatIf {
  const w: WhatIf = {};
  const adj = OOM_SCORE_ADJ_SETTING;
  for (const it of items) {
    // oom_score_adj:PID=VALUE: one task's oom_score_adj
    const a = new RegExp(`^${adj.key}:([^=]*)=(.*)$`, "is").exec(it);
    if (a) {
      const pid = intArg(a[1], adj.pid, `${adj.key}:PID`);
      w.oomScoreAdj = { ...w.oomScoreAdj, [pid]: intArg(a[2], adj.value, `${adj.key}:${pid}`) };
      continue;
    }
    const m = /^([a-z_]+)=(.*)$/is.exec(it);
    const key = m && Object.hasOwn(WHAT_IF_KEYS, m[1]) ? WHAT_IF_KEYS[m[1]] : undefined;
    if (!m || !key) {
      const keys = [...Object.keys(WHAT_IF_KEYS), `${adj.key}:PID`].join(", ");
      throw new OomlabError("OOMLAB_USAGE", `--what-if needs KEY=VALUE with KEY one of ${keys}, got '${it}'`);
    }
    const s = WHAT_IF_SETTINGS[key];
    w[key] = intArg(m[2], s, s.key);
  }
  return w;
}
