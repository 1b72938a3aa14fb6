// `oomlab lab predict` and `oomlab lab compare` in-process on the run folders of test/fixtures/lab, over
// the real file system (a copy in a temporary folder for the broken ones): the output's shape, and exit 2
// naming the file for a missing or malformed one.

import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../helpers.js";
import { runOnDisk } from "./on_disk.js";

const FIXTURES = new URL("../fixtures/lab/", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "oomlab-lab-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...argv: string[]) => runOnDisk(argv);

/** A copy of a fixture run to break. */
function copy(name: string): string {
  const d = join(tmp, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(FIXTURES, name), d, { recursive: true });
  return d;
}

describe("oomlab lab predict", () => {
  it("prints the prediction as JSON", async () => {
    const r = await run("lab", "predict", join(FIXTURES, "hand-hugepages"), "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.hugepages).toBe(3);
    expect(p.thp).toBeNull();
    expect(p.oomKills).toEqual([]);
    expect(p.mid).toEqual({ Normal: [200, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1] });
    expect(Object.keys(p.vmstat)).toContain("compact_stall");
  });

  it("prints text", async () => {
    const r = await run("lab", "predict", join(FIXTURES, "hand-oom"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("oom kills: hog1 (pid 1000, 513 points)");
  });

  it("exits 2 naming a missing file", async () => {
    const d = copy("hand-hugepages");
    unlinkSync(join(d, "probe.json"));
    const r = await run("lab", "predict", d);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`cannot read ${join(d, "probe.json")}`);
    unlinkSync(join(d, "trace.txt.xz"));
    expect((await run("lab", "predict", d)).stderr).toContain(`cannot read ${join(d, "trace.txt.xz")}`);
    unlinkSync(join(d, "before-zoneinfo"));
    expect((await run("lab", "predict", d)).stderr).toContain(`cannot read ${join(d, "before-zoneinfo")}`);
  });

  it("exits 2 naming a malformed file", async () => {
    const d = copy("hand-hugepages");
    writeFileSync(join(d, "probe.json"), '{"kind": "nr_hugepages"}');
    let r = await run("lab", "predict", d);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(d, "probe.json")}: value must be an integer >= 0`);
    writeFileSync(join(d, "trace.txt.xz"), "not a trace\n");
    r = await run("lab", "predict", d);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(d, "trace.txt.xz")} is not an ftrace kmem capture`);
  });

  it("runs the era of workload.json's kernel (hand-pcp: 6.1.0-hand) unless --era says otherwise", async () => {
    const era = async (...a: string[]) => {
      const r = await run("lab", "predict", join(FIXTURES, "hand-pcp"), "--json", ...a);
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout) as { era: string; pcp: unknown; replay: { startPcpPages: number } };
    };
    const p = await era();
    expect(p.era).toBe("6.1");
    expect(p.replay.startPcpPages).toBe(4);
    expect((await era("--era", "6.18")).era).toBe("6.18");
    const off = await era("--pcp", "off");
    expect([off.pcp, off.replay.startPcpPages]).toEqual([null, 0]);
  });

  it("refuses an era it does not know, exit 2", async () => {
    const r = await run("lab", "predict", join(FIXTURES, "hand-hugepages"), "--era", "5.10");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--era must be one of 6.18, 6.1");
  });
});

describe("oomlab lab compare", () => {
  it("compares several runs, with the summary table", async () => {
    const r = await run("lab", "compare", join(FIXTURES, "hand-hugepages"), join(FIXTURES, "hand-oom"));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/hugepages\s+3\s+3\s+\+0\.0%/);
    expect(r.stdout).toMatch(/victim\s+hog1\s+hog1/);
    expect(r.stdout).toContain("goals: hugepages met");
    const j = await run("lab", "compare", join(FIXTURES, "hand-oom"), "--json");
    expect(JSON.parse(j.stdout)[0].goals.victim.ok).toBe(true);
  });

  it("exits 2 naming a missing or malformed measurement", async () => {
    const d = copy("hand-oom");
    writeFileSync(join(d, "result.json"), "[1]");
    let r = await run("lab", "compare", d);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(d, "result.json")}: must be an object`);
    unlinkSync(join(d, "mid-buddyinfo"));
    r = await run("lab", "compare", d);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`cannot read ${join(d, "mid-buddyinfo")}`);
  });
});
