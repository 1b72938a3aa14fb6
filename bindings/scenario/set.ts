// `oomlab replay --set PATH=VALUE`: what-if edits of a scenario before it is replayed. PATH is dot
// separated (numbers index arrays: events.0.size) and must name a field of the scenario's schema
// (schema.ts): a misspelt path is a usage error naming it. VALUE is JSON when it parses as JSON
// (numbers, true/false, objects, quoted strings) and a plain string otherwise. The edited scenario is
// then validated like any other, so a value of the wrong type or out of range is a typed error naming
// the field, its value and the allowed range. A 6.18 scenario (machine.era "6.18") is edited against
// its own schema (schema618.ts), and its kernel settings by their kernel names through
// include/linux/sysctl.ts parseSetting618: `--set sysctl.swappiness=100` (or sysctl.vm.swappiness),
// `--set config.COMPACTION=false`, `--set thp.enabled=never`, `--set thp.defrag=defer`; a misspelt
// sysctl name is a usage error with the closest known names, a value out of the kernel's range one
// with the range and the handler that enforces it, and a 6.18 sysctl the model does not read one
// naming those it reads (schema618.ts SCENARIO_SYSCTLS_618).

import { z } from "zod";
import { OomlabError } from "../errors.js";
import { fieldsOf, schemaAt, unwrapped } from "../include/schema.js";
import { scenarioSchema as scenarioSchema2611 } from "./schema.js";
import { isScenario618, scenario618Schema, SCENARIO_SYSCTLS_618 } from "./schema618.js";
import { parseSetting618 } from "../include/linux/sysctl.js";

function usage(msg: string): OomlabError {
  return new OomlabError("OOMLAB_USAGE", `--set ${msg}`);
}

/** Applies one PATH=VALUE edit to a parsed scenario (in place); returns it. */
export function setScenarioValue(sc: unknown, edit: string): unknown {
  const eq = edit.indexOf("=");
  if (eq <= 0) throw usage(`needs PATH=VALUE, got '${edit}'`);
  const path = edit.slice(0, eq).split(".");
  const raw = edit.slice(eq + 1);
  if (path.some((k) => k === "" || k === "__proto__" || k === "constructor" || k === "prototype"))
    throw usage(`path '${edit.slice(0, eq)}' is not a dot-separated list of keys`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  if (isScenario618(sc) && SETTINGS_618.has(path[0])) value = setting618(path, value);
  else checkPath(sc, path, edit.slice(0, eq));
  let node: unknown = sc;
  for (let i = 0; i < path.length - 1; i++) {
    let next = step(node, path[i]);
    // a 6.18 scenario's sysctl, config and thp objects are made when an edit names a field of them
    const sub = path.slice(0, i + 1);
    if (next === undefined && isScenario618(sc) && node && typeof node === "object" && !Array.isArray(node)) {
      const schema = schemaAt(scenario618Schema, sub, sc);
      if (schema && unwrapped(schema) instanceof z.ZodObject) {
        next = {};
        (node as Record<string, unknown>)[path[i]] = next;
      }
    }
    if (next === undefined || next === null || typeof next !== "object")
      throw usage(`${path.slice(0, i + 1).join(".")} is not an object or array in this scenario`);
    node = next;
  }
  const last = path[path.length - 1];
  if (Array.isArray(node)) {
    const i = index(last, node.length + 1);
    if (i === null) throw usage(`${path.join(".")}: '${last}' is not an index of a ${node.length}-element list`);
    node[i] = value;
  } else if (node && typeof node === "object") {
    (node as Record<string, unknown>)[last] = value;
  } else {
    throw usage(`the scenario is not an object`);
  }
  return sc;
}

/** The namespaces of a 6.18 scenario that --set names the kernel's way (parseSetting618). */
const SETTINGS_618 = new Set(["sysctl", "config", "thp"]);

/** sysctl.NAME, config.COMPACTION, thp.enabled, thp.defrag on a 6.18 scenario: the name and value
 *  checked by parseSetting618 (an unknown sysctl name gets the closest known ones; a value out of the
 *  kernel's range gets the range and the handler that enforces it); returns the value the kernel
 *  keeps. A 6.18 sysctl the model does not read is refused, naming the ones it reads. */
function setting618(path: string[], value: unknown): unknown {
  const key = path.join(".");
  if (path[0] === "sysctl" && path.length === 3 && path[1] === "vm") path.splice(1, 1); // sysctl.vm.NAME
  if (path.length !== 2) throw usage(`${key}: ${path[0]} takes one name: ${path[0]}.NAME=VALUE`);
  let s: ReturnType<typeof parseSetting618>;
  try {
    s = parseSetting618(path.join("."), value);
  } catch (e) {
    if (e instanceof OomlabError) throw usage(`${key}: ${e.message}`);
    throw e;
  }
  if (s.kind === "sysctl" && !(SCENARIO_SYSCTLS_618 as readonly string[]).includes(s.name))
    throw usage(
      `${key}: vm.${s.name} is a 6.18 sysctl the model does not read; a 6.18 scenario sets ` +
        SCENARIO_SYSCTLS_618.join(", "),
    );
  return s.value;
}

function index(k: string, limit: number): number | null {
  if (!/^\d+$/.test(k)) return null;
  const i = Number(k);
  return i < limit ? i : null;
}

function step(node: unknown, k: string): unknown {
  if (Array.isArray(node)) {
    const i = index(k, node.length);
    return i === null ? undefined : node[i];
  }
  return node && typeof node === "object" && Object.hasOwn(node, k) ? (node as Record<string, unknown>)[k] : undefined;
}

/** A usage error unless the path names a field the scenario's schema has (an index for a list). */
function checkPath(sc: unknown, path: string[], given: string): void {
  const scenarioSchema = isScenario618(sc) ? scenario618Schema : scenarioSchema2611;
  let known = 0;
  while (known < path.length && schemaAt(scenarioSchema, path.slice(0, known + 1), sc)) known++;
  if (known === path.length) return;
  const parentSchema = schemaAt(scenarioSchema, path.slice(0, known), sc);
  const parent = path.slice(0, known).join(".") || "the scenario";
  const bad = path.slice(0, known + 1).join(".");
  const fields = fieldsOf(parentSchema);
  let why = `${parent} has no fields`;
  if (fields) why = `is not a field of ${parent} (its fields: ${fields.join(", ")})`;
  else if (parentSchema && unwrapped(parentSchema) instanceof z.ZodArray)
    why = `${parent} is a list: index it with a number`;
  throw usage(`${given}: ${bad} ${fields ? why : `does not exist: ${why}`}`);
}
