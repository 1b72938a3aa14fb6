// The CLI run in-process over the real file system (Node's io), capturing stdout and stderr; captures are
// read on this thread (no xz worker). Shared by the tests that run `oomlab lab ...` on stored run folders.

import { nodeIo } from "../../bindings/cli/io.js";
import { main } from "../../bindings/cli/main.js";
import { fileLines } from "../../bindings/cli/text_lines.js";

export async function runOnDisk(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = await nodeIo();
  let stdout = "";
  let stderr = "";
  const status = await main(argv, {
    ...io,
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    readLines: (p) => fileLines(p, { xzWorker: false }),
  });
  return { status, stdout, stderr };
}
