// `oomlab compare` as a user runs it: the built CLI in fresh processes on a real sweep's directory
// (sweeps/thp-mfk.json, 4 cells x 2 seeds, a few seconds), and on a results.jsonl written here.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = new URL("../../dist/bindings/cli/main.js", import.meta.url).pathname;
const SPEC = new URL("../../sweeps/thp-mfk.json", import.meta.url).pathname;
const TMP = mkdtempSync(path.join(tmpdir(), "oomlab-compare-"));
const DIR = path.join(TMP, "thp");
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function oomlab(...argv: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...argv], { cwd: TMP, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CELLS = [
  "sysctl.min_free_kbytes=1024,config.COMPACTION=compaction",
  "sysctl.min_free_kbytes=1024,config.COMPACTION=no-compaction",
  "sysctl.min_free_kbytes=4096,config.COMPACTION=compaction",
  "sysctl.min_free_kbytes=4096,config.COMPACTION=no-compaction",
];

describe("oomlab compare on a real sweep", () => {
  beforeAll(() => {
    const r = oomlab("sweep", SPEC, "--out", DIR, "--workers", "2");
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);

  it("text: the cells in spec order, the first the baseline, the metrics that differ first", () => {
    const r = oomlab("compare", DIR);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "cells:",
      `  [0] ${CELLS[0]} (2 seeds, baseline)`,
      `  [1] ${CELLS[1]} (2 seeds)`,
      `  [2] ${CELLS[2]} (2 seeds)`,
      `  [3] ${CELLS[3]} (2 seeds)`,
    ]);
    expect(lines[6]).toMatch(/^metric +cell +n +mean +sd +95% CI +change +p$/);
    // without compaction there is no compaction stall: -100% in cells 1 and 3
    const stall = lines.findIndex((l) => l.startsWith("compact_stall "));
    expect(lines[stall + 1]).toMatch(/^ +\[1\] +2 +0 +0 +±0 +-100\.0% /);
    expect(lines[stall + 3]).toMatch(/^ +\[3\] +2 +0 +0 +±0 +-100\.0% /);
    expect(r.stdout).toMatch(/\nequal in every cell \(\d+\):\n/);
    expect(r.stdout).not.toMatch(/NaN|Infinity/);
  });

  it("--baseline by path=value, --metric by name and prefix, --format md and html, --json", () => {
    const md = oomlab(
      "compare",
      DIR,
      "--baseline",
      "config.COMPACTION=no-compaction,sysctl.min_free_kbytes=4096",
      "--metric",
      "compact_stall",
      "--metric",
      "nr_free.DMA32",
      "--format",
      "md",
    );
    expect(md.status, md.stderr).toBe(0);
    expect(md.stdout).toContain(`- [3] ${CELLS[3]} (2 seeds, baseline)`);
    expect(md.stdout).toContain("| compact_stall | [3] | 2 | 0 | 0 | ±0 | base |  |");
    expect(md.stdout).toContain("| nr_free.DMA32.10 |");
    expect(md.stdout).not.toContain("| compact_fail |");

    const html = oomlab("compare", DIR, "--format", "html", "--metric", "compact_stall");
    expect(html.status).toBe(0);
    expect(html.stdout).toMatch(/^<!DOCTYPE html>\n[\s\S]*<td>compact_stall<\/td>[\s\S]*<\/html>\n$/);
    expect(html.stdout).not.toMatch(/<script|src=|href=/);

    const json = oomlab(
      "compare",
      path.join(DIR, "results.jsonl"),
      "--json",
      "--baseline",
      "sysctl.min_free_kbytes=4096,config.COMPACTION=c",
    );
    expect(json.status, json.stderr).toBe(0);
    const c = JSON.parse(json.stdout);
    expect(c.baseline).toBe(2);
    expect(c.cells.map((x: { id: string }) => x.id)).toEqual(CELLS);
    const names: string[] = c.metrics.map((m: { name: string }) => m.name);
    expect(names.indexOf("attempts.2")).toBe(names.indexOf("attempts.10") - 8); // attempts.2 .. attempts.9 first
    expect(names).toContain("attempts.9");
  });

  it("a bad --baseline or --metric is exit 2 naming the cells or the closest metric", () => {
    const b = oomlab("compare", DIR, "--baseline", "nope");
    expect(b.status).toBe(2);
    expect(b.stderr).toBe(
      `oomlab: --baseline "nope" matches no cell; the cells are:\n${CELLS.map((c) => `  ${c}`).join("\n")}\n`,
    );
    const a = oomlab("compare", DIR, "--baseline", "config.COMPACTION=compaction");
    expect(a.status).toBe(2);
    expect(a.stderr).toContain("matches 2 cells");
    const m = oomlab("compare", DIR, "--metric", "compact_stal");
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/--metric "compact_stal" is not a metric of these results; did you mean compact_stall/);
    const f = oomlab("compare", DIR, "--format", "pdf");
    expect(f.status).toBe(2);
    const missing = oomlab("compare", path.join(TMP, "nothing-here"));
    expect(missing.status).toBe(2);
  });
});

describe("oomlab compare on a written results.jsonl", () => {
  it("prints the worked example of test/analyse/sweep_compare.test.ts's x", () => {
    const file = path.join(TMP, "r.jsonl");
    const rec = (cell: string, index: number, x: number) =>
      JSON.stringify({ cell, index, seedIndex: 0, seed: 1, params: {}, metrics: { x } });
    writeFileSync(
      file,
      [rec("a", 0, 10), rec("a", 0, 12), rec("a", 0, 14), rec("b", 1, 20), rec("b", 1, 22), rec("b", 1, 24)].join("\n"),
    );
    const r = oomlab("compare", file);
    expect(r.status, r.stderr).toBe(0);
    // x: 12 +- 4.3026527 * 2 / sqrt(3) = 12 +- 4.968; b: +83.3%, exact U = 0: p = 2/20
    expect(r.stdout).toContain(
      "x       [0]   3  12    2   ±4.968  base\n        [1]   3  22    2   ±4.968  +83.3%  0.100\n",
    );
    expect(readFileSync(file, "utf8")).not.toBe("");
  });
});
