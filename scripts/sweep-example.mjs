// npm start's last step: the small example sweep, from scratch (an earlier run's results are removed,
// so a changed oomlab never resumes stale lines), into sweep-out/thp-mfk/.
import { rmSync } from "node:fs";
import { spawnSync } from "node:child_process";

const out = "sweep-out/thp-mfk";
rmSync(out, { recursive: true, force: true });
const r = spawnSync(process.execPath, ["dist/bindings/cli/main.js", "sweep", "sweeps/thp-mfk.json", "--out", out], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
