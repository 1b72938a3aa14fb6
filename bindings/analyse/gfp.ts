// diagnose_gfp: what a report's gfp mask means for the verdict, through the per-era GFP tables of
// include/linux/gfp.ts: printed flag names, gfp_zone and the ALLOC_* reductions gfp_to_alloc_flags
// derives from the mask (mm/page_alloc.ts allocFlagsFor).

import { OomlabError } from "../errors.js";
import { decodeGfp, gfpEraForVersion, gfpZone } from "../include/linux/gfp.js";
import { ZONE_TYPES } from "../include/linux/mmzone.js";
import { allocFlagsFor } from "../mm/page_alloc.js";

export interface GfpMeaning {
  /** Flag names as %pGg prints them. */
  names: string[];
  /** The highest zone the mask allows (gfp_zone), by name. */
  highestZone: string;
  /** 2.6.11 .. 4.3 zone_watermark_ok reductions: __GFP_HIGH halves min, can_try_harder takes a quarter. */
  gfpHigh: boolean;
  harder: boolean;
  /** 4.4+ ALLOC_* flags for __zone_watermark_ok (6.18 numbering). */
  allocFlags: number;
  /** The request may use CMA pageblocks (a movable allocation). */
  cma: boolean;
}

function zoneName(z: unknown): string {
  if (typeof z === "number") return ZONE_TYPES[z] ?? "Normal";
  if (typeof z === "string") return z;
  if (z && typeof z === "object" && "name" in z) return String((z as { name: unknown }).name);
  return "Normal";
}

/** Meanings decoded so far (a log repeats a few masks in many reports); emptied when full. */
const decoded = new Map<string, GfpMeaning>();
const DECODED_KEPT = 256;

/** Decodes a mask for a kernel release ("2.6.11", "4.9.0", "6.1.1-arch1-1"). */
export function gfpMeaning(mask: number, version: string, order: number): GfpMeaning {
  const key = `${mask} ${Math.max(0, order)} ${version}`;
  let g = decoded.get(key);
  if (!g) {
    g = decode(mask, version, order);
    if (decoded.size >= DECODED_KEPT) decoded.clear();
    decoded.set(key, g);
  }
  return { ...g, names: [...g.names] };
}

function decode(mask: number, version: string, order: number): GfpMeaning {
  const era = gfpEraForVersion(version) ?? gfpEraForVersion("2.6.11");
  if (era === null) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `no GFP table for ${version}`);
  const d = decodeGfp(mask, era);
  const f = allocFlagsFor(mask, era, { order: Math.max(0, order) });
  return {
    names: [...d.names],
    highestZone: zoneName(gfpZone(mask, era)),
    gfpHigh: f.minReserve,
    harder: f.harder,
    allocFlags: f.allocFlags6_18,
    cma: f.cma,
  };
}
