// What-if settings of a diagnosis (diagnose --what-if KEY=VALUE, DiagnoseOptions.whatIf): each with
// the range of the kernel type or sysctl it models. A value outside it is an error naming the key,
// the value and the range, never a verdict computed from a wrapped number.

import { GFP_MASK_MAX, MIN_FREE_KBYTES, WATERMARK_SCALE_FACTOR, sysctlRange } from "../include/linux/sysctl.js";
import { intWithin, objectOf, parseWith } from "../include/schema.js";
import { OomlabError } from "../errors.js";
import type { WhatIf } from "./report.js";

/** MAX_ORDER is at most 16 in any kernel oomlab reads (the engine's limit too): orders 0 .. 15. */
const MAX_WHAT_IF_ORDER = 15;

/** A what-if setting: its --what-if key and the range it accepts. */
export interface WhatIfSetting {
  key: string;
  min: number;
  max: number;
  expected: string;
}

/** The settings by WhatIf field. */
export const WHAT_IF_SETTINGS: Record<keyof WhatIf, WhatIfSetting> = {
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
  gfp: {
    key: "gfp",
    min: 0,
    max: GFP_MASK_MAX,
    expected: `an integer from 0 to 0x${GFP_MASK_MAX.toString(16)} (gfp_t, an unsigned int)`,
  },
};

const field = (s: WhatIfSetting) => intWithin(s.min, s.max, s.expected);

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
  },
  "what-if settings { minFreeKbytes?, watermarkScaleFactor?, order?, gfp?, " +
    "swapKb?, extfragThreshold?, compaction?, victimOomScoreAdj? }",
);

/** Checks DiagnoseOptions.whatIf: an unknown setting or a value out of range is an OOMLAB_BAD_ARGUMENT
 *  naming it (whatIf.minFreeKbytes -5 is out of range: an int from 0 to 2147483647 (...)). */
export function validateWhatIf(w: WhatIf): WhatIf {
  return parseWith(whatIfSchema, w, { prefix: "", root: "whatIf", whole: "whatIf", code: "OOMLAB_BAD_ARGUMENT" });
}

/** The --what-if keys, as the kernel names them, by WhatIf field. */
const WHAT_IF_KEYS = Object.fromEntries(
  (Object.entries(WHAT_IF_SETTINGS) as [keyof WhatIf, WhatIfSetting][]).map(([field, s]) => [s.key, field]),
) as Record<string, keyof WhatIf>;

/** "--what-if min_free_kbytes=600" -> { minFreeKbytes: 600 } (the CLI's items; the web page sends the same).
 *  VALUE is a decimal or 0x hex integer within the key's range; anything else is a usage error naming it. */
export function parseWhatIf(items: string[]): WhatIf {
  const w: WhatIf = {};
  for (const it of items) {
    const m = /^([a-z_]+)=(.*)$/is.exec(it);
    const key = m && Object.hasOwn(WHAT_IF_KEYS, m[1]) ? WHAT_IF_KEYS[m[1]] : undefined;
    if (!m || !key) {
      const keys = Object.keys(WHAT_IF_KEYS).join(", ");
      throw new OomlabError("OOMLAB_USAGE", `--what-if needs KEY=VALUE with KEY one of ${keys}, got '${it}'`);
    }
    const s = WHAT_IF_SETTINGS[key];
    const raw = m[2];
    const v = /^0x[0-9a-f]+$/i.test(raw) ? Number.parseInt(raw, 16) : /^[-+]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(Number.isSafeInteger(v) && v >= s.min && v <= s.max)) {
      const what = Number.isNaN(v) ? `'${raw}' is not ${s.expected}` : `${raw} is out of range: ${s.expected}`;
      throw new OomlabError("OOMLAB_USAGE", `--what-if ${s.key}: ${what}`);
    }
    w[key] = v;
  }
  return w;
}
