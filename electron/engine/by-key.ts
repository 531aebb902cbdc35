// Stable order for what is written to files and hashed: records sorted by key (code-point order, not
// locale, so the result is the same on every machine).

export function byKey<T>(rec: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(rec).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
