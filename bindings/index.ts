// oomlab's public API.
export { Machine, type BatchOp, type MachineOptions, type ZoneStats } from "./engine/machine.js";
export { init, initSync, type EngineBuild, type InitOptions } from "./engine/wasm.js";
export {
  resolveMachine,
  buildZonelist,
  defaultMinFreeKbytes,
  setupWatermarks,
  setupLowmemReserve,
  intSqrt,
  type Zonelist,
} from "./mm/mm_init.js";
export {
  ERAS,
  ERA_2_6_11,
  ERA_6_18,
  eraProfile,
  WATERMARK_CHECK_ERAS,
  WATERMARK_FORMULA_ERAS,
  watermarkCheckFor,
  watermarkProfileFor,
  type EraProfile,
  type WatermarkCheckEra,
  type WatermarkFormulaEra,
} from "./kernel/releases.js";
export { buddyinfo, pagetypeinfo, zoneinfoPagesets } from "./mm/vmstat.js";
export { runChurn, churnMachine, type ChurnOptions, type ChurnResult } from "./engine/churn.js";
export { OomlabError, type OomlabErrorCode } from "./errors.js";
export * from "./include/machine.js";
export * from "./include/linux/mmzone.js";
export { AllocFlags, ALLOC_RESERVES } from "./mm/internal.js";
export { KERNEL_VERSION, parseRelease, type KernelRelease } from "./include/linux/version.js";
export {
  replay,
  compare,
  POLICIES,
  type ReplayOptions,
  type ReplayResult,
  type CompareRow,
} from "./scenario/replay.js";
// A 6.1/6.18 scenario (machine.era; isScenario618 tells) replayed on the 6.18 model, as `oomlab replay` does.
export {
  replay618 as replayScenario618,
  type ReplayOptions618,
  type ReplayResult618,
} from "./scenario/replay618.js";
export { isScenario618 } from "./scenario/schema618.js";
export { formatCompare } from "./render/compare.js";
export {
  validateScenario,
  scenarioSchema,
  type Scenario,
  type LayoutRun,
  type ScenarioEvent,
} from "./scenario/schema.js";
export { jsonSchemaFiles } from "./scenario/json_schema.js";
export {
  machineSpecSchema,
  parseMachineSpec,
  MAX_PAGES,
  MAX_PFN,
  MAX_WATERMARK_PAGES,
  MAX_BOOSTED_WATERMARK_PAGES,
} from "./include/machine_schema.js";
export { parseWhatIf, validateWhatIf, WHAT_IF_SETTINGS } from "./analyse/what_if.js";
export { buildKernel } from "./scenario/build.js";
export { Kernel2611, OWNER } from "./linux-2.6.11/kernel.js";
export { badness2611, selectBadProcess2611 } from "./linux-2.6.11/mm/oom_kill.js";
export { KernelLog } from "./sim/log.js";
export { SimClock, HZ_DEFAULT } from "./sim/clock.js";
export type { Task } from "./sim/tasks.js";
export type { PageAllocator } from "./sim/page_allocator.js";
export {
  SIM_EVENT_KINDS,
  isSimEventKind,
  eventsOfKind,
  type SimEvent,
  type SimEventKind,
  type SimEventOf,
  type SimEventFields,
  type SimContext,
} from "./sim/events.js";
export {
  diagnose,
  diagnoseFile,
  filedJson,
  type FiledReport,
  type DiagnoseResult,
  type DiagnosedReport,
  type DiagnoseOptions,
  type WhatIf,
  type Verdict,
} from "./analyse/diagnose.js";
export { parseReports, type ParsedReport, type ParseResult, type ParsedZone, type Warning } from "./parse/reports.js";
export {
  parseBuddyinfo,
  parseZoneinfo,
  parsePagetypeinfo,
  type BuddyinfoResult,
  type ZoneinfoResult,
  type PagetypeinfoResult,
} from "./parse/proc.js";
export { snapshotFromFiles, type SnapshotFiles, type SnapshotReport } from "./analyse/snapshot.js";
export {
  FtraceParser,
  parseFtrace,
  LineSplitter,
  gfpFromTrace,
  gfpToTrace,
  KMEM_EVENTS,
  type KmemEvent,
  type KmemEventName,
  type FtraceSummary,
  type FtraceParserOptions,
} from "./parse/ftrace.js";
export {
  traceStats,
  traceStatsSync,
  TraceStatsAccumulator,
  type TraceStats,
  type TraceStatsJson,
} from "./analyse/trace_stats.js";
export {
  GFP_ERAS,
  GFP_2611,
  decodeGfp,
  decodeGfp2611,
  gfpEraForVersion,
  gfpBitsFor,
  gfpZone,
  parseGfp,
  type GfpEra,
  type DecodedGfp,
  type DecodedGfp2611,
} from "./include/linux/gfp.js";
export { allocFlagsFor, type AllocFlagsOptions, type EraAllocFlags } from "./mm/page_alloc.js";
export {
  SWEEP_FORMAT,
  validateSweepSpec,
  expandSweep,
  deriveSeed,
  taskAt,
  sweepSpecSchema,
  type SweepSpec,
  type SweepCell,
  type SweepTask,
  type ExpandedSweep,
  type CellInput,
  type CellResult,
  type RunCell,
} from "./sweep/spec.js";
export {
  runSweep,
  webWorkerFactory,
  workerOverPort,
  inThreadWorker,
  serveCell,
  type RunSweepOptions,
  type CellWorker,
  type CellWorkerFactory,
  type CellPort,
  type SweepProgress,
} from "./sweep/runner.js";
export { parseShard, type Shard } from "./sweep/shard.js";
export { mergeResults, readExisting, resultLine, summaryCsv, manifestText } from "./sweep/merge.js";
export {
  compareResults,
  parseResults,
  selectBaseline,
  selectMetrics,
  withMetrics,
  type CellMetric,
  type Comparison,
  type CompareCell,
  type CompareRecord,
  type MetricComparison,
} from "./analyse/sweep_compare.js";
export { mannWhitney, sampleStats, tQuantile975, type MannWhitney, type SampleStats } from "./analyse/stats.js";
export { formatCompareHtml, formatCompareMarkdown, formatCompareText } from "./render/sweep_compare.js";
// The plots of a sweep as Vega-Lite specs (render them with vega-embed in a page, or render/vega_svg.ts's
// renderSvg, which is left out of the entry so that importing oomlab does not load vega).
export {
  pageblockRows,
  seriesMeans,
  sweepPlotData,
  type PlotCell,
  type SweepPlotData,
} from "./analyse/sweep_plots.js";
export { sweepPlotSpecs, type PlotSpec } from "./render/sweep_plots.js";
export { reportHtml, reportMarkdown, type ReportPlot } from "./render/sweep_report.js";
