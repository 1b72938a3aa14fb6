// Plain-text tables: columns padded to their widest cell, two spaces apart, trailing blanks trimmed.
// The one table renderer of oomlab's text output.

/** Rows of cells (the first row is the header) as padded lines. */
export function tableLines(rows: string[][], opts: { rule?: boolean } = {}): string[] {
  if (!rows.length) return [];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const out = rows.map(line);
  if (opts.rule) out.splice(1, 0, line(widths.map((w) => "-".repeat(w))));
  return out;
}
