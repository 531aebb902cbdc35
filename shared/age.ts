// Durations for people: "40s", "12m", "3h", "2d" (cache ls, snapshot ls, the run's notes, Settings →
// Environment cache).

export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** How long ago a date was: "12m ago" (a date in the future, a clock set back: "0s ago"). */
export function formatAge(iso: string, now = Date.now()): string {
  return `${formatSpan(now - Date.parse(iso))} ago`;
}
