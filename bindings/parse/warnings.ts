// Warnings about input, bounded and printable: a damaged or hostile paste can hold a warning per
// line, so each report or file keeps the first MAX_WARNINGS and counts the rest, and whatever a
// warning echoes of the input is escaped (include/printable.ts) before anyone prints it.

import { printable } from "../include/printable.js";

/** Warnings kept per report or per /proc file; the rest are only counted. */
export const MAX_WARNINGS = 20;

export interface LineWarning {
  line: number;
  message: string;
}

/** A piece of input inside a warning: quoted as JSON quotes it, then escaped (JSON leaves DEL, C1
 *  and the format characters as they are). */
export function quoted(s: string): string {
  return printable(JSON.stringify(s));
}

/** Input echoed unquoted (a comm, a header): escaped. */
export { printable as echoed };

/** Warnings found out of line order (a zoneinfo zone's "lacks" warnings come at its end), kept in a
 *  bounded buffer and cut to the first MAX_WARNINGS by line at the end. */
export class CappedWarnings {
  private readonly buffer: LineWarning[] = [];
  private beyond = 0;
  /** Warnings held before the rest are only counted: room for those found late with early lines. */
  private static readonly BUFFERED = 10 * MAX_WARNINGS;

  add(w: LineWarning): void {
    if (this.buffer.length < CappedWarnings.BUFFERED) this.buffer.push(w);
    else this.beyond++;
  }

  /** The first MAX_WARNINGS by line, and how many were left out. */
  finish(): { warnings: LineWarning[]; omitted: number } {
    const sorted = this.buffer.sort((a, b) => a.line - b.line);
    const omitted = this.beyond + Math.max(0, sorted.length - MAX_WARNINGS);
    return { warnings: sorted.slice(0, MAX_WARNINGS), omitted };
  }
}
