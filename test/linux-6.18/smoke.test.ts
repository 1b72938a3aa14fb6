import { describe, expect, it } from "vitest";
import "../helpers.js";
import { Kernel618 } from "../../bindings/linux-6.18/kernel.js";

describe("smoke", () => {
  it("exhaustion", () => {
    const k = new Kernel618(
      { era: "6.18", nodes: [{ zones: [{ type: "DMA32", startPfn: 0, spannedPages: 16384 }] }] },
      { swapTotalPages: 1024 },
    );
    k.addTask({ pid: 100, comm: "small" });
    k.addTask({ pid: 200, comm: "big" });
    k.readFile(2000);
    k.allocSlab(500, true);
    k.faultAnon(100, 2000);
    k.current = k.task(200) ?? null;
    const n = k.faultAnon(200, 20000);
    console.log(n, k.oomKills, k.vm, k.swap, k.log.lines.slice(0, 5));
    const kinds = new Map<string, number>();
    for (const e of k.log.events) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    console.log(kinds);
    expect(k.oomKills.length).toBeGreaterThan(0);
  });
});
