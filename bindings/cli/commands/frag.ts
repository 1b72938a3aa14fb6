import type { FragIndices } from "../../render/diagnose.js";

/** The fragmentation indices of mm/vmstat.c, for the text renderers. */
export async function fragIndices(): Promise<FragIndices | null> {
  const { unusableFreeIndex, extfragIndex } = await import("../../mm/fragmentation.js");
  return { unusableFreeIndex: (n, o) => unusableFreeIndex(n, o), extfragIndex: (n, o) => extfragIndex(n, o) };
}
