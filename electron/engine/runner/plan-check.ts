// "Apply this plan": before applying, the machines are probed again and the outcome compared with what
// the plan showed. Any difference — a resource that now differs in another way, one that came into or
// out of sync, a machine that could not be reached — refuses the run. Pure.

import type { RunResourceChange } from '../../../shared/history.js';
import type { Change } from '../../../shared/report.js';

const key = (r: RunResourceChange) => `${r.machine} ${r.resource.kind} ${r.resource.name}`;
const sig = (r: RunResourceChange) => JSON.stringify({ s: r.status, c: r.changes.map((c: Change) => [c.field, c.before ?? null, c.after ?? null, c.diff ?? null]) });

/** What changed between the plan's probe and this one, one line each (empty: the same). */
export function planDifferences(planned: RunResourceChange[], now: RunResourceChange[]): string[] {
  const before = new Map(planned.map((r) => [key(r), r]));
  const after = new Map(now.map((r) => [key(r), r]));
  const out: string[] = [];
  for (const [k, p] of before) {
    const n = after.get(k);
    if (!n) out.push(`${k}: was to change (${p.changes.map((c) => c.summary).join('; ')}), now in sync`);
    else if (sig(n) !== sig(p)) out.push(`${k}: the plan showed ${p.changes.map((c) => c.summary).join('; ') || p.status}, now ${n.changes.map((c) => c.summary).join('; ') || n.status}`);
  }
  for (const [k, n] of after) if (!before.has(k)) out.push(`${k}: now differs (${n.changes.map((c) => c.summary).join('; ') || n.status}), which the plan did not show`);
  return out;
}
