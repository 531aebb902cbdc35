import { describe, expect, it } from 'vitest';
import type { ProfileSummary } from '../../../shared/api';
import type { DriftReport, MachineState, ProfileStatus } from '../../../shared/report';
import { profileBadge } from '../../../renderer/src/state/profile-badge';

const summary: ProfileSummary = { file: '/p/dev.yaml', folder: '/p', name: 'dev', machines: 2 };

function status(...states: MachineState[]): ProfileStatus {
  return {
    profile: 'dev',
    file: '/p/dev.yaml',
    role: 'dev',
    active: false,
    machines: states.map((state, i) => ({ machine: `m${i}`, provider: 'docker', state, target: 'debian:bookworm', ports: [] })),
  };
}

const drifted = { inSync: false } as DriftReport;

describe('profile badge', () => {
  it('says invalid when the profile does not load', () => {
    expect(profileBadge({ ...summary, error: { name: 'ProfileError', message: 'x' } })).toBe('invalid');
  });
  it('running, partly running, stopped, not created', () => {
    expect(profileBadge(summary, status('running', 'running'))).toBe('running');
    expect(profileBadge(summary, status('running', 'stopped'))).toBe('partly running');
    expect(profileBadge(summary, status('stopped', 'not-created'))).toBe('stopped');
    expect(profileBadge(summary, status('not-created', 'not-created'))).toBe('not created');
  });
  it('unreachable when no host of the profile answers', () => {
    expect(profileBadge(summary, status('unreachable', 'unreachable'))).toBe('unreachable');
    expect(profileBadge(summary, status('unreachable', 'stopped'))).toBe('stopped');
  });
  it('drifted only while something runs', () => {
    expect(profileBadge(summary, status('running', 'running'), drifted)).toBe('drifted');
    expect(profileBadge(summary, status('stopped', 'stopped'), drifted)).toBe('stopped');
  });
  it('failed after a failed set up or switch, until the next good one', () => {
    const rec = (kind: 'up' | 'use' | 'drift', ok: boolean) => ({ runId: 'r', kind, profile: 'dev', profileFile: '/p/dev.yaml', ok, startedAt: '', durationMs: 1, summary: { ok: 0, changed: 0, pending: 0, failed: 1 } });
    expect(profileBadge(summary, { ...status('running', 'running'), lastRun: rec('up', false) })).toBe('failed');
    expect(profileBadge(summary, { ...status('running', 'running'), lastRun: rec('use', false) })).toBe('failed');
    expect(profileBadge(summary, { ...status('running', 'running'), lastRun: rec('up', true) })).toBe('running');
    // A failed drift check is not a failed environment.
    expect(profileBadge(summary, { ...status('running', 'running'), lastRun: rec('drift', false) })).toBe('running');
  });
});
