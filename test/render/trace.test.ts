// `oomlab replay --trace`: the seed replay told as a story, with the watermark arithmetic on the
// article's zone (docs/seed-report.md), the collapsed retry loop, the OOM kill and the success.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replay } from "../../bindings/scenario/replay.js";
import { formatTrace } from "../../bindings/render/trace.js";
import { main } from "../../bindings/cli/main.js";

const SEED = JSON.parse(readFileSync(new URL("../../scenarios/seed.json", import.meta.url), "utf8"));
const trace = (o: Parameters<typeof replay>[1] = {}) => formatTrace(replay(structuredClone(SEED), o)).split("\n");

describe("the seed's trace", () => {
  const t = trace();
  const at = (s: string) => t.findIndex((l) => l.includes(s));

  it("attempt 1: order 5 fails LOW at o=3 (17 <= 23), MIN (17 <= 18), reclaim progresses, no retry (order > 3)", () => {
    expect(t[0]).toBe("seed: kmem_alloc(98304) under the pre-bdfb04301fa5 policy");
    expect(t[1]).toBe("t=0.000 s  attempt 1: kmalloc(98304) -> order-5 pages, gfp 0x2d0 (GFP_KERNEL|__GFP_NOWARN)");
    const low = at("DMA LOW, order 5 (mark 375 pages): fail");
    expect(t.slice(low + 1, low + 7).map((l) => l.trim())).toEqual([
      "free = 1537 - 32 + 1 = 1506",
      "1506 > 375 + 0 (lowmem_reserve) -> ok",
      "o=0: 1506 - 317 = 1189 > 187 -> ok",
      "o=1: 1189 - 504 = 685 > 93 -> ok",
      "o=2: 685 - 452 = 233 > 46 -> ok",
      "o=3: 233 - 216 = 17 <= 23 -> fail",
    ]);
    expect(t).toContain("    kswapd woken for order 5");
    expect(t).toContain("        o=3: 233 - 216 = 17 <= 18 -> fail");
    expect(t).toContain("    no retry: order 5 > 3 without __GFP_REPEAT or __GFP_NOFAIL (reclaim progressed)");
    expect(t).toContain("    kmem_alloc sleeps 0.020 s (blk_congestion_wait) and tries again");
  });

  it("tells the 110 identical retries once, with kswapd's work, the refaults and the deadlock warning", () => {
    const run = at("attempts 2-111: the same decisions");
    expect(t[run]).toMatch(/^t=0\.020 s \.\. t=2\.200 s {2}attempts 2-111/);
    expect(t[run + 1]).toMatch(/^ {4}kswapd ran \d+ zone passes while the task slept, freeing \d+ pages$/);
    expect(t[run + 2]).toMatch(/^ {4}background: \d+ page-cache pages read back \(refault\)$/);
    expect(t[run + 3]).toBe(
      "    t=1.980 s printk: XFS: possible memory allocation deadlock in kmem_alloc (mode:0x2d0)",
    );
  });

  it("attempt 112: no progress, HIGH fails, the OOM killer picks smbd 453; order 5 passes once it has exited", () => {
    expect(t).toContain("t=2.220 s  attempt 112: kmalloc(98304) -> order-5 pages, gfp 0x2d0 (GFP_KERNEL|__GFP_NOWARN)");
    expect(
      t.some((l) =>
        /direct reclaim .*priorities 12\.\.0: at most 23 pages freed in one pass, never 32: no progress/.test(l),
      ),
    ).toBe(true);
    expect(t).toContain("    DMA HIGH, order 5 (mark 450 pages): fail");
    expect(t).toContain("    no progress, __GFP_FS set, no __GFP_NORETRY, HIGH check failed: out_of_memory()");
    expect(t.find((l) => l.includes("select_bad_process"))).toMatch(
      /^ {4}select_bad_process: smbd 453 \(badness \d+\), .* -> smbd 453$/,
    );
    expect(t).toContain("    killed smbd 453: 20 pages freed, coalescing with free buddies where they lie");
    expect(t).toContain("        o=3: 249 - 216 = 33 > 23 -> ok");
    expect(t[t.length - 2]).toBe("outcome: success; OOM kills: smbd 453; deadlock warnings: 1; simulated 2.33 s");
  });
});

describe("other policies", () => {
  it("kvmalloc: the kmalloc try has __GFP_NORETRY, then vmalloc takes order-0 pages", () => {
    const t = trace({ policy: "kvmalloc" });
    expect(t[1]).toContain("gfp 0x12d0 (GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY)");
    expect(t).toContain("    no retry: __GFP_NORETRY");
    expect(t).toContain("    returns NULL: reclaim progressed, __GFP_NORETRY: no retry (no warning: __GFP_NOWARN)");
    expect(t).toContain("    then vmalloc");
    expect(t.some((l) => /^ {4}\d+ allocations \(order 0, LOW\), each served at once/.test(l))).toBe(true);
  });

  it("kvmalloc, 8 MiB: vmalloc takes 1584 order-0 pages, gets no more, and the trace says so", () => {
    const t = trace({ policy: "kvmalloc", size: 8 << 20 });
    expect(t).toContain("    returns NULL: PF_MEMALLOC/TIF_MEMDIE and no block (no warning: __GFP_NOWARN)");
    expect(t).toContain("    vmalloc failed: no page after 1584 of 2048");
    expect(t.some((l) => l.startsWith("outcome: failed; OOM kills: smbd 453"))).toBe(true);
  });

  it("256 KiB after bdfb04301fa5: no kmalloc cache that large, a livelock stopped by the bound", () => {
    const t = trace({ policy: "bdfb04301fa5", size: 256 * 1024, maxRetries: 300 });
    expect(t.some((l) => l.includes("stopped by the simulator's bound after 300 retries"))).toBe(true);
    expect(t).toContain(
      "    no kmalloc size class holds 262144 bytes (2.6.11's largest is 131072): NULL without a page allocation",
    );
    expect(t.some((l) => l.startsWith("outcome: livelock"))).toBe(true);
  });
});

describe("a trace from a log that dropped events (sim/log.ts limits)", () => {
  const lines = { head: 100, tail: 100 };

  it("says where the gap is and how many events it holds, and resumes at the first whole attempt", () => {
    const r = replay(structuredClone(SEED), { logLimits: { lines, events: { head: 3000, tail: 3000 } } });
    const t = formatTrace(r).split("\n");
    const gap = t.findIndex((l) => l.includes("events not kept"));
    expect(t[gap]).toBe(
      `t=0.200 s .. t=2.020 s  ${r.dropped?.events} events not kept (the log keeps its first and its last events); ` +
        "the story resumes at attempt 103",
    );
    expect(t[gap - 3]).toBe("t=0.020 s .. t=0.180 s  attempts 2-10: the same decisions");
    expect(t[gap + 1]).toMatch(/^t=2\.040 s {2}attempt 103: kmalloc\(98304\)/);
    // the runs after the gap are told from what was kept, and the end is the seed's
    expect(t).toContain("t=2.060 s .. t=2.200 s  attempts 104-111: the same decisions");
    expect(t).toContain("    killed smbd 453: 20 pages freed, coalescing with free buddies where they lie");
    expect(t.at(-2)).toBe("outcome: success; OOM kills: smbd 453; deadlock warnings: 1; simulated 2.33 s");
  });

  it("says so when no whole attempt was kept after the gap", () => {
    const limits = { lines, events: { head: 20, tail: 1 } };
    const r = replay(structuredClone(SEED), {
      policy: "bdfb04301fa5",
      size: 256 * 1024,
      maxRetries: 300,
      logLimits: limits,
    });
    const t = formatTrace(r).split("\n");
    const gap = t.findIndex((l) => l.includes("events not kept"));
    expect(t[gap]).toMatch(
      /events not kept \(the log keeps its first and its last events\); no later attempt was kept whole$/,
    );
    expect(t[gap + 1]).toMatch(/stopped by the simulator's bound after 300 retries: a livelock$/);
  });
});

describe("an alloc_pages scenario (nic-atomic)", () => {
  it("tells the background receive path's failures before the request it follows", () => {
    const nic = JSON.parse(readFileSync(new URL("../../scenarios/nic-atomic.json", import.meta.url), "utf8"));
    const t = formatTrace(replay(nic)).split("\n");
    expect(t[0]).toBe("nic-atomic: alloc_pages requests");
    expect(t[1]).toBe("t=0.000 s .. t=0.990 s  before the first request:");
    expect(t).toContain("    background: 100 alloc_pages calls (order 3), 100 failed");
    expect(
      t.filter((l) => l.endsWith("printk: ksoftirqd/0: page allocation failure. order:3, mode:0x20")),
    ).toHaveLength(10);
    expect(t).toContain("t=1.000 s  attempt 1: alloc_pages(8192) -> order-1 pages, gfp 0x20 (GFP_ATOMIC)");
    expect(t).toContain("    alloc_pages succeeds");
  });
});

describe("oomlab replay --trace", () => {
  it("prints the trace on stdout", async () => {
    const o = {
      stdout: "",
      stderr: "",
      out(s: string) {
        o.stdout += s;
      },
      err(s: string) {
        o.stderr += s;
      },
      async readFile() {
        return JSON.stringify(SEED);
      },
    };
    expect(await main(["replay", "--trace"], o)).toBe(0);
    expect(o.stdout.split("\n")[0]).toBe("seed: kmem_alloc(98304) under the pre-bdfb04301fa5 policy");
  });
});
