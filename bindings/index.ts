// oomlab's public API.
export { Machine, type BatchOp, type MachineOptions, type ZoneStats } from "./page_alloc.js";
export { init, initSync, type EngineBuild, type InitOptions } from "./wasm.js";
export { resolveMachine, buildZonelist, defaultMinFreeKbytes, setupWatermarks, setupLowmemReserve, intSqrt, type Zonelist } from "./mm_init.js";
export { ERAS, ERA_2_6_11, ERA_6_18, eraProfile, type EraProfile } from "./eras.js";
export { buddyinfo, pagetypeinfo } from "./vmstat.js";
export { runChurn, churnMachine, type ChurnOptions, type ChurnResult } from "./churn.js";
export { OomlabError, type OomlabErrorCode } from "./errors.js";
export * from "./types.js";
export { replay, compare, formatCompare, POLICIES, type ReplayOptions, type ReplayResult, type CompareRow } from "./replay.js";
export { buildKernel, validateScenario, type Scenario, type LayoutRun, type ScenarioEvent } from "./scenario.js";
export { Kernel2611, OWNER } from "./kernel_2611.js";
export { GFP_2611, decodeGfp2611 } from "./gfp.js";
export { badness2611, selectBadProcess2611 } from "./oom_kill.js";
export { KernelLog, SimClock, type Task, type PageAllocator } from "./sim.js";
