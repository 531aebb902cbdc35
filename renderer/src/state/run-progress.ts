// Per-machine progress of a run, for the run panel: what it is doing now in words, how many of its
// resources are decided, and how long it has taken. Pure: built from the run store's view of a run
// and the profile (which knows each machine's resources in order).

import type { Profile } from '../../../shared/profile';
import type { RunView } from './run-store';
import { resourceKey } from './run-store';
import { machineStepWords } from './words';

export interface MachineProgress {
  name: string;
  words: string;
  done: number;
  /** 0 when the run does not go through resources (stop, destroy). */
  total: number;
  /** Whether this machine has finished (or failed) while the run may still go on. */
  finished: boolean;
  failed: boolean;
  startedAt?: number;
  /** When it finished, if known. */
  endedAt?: number;
}

export function machineProgress(run: RunView, profile?: Profile | null): MachineProgress[] {
  const findingsBy = new Map<string, number>();
  for (const f of run.findings) findingsBy.set(f.machine, (findingsBy.get(f.machine) ?? 0) + 1);
  const writes = run.kind !== 'down' && run.kind !== 'destroy';
  return [...run.machines.values()].map((m) => {
    const spec = profile?.machines.find((x) => x.name === m.name);
    const resources = writes ? (spec?.resources ?? []) : [];
    let done = 0;
    let current: { kind: string; name: string } | undefined;
    for (const r of resources) {
      if (run.resources.has(resourceKey(m.name, r.id))) done++;
      else current ??= { kind: r.kind, name: r.name };
    }
    if (run.kind === 'drift') done = Math.min(resources.length, findingsBy.get(m.name) ?? 0);
    const failed = m.status === 'failed' || !!m.error;
    const p = run.progress.get(m.name);
    // The engine's own words for the step win; its resource count too, when it gives one (a phase's
    // progress counts resources; an image pull's counts bytes, shown as a percentage).
    const task = p ? (p.phase ? p.task : `${p.task}${p.total ? ` ${Math.round(((p.current ?? 0) / p.total) * 100)}%` : ''}`) : undefined;
    if (p?.phase && p.total !== undefined && p.total === resources.length) done = Math.max(done, p.current ?? 0);
    const finished = !!run.end || failed || (resources.length > 0 && done === resources.length && m.status === 'done');
    let words = machineStepWords({ phase: m.phase, status: m.status, detail: m.detail, current, task });
    if (run.end && !failed && m.status !== 'failed') words = finishedWords(run, words, done, resources.length);
    return {
      name: m.name,
      words,
      done,
      total: resources.length,
      finished,
      failed,
      ...(m.startedAt !== undefined ? { startedAt: m.startedAt } : {}),
      ...(m.failedAt !== undefined ? { endedAt: m.failedAt } : finished && m.lastAt !== undefined ? { endedAt: m.lastAt } : run.endedMs !== undefined ? { endedAt: run.endedMs } : {}),
    };
  });
}

function finishedWords(run: RunView, last: string, done: number, total: number): string {
  if (!run.end?.ok && total > 0 && done < total) return `not finished: ${done} of ${total} done`;
  switch (run.kind) {
    case 'up':
    case 'use':
    case 'reconcile':
      return total > 0 ? 'set up' : last;
    case 'plan':
      return 'planned';
    case 'drift':
      return 'checked';
    default:
      return last;
  }
}
