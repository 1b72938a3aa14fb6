// The snapshot claims a match only for the values it compared, says what it could not compare and
// why, keeps its warnings to the first MAX_WARNINGS with a count of the rest, echoes input only in
// printable form, and never prints "null" in prose.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { snapshotFromFiles, type SnapshotFiles } from "../../bindings/analyse/snapshot.js";
import { procReport } from "../../bindings/analyse/proc.js";
import { renderSnapshot } from "../../bindings/render/diagnose.js";
import { MAX_WARNINGS } from "../../bindings/parse/warnings.js";
import { isPrintable } from "../../bindings/include/printable.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const Z618 = fixture("proc-6.18-x86_64-zoneinfo.txt");
const SYS = { min_free_kbytes: "67584\n", watermark_scale_factor: "10\n", lowmem_reserve_ratio: "256 256 32 0 0\n" };

/** The text `oomlab snapshot` prints for these files. */
function text(files: SnapshotFiles): string {
  const s = snapshotFromFiles(files);
  const have = files.buddyinfo !== undefined || files.zoneinfo !== undefined || files.pagetypeinfo !== undefined;
  return renderSnapshot(s, have ? procReport("zoneinfo", { version: files.version ?? null, ...files }) : null);
}

describe("what the snapshot compared", () => {
  it("an empty /proc: nothing compared, and it says why; no claim of a match", () => {
    const files: SnapshotFiles = { sysVm: {}, missing: ["/p/zoneinfo", "/p/sys/vm/min_free_kbytes"] };
    const s = snapshotFromFiles(files);
    expect(s.compared).toBe(0);
    expect(s.notCompared).toEqual([
      "every value: no /proc/zoneinfo, which holds the kernel's watermarks and protection",
    ]);
    const out = text(files);
    expect(out).toContain("Nothing compared with the formulas.");
    expect(out).not.toMatch(/match/);
    expect(out).toContain("warning: /p/zoneinfo: missing or unreadable");
  });

  it("the 6.18 fixture with its sysctls: 45 values compared, all match", () => {
    const s = snapshotFromFiles({ version: "6.18.44-fc-v669", zoneinfo: Z618, sysVm: SYS });
    // 5 zones x (min, low, high, promo) + 5 zones x 5 protection entries
    expect([s.compared, s.differences, s.notCompared]).toEqual([45, [], []]);
    expect(text({ version: "6.18.44-fc-v669", zoneinfo: Z618, sysVm: SYS })).toContain(
      "45 values compared (min, low, high, promo, protection): all match the formulas.",
    );
  });

  it("without vm.min_free_kbytes nothing is recomputed, so nothing is compared", () => {
    const s = snapshotFromFiles({ version: "6.18.0", zoneinfo: Z618, sysVm: {} });
    expect(s.compared).toBe(0);
    expect(s.notCompared.join("\n")).toMatch(/vm\.min_free_kbytes missing/);
    expect(text({ version: "6.18.0", zoneinfo: Z618, sysVm: {} })).toContain("Nothing compared with the formulas.");
  });

  it("counts only the values the kernel printed: a zone without promo and protection lines", () => {
    const cut = Z618.replace(/^\s*promo\s+\d+\n/m, "").replace(/^\s*protection: \(.*\)\n/m, "");
    const s = snapshotFromFiles({ version: "6.18.0", zoneinfo: cut, sysVm: SYS });
    expect(s.compared).toBe(45 - 1 - 5);
    expect(s.notCompared).toEqual([
      "node 0 zone DMA: promo not printed by the kernel",
      "node 0 zone DMA: protection not printed by the kernel",
    ]);
    expect(text({ version: "6.18.0", zoneinfo: cut, sysVm: SYS })).toMatch(
      /39 values compared .*: all match the formulas\.\nNot compared:\n {2}node 0 zone DMA: promo not printed/,
    );
  });

  it("a difference is counted among the values compared", () => {
    const wrong = Z618.replace(/^(\s*min\s+)(\d+)$/m, (_, a, n) => `${a}${Number(n) + 1}`);
    const s = snapshotFromFiles({ version: "6.18.0", zoneinfo: wrong, sysVm: SYS });
    expect([s.compared, s.differences.length]).toEqual([45, 1]);
    expect(text({ version: "6.18.0", zoneinfo: wrong, sysVm: SYS })).toContain(
      "45 values compared (min, low, high, promo, protection): 1 differ from the formulas:",
    );
  });
});

describe("bad /proc input", () => {
  // bytes a broken copy or a binary file holds: controls, escape sequences, C1, bidi overrides
  const junkLine = (i: number) => `\u0000\u001b[2J\u009b31m\u202e${i}\u0007 free:? junk \udc00`;
  const junk = Array.from({ length: 5000 }, (_, i) => junkLine(i)).join("\n");

  it("keeps the first MAX_WARNINGS warnings and counts the rest, in the report and per file", () => {
    const files: SnapshotFiles = {
      version: "6.18\u001b[31m",
      zoneinfo: junk,
      buddyinfo: junk,
      pagetypeinfo: junk,
      sysVm: { min_free_kbytes: "1234" },
      missing: ["/p/sys/vm/watermark_scale_factor"],
    };
    const s = snapshotFromFiles(files);
    expect(s.warnings).toHaveLength(MAX_WARNINGS);
    expect(s.warnings[MAX_WARNINGS - 1]).toMatchObject({ file: "/p/sys/vm/watermark_scale_factor" });
    expect(s.warningsOmitted).toBe(3 * 5000 - (MAX_WARNINGS - 1));
    expect(s.zoneinfo?.warnings).toHaveLength(MAX_WARNINGS);
    expect(s.zoneinfo?.warningsOmitted).toBe(5000 - MAX_WARNINGS);
    for (const w of s.warnings) expect(isPrintable(w.message), w.message).toBe(true);
    const out = text(files);
    expect(out.split("\n").length).toBeLessThan(60);
    expect(out).toContain(`warning: ${3 * 5000 - (MAX_WARNINGS - 1)} more warnings not shown`);
    // no control character but the newlines; the version is escaped where it is echoed
    expect(out.replace(/\n/g, "")).toSatisfy(isPrintable);
    expect(out).toContain("Kernel 6.18\\u001b[31m;");
  });

  it("never prints null: min_free_kbytes without DMA, DMA32 or Normal zones", () => {
    const s = snapshotFromFiles({ version: "6.18.0", zoneinfo: "", sysVm: { min_free_kbytes: "1234" } });
    expect(s.minFreeKbytes.explanation).toBe(
      "1234 kB matches neither the default (not computable: /proc/zoneinfo shows no DMA, DMA32 or Normal zone) " +
        "nor khugepaged's (not computable: /proc/zoneinfo shows no DMA, DMA32 or Normal zone)",
    );
    expect(text({ zoneinfo: junk, sysVm: { min_free_kbytes: "1234" } })).not.toMatch(/\bnull\b|\bundefined\b|NaN/);
  });
});
