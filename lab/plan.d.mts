// Types of lab/plan.mjs, for the tests in test/lab/.
export interface LabProbeTask {
  name: string;
  bytes: number;
  oomScoreAdj: number;
}
export type LabProbe =
  | { kind: "nr_hugepages"; value: number }
  | { kind: "thp-storm"; bytes: number }
  | { kind: "oom"; tasks: LabProbeTask[]; then: { name: string; stepBytes: number; oomScoreAdj: number } };
export interface LabRun {
  name: string;
  workload: "pepper" | "pagecache" | "anon-half" | "mix";
  params: Record<string, number>;
  probe: LabProbe;
  traceKiB: number;
}
export interface LabVmOutput {
  probeResult: string;
  traceStats: string;
  midVmstat: string;
  afterVmstat: string;
  console: string;
  bootSeconds: number | null;
  runSeconds: number;
}
export const DEFAULT_TRACE_KIB: number;
export function validateRuns(runs: unknown): LabRun[];
export function runScript(run: LabRun): string;
export function kernelInfo(text: string): Record<string, string>;
export function workloadJson(
  run: LabRun,
  info: Record<string, string>,
  vm: { memMiB: number; cpus: number },
): Record<string, unknown>;
export function probeJson(run: LabRun, info: Record<string, string>): Record<string, unknown>;
export function parseTraceStats(text: string): Record<string, number>;
export function parseVmstat(text: string): Map<string, number>;
export function consoleKills(console: string): { pid: number; name: string }[];
export function resultJson(run: LabRun, vm: LabVmOutput): Record<string, unknown>;
export function elfInterpreter(buf: Buffer): string | null;
export function summaryRow(run: LabRun, result: Record<string, unknown>): string;
