// The one-word status of a profile in the list: what a person wants to know at a glance.

import type { ProfileSummary } from '../../../shared/api';
import type { DriftReport, ProfileStatus } from '../../../shared/report';

export type Badge = 'running' | 'partly running' | 'stopped' | 'not created' | 'unreachable' | 'drifted' | 'failed' | 'invalid' | 'unknown';

/** Runs whose failure leaves the machines not as the profile says, until the next good one. */
const SETS_UP = new Set(['up', 'use', 'reconcile']);

export function profileBadge(summary: ProfileSummary, status?: ProfileStatus | null, drift?: DriftReport | null): Badge {
  if (summary.error) return 'invalid';
  if (!status) return 'unknown';
  // The engine's own answer (a failed run that changes machines, with no good one after it), else the
  // last run when it was such a run.
  if (status.lastFailure) return 'failed';
  if (status.lastRun && !status.lastRun.ok && SETS_UP.has(status.lastRun.kind)) return 'failed';
  const states = status.machines.map((m) => m.state);
  if (states.length > 0 && states.every((s) => s === 'not-created')) return 'not created';
  const running = states.filter((s) => s === 'running').length;
  // Drift only matters for what is up; a stopped environment's last check is stale news.
  if (running > 0 && drift && !drift.inSync) return 'drifted';
  if (running > 0 && running === states.length) return 'running';
  if (running > 0) return 'partly running';
  if (states.length === 0) return 'unknown';
  // SSH hosts are not stopped by Prodlike: when none answers, say so rather than "stopped".
  if (states.every((s) => s === 'unreachable')) return 'unreachable';
  return 'stopped';
}
