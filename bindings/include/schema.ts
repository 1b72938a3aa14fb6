// Declared schemas (Zod) for what users write: the building blocks every field is made of, each
// carrying the sentence that says what it accepts, and the one place that turns Zod's issues into
// OomlabErrors naming the field's path, its value and the allowed range:
//   scenario: machine.minFreeKbytes 17179869184 is out of range: an int from 0 to 2147483647 (...)
// The machine (include/machine_schema.ts) and scenario (scenario/schema.ts) schemas are built from
// these; scripts/build-schemas.mjs turns them into the JSON Schemas in schemas/.

import { z } from "zod";
import { OomlabError, type OomlabErrorCode } from "../errors.js";

/** At most this many problems are listed in one error; the rest are counted. */
const MAX_LISTED_ISSUES = 10;
/** Strings longer than this are shortened when a message quotes a value. */
const MAX_QUOTED_CHARS = 40;

/** A schema whose every failure reads `expected`, which is also its description in the JSON Schema. */
function described<T extends z.ZodType>(schema: T, expected: string): T {
  return schema.meta({ description: expected }) as T;
}

/** An integer from min to max; `what` says what it is and where its range comes from. */
export function intIn(min: number, max: number, what?: string, noun = "an integer"): z.ZodInt {
  return intWithin(min, max, `${noun} from ${min} to ${max}${what ? ` (${what})` : ""}`);
}

/** An integer from min to max, described by the whole sentence `expected`. */
export function intWithin(min: number, max: number, expected: string): z.ZodInt {
  const error = () => expected;
  return described(z.int({ error }).min(min, { error }).max(max, { error }), expected);
}

/** A finite number from min to max (fractions allowed). */
export function numberIn(min: number, max: number, what?: string): z.ZodNumber {
  const expected = `a number from ${min} to ${max}${what ? ` (${what})` : ""}`;
  const error = () => expected;
  return described(z.number({ error }).min(min, { error }).max(max, { error }), expected);
}

/** A string; `what` says what it holds. */
export function text(what = "a string"): z.ZodString {
  return described(z.string({ error: () => what }), what);
}

/** true or false. */
export function flag(): z.ZodBoolean {
  return described(z.boolean({ error: () => "true or false" }), "true or false");
}

/** One of a list of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, what?: string) {
  const expected = `one of ${values.join(", ")}${what ? ` (${what})` : ""}`;
  return described(z.enum(values, { error: () => expected }), expected);
}

/** A list of min to max items (max Infinity: no bound but the input's size). */
export function listOf<T extends z.ZodType>(item: T, min: number, max: number, what: string): z.ZodArray<T> {
  const count = min === max ? `${min} ` : Number.isFinite(max) ? `${min} to ${max} ` : min > 0 ? `${min} or more ` : "";
  const expected = `a list of ${count}${what}`;
  const error = () => expected;
  const list = z.array(item, { error }).min(min, { error });
  return described(Number.isFinite(max) ? list.max(max, { error }) : list, expected);
}

/** An object with exactly these fields (unknown keys are errors). */
export function objectOf<S extends z.ZodRawShape>(shape: S, what: string): z.ZodObject<S, z.core.$strict> {
  return described(z.strictObject(shape, { error: () => what }), what);
}

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** "machine.nodes[0].zones[1].startPfn" (root names the path's start, "" for none). */
export function pathText(path: Path, root = ""): string {
  let out = root;
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else out += out ? `.${String(k)}` : String(k);
  }
  return out;
}

/** The value at a path of a parsed JSON value, undefined where it has none. */
export function valueAt(v: unknown, path: Path): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur, k)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** A value as a message quotes it: numbers as JavaScript prints them (NaN, 1e+300), strings quoted. */
export function shown(v: unknown): string {
  if (typeof v === "string") {
    const q = JSON.stringify(v);
    return q.length > MAX_QUOTED_CHARS ? `${q.slice(0, MAX_QUOTED_CHARS - 4)}..."` : q;
  }
  if (Array.isArray(v)) return v.length ? `a list of ${v.length}` : "[]";
  if (v !== null && typeof v === "object") return "an object";
  return String(v);
}

/** The schema found at a path through objects, lists, records, unions and optional values, or null
 *  when no value may be there. With the value the path walks, a union is narrowed to the options
 *  whose literal fields (an event's `do`) the value matches. */
export function schemaAt(schema: z.ZodType, path: Path, value?: unknown): z.ZodType | null {
  let cur: z.ZodType | null = narrowed(schema, value);
  for (let i = 0; i < path.length; i++) {
    cur = cur ? childSchema(cur, path[i]) : null;
    if (!cur) return null;
    cur = narrowed(cur, valueAt(value, path.slice(0, i + 1)));
  }
  return cur;
}

/** A union's options that a value's literal fields match (all of them when none or several match). */
function narrowed(schema: z.ZodType, value: unknown): z.ZodType {
  const s = unwrapped(schema);
  if (!(s instanceof z.ZodUnion) || value === null || typeof value !== "object") return schema;
  const fits = (s.options as z.ZodType[]).filter((o) => {
    if (!(o instanceof z.ZodObject)) return false;
    return Object.entries(o.shape).every(
      ([k, f]) => !(f instanceof z.ZodLiteral) || f.values.has(valueAt(value, [k]) as z.core.util.Literal),
    );
  });
  return fits.length === 1 ? fits[0] : schema;
}

/** The schema inside optional, nullable and default wrappers. */
export function unwrapped(s: z.ZodType): z.ZodType {
  let cur = s;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault)
    cur = cur.unwrap() as z.ZodType;
  return cur;
}

function childSchema(parent: z.ZodType, k: PropertyKey): z.ZodType | null {
  const s = unwrapped(parent);
  if (s instanceof z.ZodObject) return Object.hasOwn(s.shape, k) ? (s.shape[k as string] as z.ZodType) : null;
  if (s instanceof z.ZodArray) return /^\d+$/.test(String(k)) ? (s.element as z.ZodType) : null;
  if (s instanceof z.ZodRecord) {
    const keys = recordKeys(s);
    return keys === null || keys.includes(String(k)) ? (s.valueType as z.ZodType) : null;
  }
  if (s instanceof z.ZodUnion) {
    for (const o of s.options as z.ZodType[]) {
      const c = childSchema(o, k);
      if (c) return c;
    }
  }
  return null;
}

function recordKeys(s: z.ZodRecord): string[] | null {
  const key = s.keyType as z.ZodType;
  return key instanceof z.ZodEnum ? (key.options as string[]) : null;
}

/** The field names a value at this schema may have, or null when it is no object. */
export function fieldsOf(schema: z.ZodType | null): string[] | null {
  if (!schema) return null;
  const s = unwrapped(schema);
  if (s instanceof z.ZodObject) return Object.keys(s.shape);
  if (s instanceof z.ZodRecord) return recordKeys(s);
  if (s instanceof z.ZodUnion) {
    const all = (s.options as z.ZodType[]).map(fieldsOf).filter((f): f is string[] => f !== null);
    return all.length ? [...new Set(all.flat())] : null;
  }
  return null;
}

/** Where a parse reports its problems: the root's name in paths and messages. */
export interface SchemaContext {
  /** Prefix of every message ("scenario: "), "" for none. */
  prefix: string;
  /** The start of every path ("machine" gives machine.nodes[0]), "" for none. */
  root: string;
  /** The whole value's name when the path is empty ("the scenario"). */
  whole: string;
  code: OomlabErrorCode;
}

/** Refinements (relations between fields) run only on a value whose fields all parsed: a field out of
 *  range is reported once, by itself. */
export const WHEN_FIELDS_PARSED = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** Custom issues from refinements whose message is a whole predicate, not the range accepted. */
export const SENTENCE = { sentence: true } as const;

function issueText(schema: z.ZodType, input: unknown, i: Issue, ctx: SchemaContext): string[] {
  const where = pathText(i.path, ctx.root) || ctx.whole;
  if (i.code === "unrecognized_keys") {
    const fields = fieldsOf(schemaAt(schema, i.path, input));
    const list = fields ? ` (its fields: ${fields.join(", ")})` : "";
    return i.keys.map((k) => `${pathText([...i.path, k], ctx.root)} is not a field of ${where}${list}`);
  }
  if (i.code === "custom" && (i.params as { sentence?: boolean } | undefined)?.sentence)
    return [`${where}${i.message.startsWith(":") ? "" : " "}${i.message}`];
  const v = valueAt(input, i.path);
  if (v === undefined) return [`${where} is missing: ${i.message}`];
  if (typeof v === "number" && numeric(i)) return [`${where} ${shown(v)} is out of range: ${i.message}`];
  return [`${where} ${shown(v)} is not ${i.message}`];
}

/** An issue with a number where a number belongs: a bound, a fraction for an integer, NaN. */
function numeric(i: Issue): boolean {
  if (i.code === "invalid_type") return i.expected === "number" || i.expected === "int";
  return i.code === "too_big" || i.code === "too_small" || i.code === "not_multiple_of" || i.code === "custom";
}

/** Zod's own words for an issue no schema described (a fallback: every field here says its own). */
function fallbackMessage(i: z.core.$ZodRawIssue): string {
  if (i.code === "invalid_type") return `a value of type ${i.expected}`;
  return "accepted here";
}

/** Parses input with a schema; every problem becomes one line of an OomlabError naming its path. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, ctx: SchemaContext): z.output<T> {
  const r = schema.safeParse(input, { error: fallbackMessage });
  if (r.success) return r.data;
  throw schemaError(schema, input, r.error.issues, ctx);
}

/** The OomlabError for a failed parse: one line per problem, at most MAX_LISTED_ISSUES of them. */
export function schemaError(schema: z.ZodType, input: unknown, issues: readonly Issue[], ctx: SchemaContext) {
  // a value can fail two checks with one description (1e300: no safe integer, and above the maximum)
  const lines = [...new Set(issues.flatMap((i) => issueText(schema, input, i, ctx)))];
  const listed = lines.slice(0, MAX_LISTED_ISSUES).map((l) => ctx.prefix + l);
  if (lines.length > MAX_LISTED_ISSUES) listed.push(`${ctx.prefix}and ${lines.length - MAX_LISTED_ISSUES} more`);
  return new OomlabError(ctx.code, listed.join("\n"));
}
