// One error card per cause: a failure the run reports for itself and for each machine it stopped is
// one cause, shown once with everything it hit.

import type { ErrorInfo } from '../../../shared/report';

export interface ErrorGroup {
  error: ErrorInfo;
  /** Who it happened to, in order of appearance: machine names, or "the run". */
  who: string[];
}

const key = (e: ErrorInfo) => `${e.message}\u0000${e.where ?? ''}`;

export function groupErrors(items: readonly { who: string; error: ErrorInfo | undefined }[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const { who, error } of items) {
    if (!error) continue;
    const k = key(error);
    const g = groups.get(k);
    if (g) {
      if (!g.who.includes(who)) g.who.push(who);
    } else groups.set(k, { error, who: [who] });
  }
  return [...groups.values()];
}

/** The card's title: "web and worker failed", "The run failed". */
export function groupTitle(g: ErrorGroup, runWho = 'the run'): string {
  const machines = g.who.filter((w) => w !== runWho);
  if (machines.length === 0) return 'The run failed';
  const list = machines.length === 1 ? machines[0]! : `${machines.slice(0, -1).join(', ')} and ${machines[machines.length - 1]}`;
  return `${list} failed`;
}
