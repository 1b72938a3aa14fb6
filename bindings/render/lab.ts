// Text of `oomlab lab predict` and `oomlab lab compare` (analyse/lab_predict.ts, analyse/lab_compare.ts):
// one table per run, then the goals. Computes nothing: every number comes in the data.

import type { GoalResult, LabComparison, ZoneFreeComparison } from "../analyse/lab_compare.js";
import type { LabPrediction } from "../analyse/lab_predict.js";
import { tableLines } from "./table.js";

const cell = (v: number | string | null): string => (v === null ? "-" : String(v));
const pct = (x: number | null): string => (x === null ? "n/a" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`);

export function renderLabPrediction(p: LabPrediction): string {
  const lines = [`${p.run}: ${p.probe.kind} predicted on the ${p.era} kernel model`];
  const r = p.replay;
  lines.push(
    `workload: ${r.events} of ${r.captureEvents} events replayed (${r.requests} allocations, ${r.frees} frees, ` +
      `${r.failedRequests} not placed); start ${r.startL1Pages} pages from before-buddyinfo`,
  );
  if (p.hugepages !== null) lines.push(`hugepages: ${p.hugepages}`);
  if (p.thp) lines.push(`thp_fault_alloc: ${p.thp.thp_fault_alloc}, thp_fault_fallback: ${p.thp.thp_fault_fallback}`);
  if (p.probe.kind === "oom")
    lines.push(
      `oom kills: ${p.oomKills.map((k) => `${k.comm} (pid ${k.pid}, ${k.points} points)`).join(", ") || "none"}`,
    );
  const rows = [["zone", "state", ...(Object.values(p.mid)[0] ?? []).map((_, k) => String(k))]];
  for (const z of Object.keys(p.mid)) {
    rows.push([z, "mid", ...p.mid[z].map(String)]);
    rows.push([z, "after", ...(p.after[z] ?? []).map(String)]);
  }
  lines.push("", "free blocks per order:", ...tableLines(rows));
  const vm = Object.entries(p.vmstat).filter(([, v]) => v !== 0);
  if (vm.length) lines.push("", `probe counters: ${vm.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  return `${lines.join("\n")}\n`;
}

function goal(name: string, g: GoalResult | null): string | null {
  return g ? `${name} ${g.ok ? "met" : "MISSED"} (${g.difference})` : null;
}

function zoneRows(state: string, zs: readonly ZoneFreeComparison[]): string[][] {
  const rows: string[][] = [];
  for (const z of zs) {
    rows.push([`${state} ${z.zone} blocks/order`, z.real.join(" "), z.predicted.join(" "), ""]);
    const w = z.worstOrder;
    rows.push([
      `${state} ${z.zone} order ${w} (largest rel. diff)`,
      String(z.real[w]),
      String(z.predicted[w]),
      pct(z.relBlocks[w]),
    ]);
    for (const k of [0, 9])
      if (k < z.realAtOrAbove.length)
        rows.push([
          `${state} ${z.zone} free pages >= order ${k}`,
          String(z.realAtOrAbove[k]),
          String(z.predictedAtOrAbove[k]),
          pct(z.relAtOrAbove[k]),
        ]);
  }
  return rows;
}

export function renderLabComparison(cs: readonly LabComparison[]): string {
  const out: string[] = [];
  for (const c of cs) {
    out.push(`${c.run} (${c.probe})${c.traceOverrun ? " [trace overrun]" : ""}`);
    const rows = [["quantity", "real", "predicted", "rel"]];
    for (const r of c.rows) {
      rows.push([r.quantity, cell(r.real), cell(r.predicted), r.rel === null ? "" : pct(r.rel)]);
    }
    rows.push(...zoneRows("mid", c.mid), ...zoneRows("after", c.after));
    out.push(...tableLines(rows, { rule: true }));
    const goals = [goal("hugepages", c.goals.hugepages), goal("mid", c.goals.mid), goal("victim", c.goals.victim)];
    out.push(`goals: ${goals.filter((g) => g !== null).join("; ")}`, "");
  }
  if (cs.length > 1) {
    const rows = [
      ["run", "probe", "hugepages real/pred", "thp alloc real/pred", "victim real/pred", "mid goal", "all goals"],
    ];
    for (const c of cs) {
      const q = (name: string) => c.rows.find((r) => r.quantity === name);
      const pair = (name: string) => {
        const r = q(name);
        return r ? `${cell(r.real)}/${cell(r.predicted)}` : "";
      };
      rows.push([
        c.run,
        c.probe,
        pair("hugepages"),
        pair("thp_fault_alloc"),
        pair("victim"),
        c.goals.mid.difference,
        c.goalsMet ? "met" : "missed",
      ]);
    }
    out.push(...tableLines(rows, { rule: true }), "");
  }
  return out.join("\n");
}
