// The cell function `oomlab sweep` runs: cli/sweep_worker.ts and cli/commands/sweep.ts import runCell and
// WORKLOAD_NAMES from here and only here, so the line below is the one to change to switch cell modules.
export { runCell, checkCell, WORKLOAD_NAMES } from "./cell.js";
