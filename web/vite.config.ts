// The web page (issue 14), bundled by Vite: one command builds a static folder of plain files (index.html
// with its script and worker inlined, and one style sheet) from TypeScript, with no runtime of its own; it resolves
// "oomlab" to the package's own entry (bindings/index.ts), so the page runs the library's code and no
// copy of it. base "./" makes every asset URL relative: the folder works from any path of any static host,
// and opened from disk (file://), offline.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { defineConfig, type Plugin } from "vite";

const HERE = path.dirname(fileURLToPath(import.meta.url));

// inlineEntry: inlines the entry script into index.html (as a module script whose SHA-256 the
// Content-Security-Policy allows, and nothing else inline), so that the folder works opened from disk
// too: Chromium loads no module script from a file:// URL, but runs one written in the page. The worker
// is inlined in that script (?worker&inline in src/main.ts) and runs as a classic worker from a blob: URL.
function inlineEntry(): Plugin {
  return {
    name: "oomlab-inline-entry",
    apply: "build",
    enforce: "post",
    generateBundle(_options, bundle) {
      const html = Object.values(bundle).find((f) => f.type === "asset" && f.fileName === "index.html");
      if (html?.type !== "asset") return;
      let page = String(html.source);
      for (const [name, chunk] of Object.entries(bundle)) {
        if (chunk.type !== "chunk" || !chunk.isEntry) continue;
        const tag = new RegExp(`<script type="module" crossorigin src="\\./${chunk.fileName}"></script>`);
        if (!tag.test(page)) throw new Error(`index.html has no script tag for ${chunk.fileName}`);
        // "</script" inside the code would end the element early: escape it as JavaScript allows
        const code = chunk.code.replaceAll("</script", "<\\/script");
        const hash = createHash("sha256").update(code).digest("base64");
        page = page.replace(tag, () => `<script type="module">${code}</script>`);
        page = page.replace("script-src 'self'", `script-src 'self' 'sha256-${hash}'`);
        // a crossorigin style sheet is a CORS request, which a file:// page may not make
        page = page.replaceAll('<link rel="stylesheet" crossorigin href=', '<link rel="stylesheet" href=');
        delete bundle[name];
      }
      html.source = page;
    },
  };
}

export default defineConfig({
  root: HERE,
  base: "./",
  resolve: { alias: { oomlab: path.resolve(HERE, "..", "bindings", "index.ts") } },
  worker: { format: "iife" },
  plugins: [inlineEntry()],
  build: {
    outDir: path.resolve(HERE, "dist"),
    emptyOutDir: true,
    target: "es2022",
    // the engine's WASM is embedded in the worker's script: no size warning for it
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
  preview: { host: "127.0.0.1", port: 4173, strictPort: false },
  server: { host: "127.0.0.1" },
});
