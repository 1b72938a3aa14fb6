// `npm run lab:check`'s rules (test/lab/check.test.ts): every stored lab run must meet the goals of issue 13
// (analyse/lab_compare.ts) or be listed in lab/expected-misses.json with the measured difference and the
// reason; a listed miss that is now met fails too, so the list stays honest. Pure.

import { OomlabError } from "../errors.js";
import type { LabComparison } from "./lab_compare.js";
import { parseJsonText } from "./lab_predict.js";

export const LAB_GOALS = ["hugepages", "mid", "victim"] as const;
export type LabGoal = (typeof LAB_GOALS)[number];

/** One listed miss: the difference measured when it was listed, and why the model misses. */
export interface ExpectedMiss {
  difference: string;
  reason: string;
}

/** lab/expected-misses.json: { "misses": { RUN: { GOAL: {difference, reason} } } } (other keys ignored). */
export type ExpectedMisses = Record<string, Partial<Record<LabGoal, ExpectedMiss>>>;

/** Reads lab/expected-misses.json; OOMLAB_BAD_ARGUMENT naming the entry that does not read. */
export function parseExpectedMisses(text: string, file = "lab/expected-misses.json"): ExpectedMisses {
  const o = parseJsonText(text, file);
  const misses = typeof o === "object" && o !== null ? (o as Record<string, unknown>).misses : undefined;
  if (typeof misses !== "object" || misses === null || Array.isArray(misses))
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `${file}: must be {"misses": {RUN: {GOAL: {difference, reason}}}}`);
  const out: ExpectedMisses = {};
  for (const [run, goals] of Object.entries(misses)) {
    if (typeof goals !== "object" || goals === null)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `${file}: misses.${run} must be an object`);
    out[run] = {};
    for (const [goal, m] of Object.entries(goals)) {
      if (!(LAB_GOALS as readonly string[]).includes(goal))
        throw new OomlabError(
          "OOMLAB_BAD_ARGUMENT",
          `${file}: misses.${run}.${goal}: goals are ${LAB_GOALS.join(", ")}`,
        );
      const e = m as Record<string, unknown>;
      if (typeof e?.difference !== "string" || typeof e.reason !== "string" || e.reason.trim() === "")
        throw new OomlabError(
          "OOMLAB_BAD_ARGUMENT",
          `${file}: misses.${run}.${goal} needs "difference" (as lab compare prints it) and a "reason"`,
        );
      (out[run] as Record<string, ExpectedMiss>)[goal] = { difference: e.difference, reason: e.reason };
    }
  }
  return out;
}

export interface LabCheckResult {
  /** What fails the check: unlisted misses, listed misses now met, listed runs not stored. */
  problems: string[];
  /** Listed misses whose difference has moved since they were listed (reported, not failed). */
  notes: string[];
  /** Per run and goal: "met", "missed (listed)" or "MISSED". */
  table: { run: string; goal: LabGoal; status: string; difference: string }[];
}

/** The check of stored runs (by name) against the list. */
export function checkLabRuns(
  runs: readonly { name: string; c: LabComparison }[],
  misses: ExpectedMisses,
): LabCheckResult {
  const out: LabCheckResult = { problems: [], notes: [], table: [] };
  for (const { name, c } of runs) {
    const listed = misses[name] ?? {};
    for (const goal of LAB_GOALS) {
      const g = c.goals[goal];
      const l = listed[goal];
      if (!g) {
        if (l) out.problems.push(`${name}: ${goal} is listed as a miss but does not apply to a ${c.probe} probe`);
        continue;
      }
      const status = g.ok ? "met" : l ? "missed (listed)" : "MISSED";
      out.table.push({ run: name, goal, status, difference: g.difference });
      if (g.ok && l)
        out.problems.push(`${name}: ${goal} is met now (${g.difference}): remove it from lab/expected-misses.json`);
      else if (!g.ok && !l)
        out.problems.push(
          `${name}: ${goal} missed (${g.difference}): fix the model, or list it in lab/expected-misses.json ` +
            "with this difference and the reason",
        );
      else if (!g.ok && l && l.difference !== g.difference)
        out.notes.push(`${name}: ${goal} listed as ${l.difference}, measured ${g.difference}`);
    }
  }
  const stored = new Set(runs.map((r) => r.name));
  for (const run of Object.keys(misses))
    if (!stored.has(run)) out.problems.push(`lab/expected-misses.json lists ${run}, which is not in lab/runs`);
  return out;
}
