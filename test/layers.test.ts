// The tree's import rules (README, Architecture), read from the source: which folder may import
// which, no import cycles, Node-only APIs only in cli/, WebAssembly only in engine/wasm.ts, and no
// project code importing test/. The checker is tested on made-up graphs first, so a rule that can
// never fire is caught too.

import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What each layer may import besides itself. `linux-*` stands for every kernel release folder. */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  include: ["errors"],
  kernel: ["include", "errors"],
  mm: ["include", "kernel", "errors"],
  engine: ["include", "kernel", "mm", "errors"],
  sim: ["include", "kernel", "errors"],
  "linux-*": ["include", "kernel", "mm", "engine", "sim", "errors"],
  scenario: ["include", "kernel", "mm", "engine", "sim", "linux-*", "errors"],
  sweep: ["include", "kernel", "mm", "engine", "sim", "linux-*", "scenario", "errors"],
  parse: ["include"],
  analyse: ["include", "kernel", "mm", "engine", "sim", "linux-*", "sweep", "parse", "errors"],
  render: ["include", "kernel", "mm", "engine", "sim", "linux-*", "scenario", "parse", "analyse", "errors"],
  cli: [
    "include",
    "kernel",
    "mm",
    "engine",
    "sim",
    "linux-*",
    "scenario",
    "sweep",
    "parse",
    "analyse",
    "render",
    "reference",
    "errors",
  ],
  index: [
    "include",
    "kernel",
    "mm",
    "engine",
    "sim",
    "linux-*",
    "scenario",
    "sweep",
    "parse",
    "analyse",
    "render",
    "errors",
  ],
  reference: ["include", "kernel", "mm", "errors"],
};
/** Layers whose imports from other layers must be `import type` (they compute nothing), except from these. */
const TYPE_ONLY: Record<string, readonly string[]> = { render: ["include"] };

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** The layer of a repository path: bindings/<folder>/..., bindings/index.ts, reference/..., test/... */
function layerOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "reference") return "reference";
  if (parts[0] === "test" || parts[0] === "bench") return parts[0];
  if (parts[0] !== "bindings") return "other";
  if (parts.length === 2) return parts[1].replace(/\.ts$/, "");
  return parts[1].startsWith("linux-") ? "linux-*" : parts[1];
}

/** Imports that break the layer rules, as "from -> to (why)". */
function violations(imports: Import[]): string[] {
  const out: string[] = [];
  for (const i of imports) {
    const a = layerOf(i.from);
    const b = layerOf(i.to);
    if (b === "test") {
      if (a !== "test" && a !== "bench") out.push(`${i.from} -> ${i.to} (only tests and benchmarks import test code)`);
      continue;
    }
    if (a === "test" || a === "bench") continue;
    const sameRelease = a === "linux-*" && b === "linux-*" && i.from.split("/")[1] === i.to.split("/")[1];
    if (a === b && (a !== "linux-*" || sameRelease)) continue;
    const allowed = ALLOWED[a];
    if (!allowed?.includes(b)) out.push(`${i.from} -> ${i.to} (${a} may not import ${b})`);
    else if (TYPE_ONLY[a] && !i.typeOnly && !TYPE_ONLY[a].includes(b))
      out.push(`${i.from} -> ${i.to} (${a} imports only types from ${b})`);
  }
  return out;
}

/** Every import cycle (strongly connected component of two or more files, or a self-import). */
function cycles(imports: Import[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const i of imports) graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) return name === "generated" ? [] : walk(rel);
    return name.endsWith(".ts") ? [rel] : [];
  });
}

/** The project's own imports (static, dynamic, re-exports), resolved to repository paths. */
function projectImports(files: string[]): { imports: Import[]; external: { from: string; to: string }[] } {
  const imports: Import[] = [];
  const external: { from: string; to: string }[] = [];
  for (const from of files) {
    const text = readFileSync(path.join(ROOT, from), "utf8");
    const sf = ts.createSourceFile(from, text, ts.ScriptTarget.Latest, true);
    const add = (spec: string, typeOnly: boolean) => {
      if (!spec.startsWith(".")) return external.push({ from, to: spec });
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, ".ts");
      imports.push({ from, to, typeOnly });
    };
    const visit = (n: ts.Node) => {
      if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
        const c = n.importClause;
        const allTypes =
          !!c &&
          (c.isTypeOnly ||
            (!c.name &&
              !!c.namedBindings &&
              ts.isNamedImports(c.namedBindings) &&
              c.namedBindings.elements.every((e) => e.isTypeOnly)));
        add(n.moduleSpecifier.text, allTypes);
      } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
        const allTypes =
          n.isTypeOnly ||
          (!!n.exportClause && ts.isNamedExports(n.exportClause) && n.exportClause.elements.every((e) => e.isTypeOnly));
        add(n.moduleSpecifier.text, allTypes);
      } else if (
        ts.isCallExpression(n) &&
        n.expression.kind === ts.SyntaxKind.ImportKeyword &&
        n.arguments[0] &&
        ts.isStringLiteral(n.arguments[0])
      ) {
        add(n.arguments[0].text, false);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { imports, external };
}

describe("the rule checker", () => {
  it("finds imports against the layer order, value imports into render/, and test imports", () => {
    const v = violations([
      { from: "bindings/parse/reports.ts", to: "bindings/mm/vmstat.ts", typeOnly: false },
      { from: "bindings/analyse/diagnose.ts", to: "bindings/render/diagnose.ts", typeOnly: true },
      { from: "bindings/linux-2.6.11/kernel.ts", to: "bindings/linux-6.18/kernel.ts", typeOnly: false },
      { from: "bindings/render/trace.ts", to: "bindings/scenario/replay.ts", typeOnly: false },
      { from: "bindings/cli/main.ts", to: "test/reference/churn.ts", typeOnly: false },
      { from: "bindings/linux-2.6.11/kernel.ts", to: "bindings/linux-2.6.11/mm/slab.ts", typeOnly: false },
      { from: "bindings/render/trace.ts", to: "bindings/scenario/replay.ts", typeOnly: true },
      { from: "test/helpers.ts", to: "bindings/engine/machine.ts", typeOnly: false },
    ]);
    expect(v).toHaveLength(5);
    expect(v[0]).toContain("parse may not import mm");
    expect(v[3]).toContain("render imports only types from scenario");
  });

  it("finds cycles, long and short", () => {
    const e = (from: string, to: string): Import => ({ from, to, typeOnly: true });
    expect(cycles([e("a", "b"), e("b", "c"), e("c", "a"), e("c", "d"), e("d", "d")])).toEqual([["d"], ["a", "b", "c"]]);
    expect(cycles([e("a", "b"), e("b", "c")])).toEqual([]);
  });
});

describe("the tree", () => {
  const files = [...walk("bindings"), ...walk("reference")];
  const { imports, external } = projectImports(files);

  it("reads the tree", () => {
    expect(files.length).toBeGreaterThan(40);
    expect(imports.length).toBeGreaterThan(100);
  });

  it("keeps every import inside the layer rules", () => {
    expect(violations(imports)).toEqual([]);
  });

  it("has no import cycles", () => {
    expect(cycles(imports)).toEqual([]);
  });

  it("imports only files that exist", () => {
    const missing = imports.filter((i) => !files.includes(i.to) && !i.to.includes("/generated/"));
    expect(missing).toEqual([]);
  });

  it("uses Node-only modules only in cli/", () => {
    expect(external.filter((e) => e.to.startsWith("node:") && layerOf(e.from) !== "cli")).toEqual([]);
  });

  it("touches WebAssembly only in engine/wasm.ts", () => {
    const mentions = (f: string): boolean => {
      const sf = ts.createSourceFile(f, readFileSync(path.join(ROOT, f), "utf8"), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node): boolean =>
        (ts.isIdentifier(n) && n.text === "WebAssembly") || ts.forEachChild(n, visit) === true;
      return visit(sf);
    };
    const users = files.filter(mentions);
    expect(users).toEqual(["bindings/engine/wasm.ts"]);
  });
});
