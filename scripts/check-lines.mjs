// Lines of source at most 120 columns, in every file the formatter cannot wrap: assembly/ (Biome
// cannot parse AssemblyScript's decorators on functions), long strings and comments anywhere, the C
// baseline, the configuration files. Data files (scenarios/*.json, test/fixtures/) are exempt: JSON
// strings cannot be wrapped and fixtures are copies of real kernel output. Exits 1 listing offenders.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const MAX_COLUMNS = 120;
const SOURCES = [
  "*.ts",
  "*.mjs",
  "*.c",
  "*.sh",
  ".ci/run",
  "package.json",
  "biome.json",
  "tsconfig*.json",
  "asconfig.json",
];
const EXEMPT = /^(scenarios\/|test\/fixtures\/)/;

const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", ...SOURCES], {
  encoding: "utf8",
});
const files = listed.split("\n").filter((f) => f && !EXEMPT.test(f));
const long = [];
for (const f of files) {
  readFileSync(f, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if ([...line].length > MAX_COLUMNS) long.push(`${f}:${i + 1}: ${[...line].length} columns`);
    });
}
if (long.length) {
  console.error(`${long.length} line(s) longer than ${MAX_COLUMNS} columns:\n${long.join("\n")}`);
  process.exit(1);
}
console.log(`${files.length} files, every line at most ${MAX_COLUMNS} columns`);
