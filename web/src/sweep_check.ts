// A sweep spec's text checked as `oomlab sweep` checks it before it runs anything (cli/commands/sweep.ts
// loadSweep: validateSweepSpec, expandSweep with the cell module's checkCell and WORKLOAD_NAMES); a `trace`
// workload is refused too, since the page loads no capture. Runs in a cell worker (src/sweep_worker.ts),
// which holds the cell module already.
import { expandSweep, OomlabError, validateSweepSpec } from "oomlab";
import { checkCell, WORKLOAD_NAMES } from "../../bindings/sweep/default_cell.js";

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The spec's problem, or null: the checks of cli/commands/sweep.ts loadSweep, then the page's own. */
export function checkSpec(text: string): string | null {
  try {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new OomlabError("OOMLAB_BAD_SPEC", `the spec is not valid JSON: ${message(e)}`);
    }
    const x = expandSweep(validateSweepSpec(json), (input) => {
      if (!WORKLOAD_NAMES.includes(input.workload.name))
        throw new OomlabError(
          "OOMLAB_BAD_SPEC",
          `workload.name ${JSON.stringify(input.workload.name)} is not one of ${WORKLOAD_NAMES.join(", ")}`,
        );
      checkCell(input);
    });
    if (x.cells.some((c) => c.input.workload.name === "trace"))
      throw new OomlabError(
        "OOMLAB_BAD_SPEC",
        'workload.name "trace" replays a capture file, which this page does not load: run this spec with ' +
          "oomlab sweep SPEC",
      );
    return null;
  } catch (e) {
    return message(e);
  }
}
