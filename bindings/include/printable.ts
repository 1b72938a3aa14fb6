// Text taken from input and shown to a person (in a warning, a header, a table) must not carry
// characters that move the cursor, recolour or reorder a terminal, or hide: control characters
// (C0, DEL, C1), format characters (bidirectional overrides, zero-width), line and paragraph
// separators, surrogates left unpaired, private-use and unassigned code points. Each becomes the
// \uXXXX escape JSON would print for it; everything else is kept as it is.

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/gu;

const escapeUnit = (unit: number) => `\\u${unit.toString(16).padStart(4, "0")}`;

/** s with every non-printable character escaped as \uXXXX (one escape per UTF-16 unit). */
export function printable(s: string): string {
  return s.replace(NON_PRINTABLE, (c) => {
    let out = "";
    for (let i = 0; i < c.length; i++) out += escapeUnit(c.charCodeAt(i));
    return out;
  });
}

/** True when printable(s) would change nothing. */
export function isPrintable(s: string): boolean {
  NON_PRINTABLE.lastIndex = 0;
  const found = NON_PRINTABLE.test(s);
  NON_PRINTABLE.lastIndex = 0;
  return !found;
}
