// The page: wires the Diagnose and Replay panels to one module worker (src/worker.ts). Nothing here
// fetches anything; the worker is the page's own asset.
import { mountDiagnose } from "./diagnose.js";
import { byId } from "./dom.js";
import type { Answer, DiagnoseAnswer, DiagnoseRequest, Input, ReplayAnswer, ReplayRequest } from "./protocol.js";
import { mountReplay } from "./replay.js";

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
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

async function replaySeed(): Promise<ReplayAnswer> {
  return (await ask({ kind: "replay", scenario: "seed" }).answer) as ReplayAnswer;
}

mountDiagnose(byId(document, "diagnose"), diagnose);
mountReplay(byId(document, "replay"), replaySeed);
document.body.dataset.ready = "true";
