// The text of `oomlab diagnose` for issue 12's parts (render/diagnose.ts): the sentence at the top of the
// verdict, the breakdown of RAM with its report fields, the top consumers, the victim's counters and the
// ranking, each printed from the analysis's figures (render computes nothing).

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../bindings/analyse/diagnose.js";
import { renderReport } from "../../bindings/render/diagnose.js";

const DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));

describe("diagnose text: where the memory went, why this victim", () => {
  const [r] = diagnose(
    readFileSync(DIR + "045-github-rpi-zero2w-6.12.62-arm64-oom-python-swap-cma.log", "utf8"),
  ).reports;
  const text = renderReport(r);
  const lines = text.split("\n");

  it("puts the summary first, then what to do, then the sentence above the verdict", () => {
    expect(lines[2]).toBe(r.summary);
    expect(lines[4]).toBe("What to do:");
    const at = lines.indexOf(r.verdict?.headline ?? "-");
    expect(at).toBeGreaterThan(4);
    expect(lines[at + 1]).toMatch(/^\[exhaustion\] /);
  });

  it("prints each part of RAM with its fields, then unaccounted, then the consumers", () => {
    const at = lines.findIndex((l) => l.startsWith("Where the memory went (RAM 458752 kB"));
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 16).join("\n")).toMatch(
      /anonymous LRU \(incl\. shmem, swap cache\)\s+183092\s+40%/,
    );
    expect(text).toMatch(/\n {2}unaccounted\s+170840\s+37%\s+RAM - the parts above\n/);
    expect(text).toMatch(/\n {2}python\s+6\s+183404\s+515200\s+3188\s+701792\s+41%\s+121%\n/);
  });

  it("prints the victim's counters and its rank with the era used", () => {
    expect(text).toContain(
      "Victim: pid 996 (python): anon-rss 122228 kB, file-rss 0 kB, shmem-rss 0 kB, page tables 1156 kB, " +
        "oom_score_adj 0; CONSTRAINT_NONE",
    );
    expect(text).toContain("the kernel chose pid 996: rank 1 of the table, 62782 points");
    expect(text).toMatch(/Why this victim \(5\.9\+ oom_badness\(\)/);
    expect(text).toMatch(/\n {4}2\s+1025\s+python\s+52448\n/);
  });
});
