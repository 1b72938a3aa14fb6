// The JSON Schemas of scenario and machine files, generated from the declared Zod schemas
// (scenario/schema.ts, include/machine_schema.ts) so that editors complete and check the files.
// scripts/build-schemas.mjs writes them to schemas/ at build time; test/scenario/schema.test.ts
// checks that the committed files are what the schemas give.

import { z } from "zod";
import { machineSpecSchema } from "../include/machine_schema.js";
import { scenarioSchema } from "./schema.js";
import { scenario618Schema } from "./schema618.js";

/** schemas/<file> -> its JSON Schema text (two-space indented, with a final newline). */
export function jsonSchemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const schemas: [string, string, z.ZodType][] = [
    ["machine.schema.json", "oomlab machine description (MachineSpec)", machineSpecSchema],
    ["scenario.schema.json", "oomlab scenario (a 2.6.11 machine, its tasks, memory layout and events)", scenarioSchema],
    ["scenario-618.schema.json", "oomlab 6.18 scenario (a 6.18 machine, sysctls, tasks and events)", scenario618Schema],
  ];
  for (const [file, title, schema] of schemas) {
    const { $schema, ...rest } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" });
    const json = { $schema, title, ...rest };
    out[file] = JSON.stringify(json, null, 2) + "\n";
  }
  return out;
}
