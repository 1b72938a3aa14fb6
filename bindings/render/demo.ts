// `oomlab demo` as text: the churn benchmark's checksum and timing, then the 6.18 machine after the
// mixed workload with its zones and /proc views.

import type { ChurnResult } from "../engine/churn.js";
import type { MixedResult } from "../engine/mixed.js";
import { zoneLine, type MachineView } from "./machine.js";

export interface DemoView {
  churn: ChurnResult;
  /** Whether the checksum matches docs/churn-benchmark.md's (null: published only for 10,000,000 operations). */
  matchesReference: boolean | null;
  mixed: MixedResult & { ms: number };
  machine: MachineView & { pagetypeinfo: string };
}

const count = (n: number) => n.toLocaleString("en-US");

export function renderDemo(d: DemoView): string {
  const { churn, mixed, matchesReference } = d;
  const reference =
    matchesReference === null
      ? "(published only for 10,000,000 operations: run with --ops 10000000)"
      : matchesReference
        ? "matches churn-benchmark.md"
        : "DOES NOT MATCH churn-benchmark.md";
  const lines = [
    `oomlab engine demo`,
    ``,
    `== churn benchmark (2^${churn.log2Pages} pages, 2.6.11 free lists, seed 0x${churn.seed.toString(16)}) ` +
      "on the WASM engine ==",
    `operations       ${count(churn.ops)}`,
    `checksum         ${churn.checksum}`,
    `reference        ${reference}`,
    `time             ${churn.nsPerOp.toFixed(2)} ns/op, ${(churn.opsPerSec / 1e6).toFixed(1)} M ops/s`,
    `coalesced after freeing everything: ${churn.coalesced ? "yes" : "NO"}`,
    ``,
    `== 6.18 x86-64, 6 GiB: ${count(mixed.ops)} mixed operations ` +
      `(${count(mixed.allocated)} allocations, ${mixed.failed} failed) in ${mixed.ms.toFixed(0)} ms ==`,
    ...d.machine.zones.map(zoneLine),
    ``,
    `/proc/buddyinfo`,
    d.machine.buddyinfo.replace(/\n$/, ""),
    ``,
    `/proc/pagetypeinfo`,
    d.machine.pagetypeinfo.replace(/\n$/, ""),
    ``,
  ];
  return lines.join("\n") + "\n";
}
