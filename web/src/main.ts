// The page: wires the Diagnose and Replay panels to one module worker (src/worker.ts). Nothing here
// fetches anything; the worker is the page's own asset.
import { mountDiagnose } from "./diagnose.js";
import { byId } from "./dom.js";
import type { Answer, DiagnoseAnswer, DiagnoseRequest, Input, ReplayAnswer, ReplayRequest } from "./protocol.js";
import { mountReplay } from "./replay.js";
import { mountShare } from "./share.js";
import { shareDiagnose, shareReplay, shareSweep } from "./share_panels.js";
import { mountSweep } from "./sweep.js";
import EngineWorker from "./worker.ts?worker&inline";

// the worker's script is inlined in this one (a blob: URL at run time): the folder then also works
// opened from disk (file://), where a page may load no module script or worker from a file
const worker = new EngineWorker();
let nextId = 1;
let latestDiagnosis = 0;
const waiting = new Map<number, (a: Answer) => void>();

worker.addEventListener("message", (e: MessageEvent<Answer>) => {
  const resolve = waiting.get(e.data.id);
  waiting.delete(e.data.id);
  resolve?.(e.data);
});

function ask(req: Omit<DiagnoseRequest, "id"> | Omit<ReplayRequest, "id">): { id: number; answer: Promise<Answer> } {
  const id = nextId++;
  const answer = new Promise<Answer>((resolve) => {
    waiting.set(id, resolve);
    worker.postMessage({ ...req, id });
  });
  return { id, answer };
}

async function diagnose(inputs: Input[], whatIf: string[]): Promise<DiagnoseAnswer | null> {
  const { id, answer } = ask({ kind: "diagnose", inputs, whatIf });
  latestDiagnosis = id;
  const a = (await answer) as DiagnoseAnswer;
  // an answer to a request that a newer one replaced is dropped: the controls show the newest
  return id === latestDiagnosis ? a : null;
}

async function replayScenario(scenario: string): Promise<ReplayAnswer> {
  return (await ask({ kind: "replay", scenario }).answer) as ReplayAnswer;
}

mountDiagnose(byId(document, "diagnose"), diagnose);
mountReplay(byId(document, "replay"), replayScenario);
mountSweep(byId(document, "sweep"));
// --- Share (issue 14, item 5): the page's state in the URL's fragment (share.ts, share_panels.ts) ---
shareDiagnose(byId(document, "diagnose"), byId(document, "share-report"));
shareReplay(byId(document, "replay"));
shareSweep(byId(document, "sweep"));
mountShare(byId(document, "share"));
// --- end of Share ---
document.body.dataset.ready = "true";
