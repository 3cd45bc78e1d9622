// Tables as kubeadm prints them: text/tabwriter with minwidth 10, tabwidth 4, padding 3, blanks
// (tabwriter.NewWriter(out, 10, 4, 3, ' ', 0) in cmd/kubeadm/app/cmd/token.go and certs.go). Every cell but the
// last of a row is padded to its column's width plus 3, and at least 10; the last cell is not padded.
export function tabwriterTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(10, ...all.map((r) => (r[i] ?? '').length + 3)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('')).join('\n') + '\n';
}
