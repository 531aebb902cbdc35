import { describe, expect, it } from 'vitest';
import type { ProfileStatus } from '../../../shared/report';
import { MachineStates, withLiveStates } from '../../../renderer/src/state/machine-states';

const status: ProfileStatus = {
  profile: 'shop-dev',
  file: '/p/dev.yaml',
  role: 'dev',
  active: true,
  machines: [
    { machine: 'cache', provider: 'docker', state: 'running', target: 'redis', ports: ['127.0.0.1:6379->6379/tcp'] },
    { machine: 'db', provider: 'ssh', state: 'running', target: 'root@10.0.0.5:22', ports: [] },
  ],
};
const readAt = Date.parse('2026-01-01T10:00:00Z');

describe('live machine states', () => {
  it('a docker stop from outside, after the status was read, wins over it', () => {
    const live = new MachineStates(() => undefined);
    live.apply({ profile: 'shop-dev', profileFile: '/p/dev.yaml', machine: 'cache', state: 'stopped', cause: 'die', at: '2026-01-01T10:00:05Z' });
    const s = withLiveStates(status, readAt, live);
    expect(s.machines[0]).toMatchObject({ machine: 'cache', state: 'stopped', ports: [] });
    expect(s.machines[1]!.state).toBe('running');
  });

  it('a change older than the status read is ignored (the status already has it)', () => {
    const live = new MachineStates(() => undefined);
    live.apply({ profile: 'shop-dev', profileFile: '/p/dev.yaml', machine: 'cache', state: 'stopped', cause: 'die', at: '2026-01-01T09:59:59Z' });
    expect(withLiveStates(status, readAt, live)).toBe(status);
  });

  it('an unreachable SSH machine carries its reason; matching by name when the label has no file', () => {
    const live = new MachineStates(() => undefined);
    live.apply({ profile: 'shop-dev', machine: 'db', state: 'unreachable', reason: 'connection refused on 10.0.0.5:22', cause: 'check', at: '2026-01-01T10:00:10Z' });
    const db = withLiveStates(status, readAt, live).machines[1]!;
    expect(db.state).toBe('unreachable');
    expect(db.error?.message).toBe('connection refused on 10.0.0.5:22');
    // Back again: the reason goes.
    live.apply({ profile: 'shop-dev', machine: 'db', state: 'running', cause: 'check', at: '2026-01-01T10:00:20Z' });
    expect(withLiveStates(status, readAt, live).machines[1]!.error).toBeUndefined();
  });
});
