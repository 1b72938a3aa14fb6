// `oomlab sweep report DIR` as a user runs it (the built CLI, fresh processes) on a small sweep with
// series: the plots the data allow, the reports, a rewrite with another baseline, and its errors.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = new URL("../../dist/bindings/cli/main.js", import.meta.url).pathname;
const TMP = mkdtempSync(path.join(tmpdir(), "oomlab-report-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** Two eras on one churn, 2 seeds, series every 10,000 operations. */
const SPEC = {
  format: "oomlab-sweep/1",
  name: "report",
  machine: { era: "6.18", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 16384 }] }] },
  workload: { name: "churn", params: { requests: 40_000 } },
  sampleEvery: 10_000,
  grid: [{ path: "machine.era", values: ["2.6.11", "6.18"] }],
  seeds: 2,
};

function oomlab(...argv: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...argv], { cwd: TMP, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const read = (f: string) => readFileSync(path.join(TMP, "out", f), "utf8");
const PLOTS = ["free-pages-Normal", "nr-free", "pageblocks", "success-pct", "unusable-order9"];

describe("oomlab sweep report", () => {
  beforeAll(() => {
    writeFileSync(path.join(TMP, "spec.json"), JSON.stringify(SPEC));
    const r = oomlab("sweep", "spec.json", "--out", "out", "--workers", "2");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("report: out/report.html, out/report.md, 5 plots\n");
  }, 60_000);

  it("the run wrote every plot its series allow, with its spec, and both reports", () => {
    const files = readdirSync(path.join(TMP, "out/plots")).sort();
    expect(files).toEqual(PLOTS.flatMap((p) => [`${p}.svg`, `${p}.vl.json`]));
    const spec = JSON.parse(read("plots/success-pct.vl.json"));
    expect(spec.$schema).toBe("https://vega.github.io/schema/vega-lite/v6.json");
    const html = read("report.html");
    expect(html).toContain("<title>oomlab sweep report</title>");
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(html).not.toMatch(/<script/i);
    expect(read("report.md")).toContain("![Pageblocks at the end](<plots/pageblocks.svg>)");
  });

  it("rewrites them byte for byte, or with another baseline, and drops plots it no longer draws", () => {
    const before = Object.fromEntries(
      ["report.md", "report.html", ...PLOTS.map((p) => `plots/${p}.svg`)].map((f) => [f, read(f)]),
    );
    writeFileSync(path.join(TMP, "out/plots/stale.svg"), "<svg/>");
    const r = oomlab("sweep", "report", "out");
    expect([r.status, r.stderr, r.stdout]).toEqual([0, "", "report: out/report.html, out/report.md, 5 plots\n"]);
    for (const [f, text] of Object.entries(before)) expect(read(f), f).toBe(text);
    expect(existsSync(path.join(TMP, "out/plots/stale.svg"))).toBe(false);
    const b = oomlab("sweep", "report", "out", "--baseline", "machine.era=6.18");
    expect(b.status, b.stderr).toBe(0);
    expect(read("report.md")).toContain("- [1] machine.era=6.18 (2 seeds, baseline)");
  });

  it("an unknown baseline or a directory without results exits 2", () => {
    const r = oomlab("sweep", "report", "out", "--baseline", "nope");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--baseline "nope" matches no cell');
    expect(oomlab("sweep", "report", "missing").status).toBe(2);
  });
});
