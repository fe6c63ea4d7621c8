/** A plain-text table: columns padded to their widest cell, two spaces apart; `(none)` under an empty header. */
export function textTable(header: string[], rows: string[][]): string {
  if (rows.length === 0) return `${header.join('  ')}\n(none)`;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
