// Text taken from input and shown to a person (in a warning, a header, a table) must not carry
// characters that move the cursor, recolour or reorder a terminal, or hide: control characters
// (C0, DEL, C1), format characters (bidirectional overrides, zero-width), line and paragraph
// separators, surrogates left unpaired, private-use and unassigned code points. Each becomes the
// \uXXXX escape JSON would print for it; everything else is kept as it is.

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/gu;
/** The same without the line feed (Cc is U+0000-U+001F and U+007F-U+009F), for whole texts. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is its purpose
const NON_PRINTABLE_BUT_LF = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/gu;

const escapeUnit = (unit: number) => `\\u${unit.toString(16).padStart(4, "0")}`;
const escapeAll = (c: string) => {
  let out = "";
  for (let i = 0; i < c.length; i++) out += escapeUnit(c.charCodeAt(i));
  return out;
};

/** s with every non-printable character escaped as \uXXXX (one escape per UTF-16 unit). */
export function printable(s: string): string {
  return s.replace(NON_PRINTABLE, escapeAll);
}

/** Anything but printable ASCII and the line feed: a text without it (the usual output) needs no
 *  escape, and this plain class scans far faster than the Unicode one. */
const NOT_PLAIN_ASCII = /[^\n\x20-\x7e]/;

/** A multi-line text made printable line by line: its line feeds are kept. */
export function printableLines(s: string): string {
  return NOT_PLAIN_ASCII.test(s) ? s.replace(NON_PRINTABLE_BUT_LF, escapeAll) : s;
}

/** True when printable(s) would change nothing. */
export function isPrintable(s: string): boolean {
  NON_PRINTABLE.lastIndex = 0;
  const found = NON_PRINTABLE.test(s);
  NON_PRINTABLE.lastIndex = 0;
  return !found;
}
