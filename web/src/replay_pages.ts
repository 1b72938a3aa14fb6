// The page states of a replay's frames and their runs of changes (replay_frames.ts records them in the
// worker, replay.ts plays them back in the page): plain arrays, no engine.

/** Page states in a frame: 0 free, 1 + migratetype allocated, then these. */
export const PAGE_PCP = 7;
export const PAGE_RESERVED = 8;

/** The runs [start, length, value]* of pages whose state differs between prev and cur. */
export function diff(prev: Uint8Array, cur: Uint8Array): Uint32Array {
  const runs: number[] = [];
  const n = cur.length;
  for (let p = 0; p < n; p++) {
    if (cur[p] === prev[p]) continue;
    const v = cur[p];
    let q = p + 1;
    while (q < n && cur[q] === v && prev[q] !== v) q++;
    runs.push(p, q - p, v);
    p = q - 1;
  }
  return Uint32Array.from(runs);
}

/** The runs of a then b in one (b's pages win): both sorted by start, without overlaps. */
export function composeRuns(a: Uint32Array, b: Uint32Array): Uint32Array {
  const left: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 3) {
    let s = a[i];
    const e = s + a[i + 1];
    const v = a[i + 2];
    while (j < b.length && b[j] + b[j + 1] <= s) j += 3;
    for (let k = j; s < e; k += 3) {
      if (k >= b.length || b[k] >= e) {
        left.push(s, e - s, v);
        break;
      }
      if (b[k] > s) left.push(s, b[k] - s, v);
      s = Math.max(s, b[k] + b[k + 1]);
    }
  }
  const out = new Uint32Array(left.length + b.length);
  let o = 0;
  let i = 0;
  j = 0;
  while (i < left.length || j < b.length) {
    const fromLeft = j >= b.length || (i < left.length && left[i] < b[j]);
    const src = fromLeft ? left : b;
    const at = fromLeft ? i : j;
    out[o++] = src[at];
    out[o++] = src[at + 1];
    out[o++] = src[at + 2];
    if (fromLeft) i += 3;
    else j += 3;
  }
  return out;
}

/** Applies a frame's runs to the pages. */
export function applyRuns(pages: Uint8Array, runs: Uint32Array): void {
  for (let i = 0; i < runs.length; i += 3) pages.fill(runs[i + 2], runs[i], runs[i] + runs[i + 1]);
}
