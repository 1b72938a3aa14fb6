// Reading a workload's parameters: each one named, typed, ranged and defaulted; an unknown name or a
// bad value is an OomlabError naming the workload and the parameter. Pure.

import { OomlabError, isInt } from "../errors.js";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The parameters of one workload, read one by one; done() rejects names no reader asked for. */
export class Params {
  private readonly seen = new Set<string>();
  private readonly raw: Record<string, unknown>;

  constructor(
    readonly workload: string,
    raw: unknown,
  ) {
    if (raw === undefined) raw = {};
    if (!isRecord(raw)) throw this.error("params", "must be an object of named parameters");
    this.raw = raw;
  }

  error(name: string, why: string): OomlabError {
    return new OomlabError("OOMLAB_BAD_ARGUMENT", `workload ${this.workload}: parameter ${name} ${why}`);
  }

  private get(name: string): unknown {
    this.seen.add(name);
    return this.raw[name];
  }

  /** An integer in [min, max]. */
  int(name: string, dflt: number, min: number, max: number): number {
    const v = this.get(name) ?? dflt;
    if (!isInt(v) || v < min || v > max) throw this.error(name, `must be an integer from ${min} to ${max}`);
    return v;
  }

  /** A non-empty string (required when dflt is null). */
  text(name: string, dflt: string | null): string {
    const v = this.get(name) ?? dflt;
    if (v === null) throw this.error(name, "is required");
    if (typeof v !== "string" || v === "") throw this.error(name, "must be a non-empty string");
    return v;
  }

  bool(name: string, dflt: boolean): boolean {
    const v = this.get(name) ?? dflt;
    if (typeof v !== "boolean") throw this.error(name, "must be true or false");
    return v;
  }

  oneOf<T extends string>(name: string, dflt: T, values: readonly T[]): T {
    const v = this.get(name) ?? dflt;
    if (typeof v !== "string" || !values.includes(v as T))
      throw this.error(name, `must be one of ${values.join(", ")}`);
    return v as T;
  }

  /** Non-negative integer weights by key (keys from `keys`), at least one above 0. */
  weights(name: string, dflt: Record<string, number>, keys: readonly string[]): Record<string, number> {
    const v = this.get(name) ?? dflt;
    if (!isRecord(v)) throw this.error(name, `must be an object of weights keyed by ${keys.join(", ")}`);
    let total = 0;
    for (const [k, w] of Object.entries(v)) {
      if (!keys.includes(k)) throw this.error(name, `has key ${k}; the keys are ${keys.join(", ")}`);
      if (!isInt(w) || w < 0 || w > 1_000_000) throw this.error(name, `weight of ${k} must be an integer 0 .. 1000000`);
      total += w;
    }
    if (total === 0) throw this.error(name, "must give some key a weight above 0");
    return v as Record<string, number>;
  }

  /** Throws for a parameter no reader asked for (a misspelt name would otherwise be ignored). */
  done(): void {
    for (const k of Object.keys(this.raw))
      if (!this.seen.has(k)) throw this.error(k, `is not a parameter of ${this.workload} (see docs/workloads.md)`);
  }
}

/** A weighted pick: the keys in order with their cumulative weights; pick(r) takes r mod the total. */
export class WeightedPick {
  private readonly values: number[] = [];
  private readonly bounds: number[] = [];
  readonly total: number;

  constructor(weights: Record<string, number>, value: (key: string) => number) {
    let acc = 0;
    for (const [k, w] of Object.entries(weights)) {
      if (w === 0) continue;
      acc += w;
      this.values.push(value(k));
      this.bounds.push(acc);
    }
    this.total = acc;
  }

  /** The value whose cumulative band holds r % total (r a uint32 from the workload's xorshift32). */
  pick(r: number): number {
    const p = r % this.total;
    let i = 0;
    while (p >= this.bounds[i]) i++;
    return this.values[i];
  }

  /** The values with a weight above 0. */
  get keys(): readonly number[] {
    return this.values;
  }
}
