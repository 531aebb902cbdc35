// The run's summary line counts each resource once by its final status; a machine that failed before
// any resource (unreachable) counts as one failure.
import { describe, expect, it } from 'vitest';
import type { MachineResult, ResourceStatus } from '../../../shared/report.js';
import { summarize } from '../../../electron/engine/engine.js';

const machine = (status: MachineResult['status'], statuses: ResourceStatus[], error = false): MachineResult => ({
  machine: 'm',
  provider: 'docker',
  status,
  resources: statuses.map((s, i) => ({ id: `r${i}`, kind: 'file', name: `/f${i}`, status: s, changes: [] })),
  ...(error ? { error: { name: 'DockerError', message: 'down' } } : {}),
  durationMs: 0,
});

describe('run summary', () => {
  it('counts each status once', () => {
    expect(summarize([machine('failed', ['ok', 'ok', 'changed', 'failed', 'skipped', 'skipped']), machine('pending', ['pending', 'ok'])])).toEqual({ ok: 3, changed: 1, pending: 1, failed: 1, skipped: 2 });
  });
  it('counts a machine that failed before its resources as one failure, its resources as skipped', () => {
    expect(summarize([machine('failed', ['skipped', 'skipped'], true)])).toEqual({ ok: 0, changed: 0, pending: 0, failed: 1, skipped: 2 });
  });
  it('a clean run has nothing failed or skipped', () => {
    expect(summarize([machine('ok', ['ok'])])).toEqual({ ok: 1, changed: 0, pending: 0, failed: 0 });
  });
});
