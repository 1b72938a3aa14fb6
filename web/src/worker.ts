// The page's worker: loads the engine once, then diagnoses (and simulates) on request. It imports the
// package's own entry ("oomlab", bindings/index.ts): the same code as `oomlab diagnose --json`.
import { diagnoseFile, type FiledReport, filedJson, init, parseWhatIf } from "oomlab";
import type { Answer, DiagnoseRequest, Request } from "./protocol.js";
import { frameBuffers, scenarioFrames } from "./replay_frames.js";

interface Scope {
  onmessage: ((e: MessageEvent<Request>) => void) | null;
  postMessage(m: Answer, transfer?: Transferable[]): void;
}
const scope = self as unknown as Scope;
const ready = init();

function diagnoseAll(req: DiagnoseRequest): Answer {
  const t0 = performance.now();
  try {
    const whatIf = parseWhatIf(req.whatIf);
    const all: FiledReport[] = [];
    const empty: string[] = [];
    for (const input of req.inputs) {
      const filed = diagnoseFile(input.file, input.text, { whatIf });
      if (!filed.length) empty.push(input.file);
      all.push(...filed);
    }
    return { kind: "diagnose", id: req.id, json: filedJson(all), empty, error: null, ms: performance.now() - t0 };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { kind: "diagnose", id: req.id, json: null, empty: [], error, ms: performance.now() - t0 };
  }
}

function answer(req: Request): Answer {
  if (req.kind === "diagnose") return diagnoseAll(req);
  try {
    return { kind: "replay", id: req.id, replay: scenarioFrames(req.scenario), error: null };
  } catch (e) {
    return { kind: "replay", id: req.id, replay: null, error: e instanceof Error ? e.message : String(e) };
  }
}

scope.onmessage = (e) => {
  void ready.then(
    () => {
      const a = answer(e.data);
      // a replay's frames are transferred, not copied (replay_frames.ts frameBuffers)
      scope.postMessage(a, a.kind === "replay" && a.replay ? frameBuffers(a.replay) : []);
    },
    (err: unknown) =>
      scope.postMessage({ kind: "diagnose", id: e.data.id, json: null, empty: [], error: String(err), ms: 0 }),
  );
};
