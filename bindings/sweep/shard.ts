// Shards: `--shard I/N` runs task ordinals t (t = cell index * seeds + seed index, the order of
// results.jsonl) with t mod N == I, so N processes anywhere (a Kubernetes Indexed Job's
// JOB_COMPLETION_INDEX, a Slurm array's SLURM_ARRAY_TASK_ID, GNU parallel's job number - 1) split a
// sweep without talking to each other, round robin over the grid (neighbouring cells, which often
// cost alike, go to different shards). Seeds do not depend on the shard (spec.ts deriveSeed), and
// `oomlab sweep merge` puts the shards' lines back in ordinal order.

import { OomlabError } from "../errors.js";

export interface Shard {
  /** 0 .. count - 1. */
  index: number;
  count: number;
}

/** The whole sweep as one shard. */
export const WHOLE: Shard = { index: 0, count: 1 };
/** oomlab's bound on N. */
export const MAX_SHARDS = 1_000_000;

/** "I/N" -> { index: I, count: N }, 0 <= I < N <= MAX_SHARDS; anything else is OOMLAB_USAGE. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index >= count)
    throw new OomlabError(
      "OOMLAB_USAGE",
      `--shard ${JSON.stringify(text)} is not I/N with 0 <= I < N <= ${MAX_SHARDS} (e.g. 0/4: the first of 4 shards)`,
    );
  return { index, count };
}

/** "I/N". */
export function shardText(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** Whether task ordinal t belongs to shard s. */
export function inShard(s: Shard, ordinal: number): boolean {
  return ordinal % s.count === s.index;
}

/** The ordinals of a shard's tasks, ascending, among taskCount tasks. */
export function shardOrdinals(s: Shard, taskCount: number): number[] {
  const out: number[] = [];
  for (let t = s.index; t < taskCount; t += s.count) out.push(t);
  return out;
}
