// The package as a user gets it: `npm pack` of the built tree (npm test builds first; prepack builds
// when packing by hand), installed from the tarball into a scratch project, with the README's
// TypeScript blocks taken from README.md itself, type-checked against the installed declarations and
// run against the installed code, so the README cannot drift from the code. The tarball ships the
// release engine only, no tests, and declarations without the engine's base64 as a literal type.

import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  scripts: Record<string, string>;
};
/** npm's own flags for a quiet install from the tarball alone (no registry needed without runtime
 *  dependencies; with some, npm's cache, which `npm ci` filled, is tried first). */
const NPM_QUIET = ["--no-audit", "--no-fund", "--loglevel=error"];
/** The ```ts blocks of a markdown text. */
const TS_BLOCK = /^```ts\n([\s\S]*?)^```$/gm;
/** A string literal this long in a declaration file is embedded data, not a type. */
const LONG_LITERAL = /["'`][A-Za-z0-9+/=]{1000,}["'`]/;
/** A base64 run this long in shipped JavaScript is an embedded engine. */
const BASE64_RUN = /[A-Za-z0-9+/]{10000,}={0,2}/g;

interface PackedFile {
  path: string;
  size: number;
}

let work = "";
let app = "";
let installed = "";
let packed: { filename: string; size: number; unpackedSize: number; files: PackedFile[] };

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Every file under dir, as paths relative to it. */
function walk(dir: string, rel = ""): string[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const r = rel ? `${rel}/${name}` : name;
    return statSync(path.join(dir, r)).isDirectory() ? walk(dir, r) : [r];
  });
}

beforeAll(() => {
  if (!existsSync(path.join(ROOT, "dist", "bindings", "index.js"))) {
    throw new Error("no dist/: run `npm run build` first (npm test does)");
  }
  work = mkdtempSync(path.join(tmpdir(), "oomlab-pack-"));
  // npm test has just built dist/: --ignore-scripts keeps prepack from building it again.
  const out = npm(["pack", "--json", "--ignore-scripts", "--pack-destination", work, ...NPM_QUIET], ROOT);
  packed = (JSON.parse(out) as (typeof packed)[])[0];
  app = path.join(work, "app");
  mkdirSync(app);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  const tarball = path.join(work, packed.filename);
  npm(["install", "--no-save", "--prefer-offline", "--ignore-scripts", ...NPM_QUIET, tarball], app);
  installed = path.join(app, "node_modules", PACKAGE.name);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the package", () => {
  it("builds before it is packed, and carries its licence", () => {
    expect(PACKAGE.scripts.prepack).toBe("npm run build");
    const names = packed.files.map((f) => f.path);
    expect(names).toContain("LICENSE");
    expect(readFileSync(path.join(installed, "LICENSE"), "utf8")).toMatch(/^MIT License\n\nCopyright \(c\) 2026/);
    for (const f of ["package.json", "README.md", "dist/bindings/index.js", "dist/bindings/index.d.ts"]) {
      expect(names).toContain(f);
    }
    expect(names).toContain("dist/bindings/cli/main.js");
    expect(names).toContain("scenarios/seed.json");
  });

  it("holds no tests, engine sources, build outputs or TypeScript sources", () => {
    const names = packed.files.map((f) => f.path);
    const stray = names.filter(
      (f) =>
        /^(test|assembly|build|bench|scripts|docs|bindings|reference)\//.test(f) ||
        f.includes("/test/") ||
        f.endsWith(".wasm") ||
        (f.endsWith(".ts") && !f.endsWith(".d.ts")),
    );
    expect(stray).toEqual([]);
    // What was packed is what was installed.
    expect(walk(installed).sort()).toEqual([...names].sort());
  });

  it("embeds the release engine once and the debug engine nowhere", () => {
    const release = readFileSync(path.join(ROOT, "build", "oomlab.wasm"));
    const debug = readFileSync(path.join(ROOT, "build", "oomlab.debug.wasm"));
    const engines: { file: string; engine: string }[] = [];
    for (const f of walk(installed).filter((n) => n.endsWith(".js"))) {
      for (const run of readFileSync(path.join(installed, f), "utf8").match(BASE64_RUN) ?? []) {
        const bytes = Buffer.from(run, "base64");
        const engine = bytes.equals(release) ? "release" : bytes.equals(debug) ? "debug" : "unknown";
        engines.push({ file: f, engine });
      }
    }
    expect(engines).toEqual([{ file: "dist/bindings/engine/generated/wasm-release.js", engine: "release" }]);
  });

  it("has declarations without the engine's bytes as a literal type", () => {
    const declarations = walk(installed).filter((n) => n.endsWith(".d.ts"));
    expect(declarations.length).toBeGreaterThan(40);
    const withLiteral = declarations.filter((f) => LONG_LITERAL.test(readFileSync(path.join(installed, f), "utf8")));
    expect(withLiteral).toEqual([]);
    const generated = readFileSync(path.join(installed, "dist/bindings/engine/generated/wasm-release.d.ts"), "utf8");
    expect(generated).toContain("export declare const WASM_RELEASE_BASE64: string;");
  });

  it("says the debug engine is not shipped when asked for it without its bytes", () => {
    const probe = path.join(app, "debug-probe.mjs");
    const src =
      'import { initSync, OomlabError } from "oomlab";\n' +
      "try {\n" +
      '  initSync({ build: "debug" });\n' +
      '  console.log("loaded");\n' +
      "} catch (e) {\n" +
      "  console.log(e instanceof OomlabError, e.code, e.message);\n" +
      "}\n";
    writeFileSync(probe, src);
    const out = execFileSync(process.execPath, [probe], { cwd: app, encoding: "utf8" });
    expect(out).toMatch(/^true OOMLAB_WASM the debug engine is not shipped/);
  });

  it("runs its command-line tool from the installed bin and the shipped scenarios", () => {
    const bin = path.join(app, "node_modules", ".bin", "oomlab");
    const out = execFileSync(bin, ["replay", "seed"], {
      cwd: app,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(out.trimEnd().split("\n").at(-1)).toBe("Out of Memory: Killed process 453 (smbd).");
  });
});

describe("the README's TypeScript blocks, from README.md, against the installed package", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(TS_BLOCK)].map((m, i) => ({ name: `readme-${i + 1}`, code: m[1] }));

  it("the README has TypeScript blocks that use the package", () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.some((b) => b.code.includes(`from "${PACKAGE.name}"`))).toBe(true);
  });

  it("every block type-checks against the installed declarations", () => {
    const files = blocks.map((b) => {
      const file = path.join(app, `${b.name}.ts`);
      writeFileSync(file, b.code);
      return file;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      types: [],
      strict: true,
      noEmit: true,
      // The declarations themselves are checked by the build (tsc emitted them): here, the README.
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (!d.file || d.start === undefined) return text;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${path.basename(d.file.fileName)}:${line + 1}: ${text}`;
    });
    expect(diagnostics).toEqual([]);
  });

  it("every block runs as an ES module without an error", () => {
    const failures: string[] = [];
    for (const b of blocks) {
      const js = ts.transpileModule(b.code, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      }).outputText;
      const file = path.join(app, `${b.name}.mjs`);
      writeFileSync(file, js);
      try {
        execFileSync(process.execPath, [file], { cwd: app, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        failures.push(`${b.name}: ${(e as { stderr?: string }).stderr ?? String(e)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
