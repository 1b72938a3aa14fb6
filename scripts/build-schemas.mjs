// Writes schemas/machine.schema.json, scenario*.schema.json and sweep.schema.json from the declared Zod
// schemas (through dist/bindings/scenario/json_schema.js and dist/bindings/sweep/spec.js, so run it after
// build:ts). The files are committed so that editors find them in a fresh clone; test/scenario/schema.test.ts
// fails when they are stale.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const { jsonSchemaFiles } = await import(new URL("dist/bindings/scenario/json_schema.js", root).href);
const { sweepJsonSchemaFiles } = await import(new URL("dist/bindings/sweep/spec.js", root).href);
const out = new URL("schemas/", root);
mkdirSync(out, { recursive: true });
for (const [file, text] of Object.entries({ ...jsonSchemaFiles(), ...sweepJsonSchemaFiles() })) {
  // Write then rename, so an interrupted build never leaves a half-written schema behind.
  writeFileSync(new URL(`${file}.tmp`, out), text);
  renameSync(new URL(`${file}.tmp`, out), new URL(file, out));
  console.log(`schemas/${file}: ${text.length} bytes`);
}
