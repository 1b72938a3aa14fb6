// A 6.1/6.18 scenario scaled up for the Replay panel's large machine: the last zone grows so that the
// machine's end pfn is `factor` times what it was, and every size in pages (anon, file, slab, kernel
// counts, THP faults, swap) grows by the same factor; it is named `name`. The result is an ordinary scenario that the
// library replays for real: the same story on a machine `factor` times larger. No imports: the browser
// tests compute Node's answer for the same scaled scenario with it.

interface Zone {
  startPfn: number;
  spannedPages: number;
}
interface Scaled {
  name: string;
  description?: string;
  machine: { nodes: { zones: Zone[] }[] };
  swap?: { totalKb?: number };
  events: { do: string; pages?: number; count?: number }[];
}

export function scaleScenario618(scenario: unknown, factor: number, name: string): unknown {
  const sc = structuredClone(scenario) as Scaled;
  const zones = sc.machine.nodes[sc.machine.nodes.length - 1].zones;
  const last = zones[zones.length - 1];
  last.spannedPages = (last.startPfn + last.spannedPages) * factor - last.startPfn;
  for (const e of sc.events) {
    if (e.pages !== undefined) e.pages *= factor;
    if (e.count !== undefined) e.count *= factor;
  }
  if (sc.swap?.totalKb) sc.swap.totalKb *= factor;
  sc.name = name;
  return sc;
}
