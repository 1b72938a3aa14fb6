// Where the memory went (analyse/memory.ts): the breakdown's arithmetic on real reports, written out by
// hand from their lines, the top consumers and the sentence.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../bindings/analyse/diagnose.js";

const DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));
const report = (f: string) => {
  const { reports } = diagnose(readFileSync(DIR + f, "utf8"));
  expect(reports).toHaveLength(1);
  return reports[0];
};

describe("where the memory went", () => {
  it("045 (6.12, 4 kB pages): every part from the report's counters, and what is left", () => {
    const r = report("045-github-rpi-zero2w-6.12.62-arm64-oom-python-swap-cma.log");
    const b = r.memoryBreakdown;
    if (!b) throw new Error("no breakdown");
    // RAM: "114688 pages RAM" x 4 = 458752 kB
    expect(b.totalRamKb).toBe(458752);
    const kb = Object.fromEntries(b.parts.map((p) => [p.fields, p.kb]));
    expect(kb).toEqual({
      "pages reserved": 32680, // 8170 x 4
      free: 17380, // free:4345 x 4
      free_pcp: 568, // 142 x 4
      "active_anon + inactive_anon": 183092, // (27124 + 18649) x 4
      "active_file + inactive_file": 864, // (176 + 40) x 4
      "isolated_anon + isolated_file": 0,
      unevictable: 0,
      slab_reclaimable: 19484, // 4871 x 4
      slab_unreclaimable: 25964, // 6491 x 4
      kernel_stack: 3024, // the per-node line's kernel_stack:3024kB
      "pagetables + sec_pagetables": 4856, // (1214 + 0) x 4
      bounce: 0,
    });
    // counted = 32680 + 17380 + 568 + 183092 + 864 + 19484 + 25964 + 3024 + 4856 = 287912
    // unaccounted = 458752 - 287912 = 170840 kB, 372 per mille: 256 MB of CMA with free_cma 0 (a GPU's)
    expect([b.countedKb, b.unaccountedKb, b.unaccountedPermille]).toEqual([287912, 170840, 372]);
    expect(r.memory?.unaccountedKb).toBe(170840);
    expect(b.notes.join(" ")).toMatch(/262144 kB of RAM is reserved for CMA/);
    expect(r.memory).toMatchObject({ totalRamKb: 458752, swapTotalKb: 425980, swapFreeKb: 0, cmaReservedKb: 262144 });
    expect(r.memory?.hugetlbKb).toBeUndefined(); // no hugepages line: left out, not 0
    // python: 6 processes; rss 30557 + 138 + 12717 + 2145 + 79 + 215 = 45851 pages = 183404 kB;
    // swap 31936 + 32640 + 39520 + 21824 + 1408 + 1472 = 128800 pages = 515200 kB (121% of 425980: entries
    // shared after fork count once per process); (183404 + 3188 page tables) / 458752 = 407 per mille
    const py = b.consumers[0];
    expect([py.name, py.tasks, py.rssKb, py.swapKb, py.pgtablesKb, py.ramPermille, py.swapPermille]).toEqual([
      "python",
      6,
      183404,
      515200,
      3188,
      407,
      1209,
    ]);
    expect(r.verdict?.headline).toMatch(/^python \(6 processes\) held 41% of RAM and swap entries adding up to 121%/);
  });

  it("046 (RHEL 6's 2.6.32): kernel stacks from the zone lines; java and vim", () => {
    const r = report("046-blog-xiaomili-2.6.32-el6-x86_64-oom-java-vim.log");
    const b = r.memoryBreakdown;
    if (!b) throw new Error("no breakdown");
    // RAM 2097151 x 4 = 8388604; reserved 81869 x 4 = 327476; free 25773 x 4 = 103092;
    // anon (1951791 + 128) x 4 = 7807676; file (222 + 168) x 4 = 1560; slab 5075 x 4 = 20300 and
    // 8282 x 4 = 33128; kernel_stack 0 + 1088 + 7360 = 8448 (zone lines); pagetables 5575 x 4 = 22300
    // counted = 8323980; unaccounted = 8388604 - 8323980 = 64624
    expect(b.parts.find((p) => p.fields === "kernel_stack")?.kb).toBe(8448);
    expect([b.totalRamKb, b.countedKb, b.unaccountedKb]).toEqual([8388604, 8323980, 64624]);
    // java: 17275 + 189539 + 889625 = 1096439 pages = 4385756 kB, 523 per mille; vim 814178 pages
    expect(b.consumers.slice(0, 2).map((c) => [c.name, c.tasks, c.rssKb])).toEqual([
      ["java", 3, 4385756],
      ["vim", 1, 3256712],
    ]);
    expect(r.verdict?.headline).toBe("java (3 processes) held 52% of RAM.");
  });

  it("a memcg OOM (no RAM counters): the top consumer's share of the limit", () => {
    const r = report("029-oomanalyser-proxmox-5.15-pve-x86_64-memcg-v2-oom-lxc-php-fpm.log");
    expect(r.memoryBreakdown).toBeUndefined();
    expect(r.verdict?.headline).toMatch(
      /^php-fpm \(\d+ processes\) held \d+% of the memory cgroup's limit \(31211520 kB\)\.$/,
    );
  });

  it("2.6.28 .. 2.6.31 spell it Active_anon (004); a counter not printed leaves unaccounted out (025)", () => {
    const { reports } = diagnose(
      readFileSync(DIR + "004-linux-mm-2.6.31-i386-e100-order5-atomic-fragmentation.log", "utf8"),
    );
    // "Active_anon:14778 active_file:10836 inactive_anon:22033" / " inactive_file:11854 unevictable:0 ..."
    expect([reports[0].memory?.anonKb, reports[0].memory?.fileKb]).toEqual([(14778 + 22033) * 4, (10836 + 11854) * 4]);
    // 025's mm tree prints "inactive_anon2" (no colon, no value): never guessed
    const quirk = diagnose(
      readFileSync(DIR + "025-linux-mm-2.6.26-rc5-mm2-x86_64-oom-lowmem_reserve-dma32-x2.log", "utf8"),
    ).reports[0];
    expect(quirk.memoryBreakdown?.missing).toEqual(["inactive_anon"]);
    expect(quirk.memory?.unaccountedKb).toBeUndefined();
    expect(quirk.verdict?.headline).toMatch(/\(the report does not print inactive_anon\)\.$/);
  });
});
