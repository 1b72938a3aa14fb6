// The web page (issue 14), bundled by Vite: one command builds a static folder of plain files (HTML,
// one script, one worker, one style sheet) from TypeScript, with no runtime of its own, and resolves
// "oomlab" to the package's own entry (bindings/index.ts), so the page runs the library's code and no
// copy of it. base "./" makes every asset URL relative: the folder works from any path of any static host.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const HERE = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: HERE,
  base: "./",
  resolve: { alias: { oomlab: path.resolve(HERE, "..", "bindings", "index.ts") } },
  worker: { format: "es" },
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
