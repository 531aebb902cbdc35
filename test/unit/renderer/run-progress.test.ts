import { describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import { machineProgress } from '../../../renderer/src/state/run-progress';
import { RunStore } from '../../../renderer/src/state/run-store';

const profile = {
  name: 'dev',
  file: '/p/dev.yaml',
  machines: [
    {
      name: 'db',
      resources: [
        { id: 'package:postgresql-15', kind: 'package', name: 'postgresql-15' },
        { id: 'file:/etc/pg.conf', kind: 'file', name: '/etc/pg.conf' },
      ],
    },
    { name: 'web', resources: [{ id: 'directory:/srv', kind: 'directory', name: '/srv' }] },
  ],
} as unknown as Profile;

function store() {
  const s = new RunStore(() => undefined);
  s.apply({ type: 'run-start', runId: 'r', kind: 'up', profile: 'dev', profileFile: '/p/dev.yaml', machines: ['db', 'web'], at: '' });
  return s;
}

describe('run progress per machine', () => {
  it('names the resource being applied and counts what is done', () => {
    const s = store();
    s.apply({ type: 'machine', runId: 'r', machine: 'db', phase: 'probe', status: 'done' });
    s.apply({ type: 'machine', runId: 'r', machine: 'db', phase: 'apply', status: 'start' });
    const [db, web] = machineProgress(s.latestRun('/p/dev.yaml')!, profile);
    expect(db).toMatchObject({ name: 'db', words: 'installing postgresql-15', done: 0, total: 2, finished: false });
    expect(db!.startedAt).toBeTypeOf('number');
    expect(web).toMatchObject({ words: 'waiting', done: 0, total: 1 });
    s.apply({ type: 'resource', runId: 'r', machine: 'db', resource: { id: 'package:postgresql-15', kind: 'package', name: 'postgresql-15' }, status: 'changed', changes: [] });
    expect(machineProgress(s.latestRun('/p/dev.yaml')!, profile)[0]).toMatchObject({ words: 'writing /etc/pg.conf', done: 1 });
  });

  it('a failed machine is finished and says where it failed; the others go on', () => {
    const s = store();
    s.apply({ type: 'machine', runId: 'r', machine: 'web', phase: 'provision', status: 'failed', error: { name: 'E', message: 'no' } });
    const web = machineProgress(s.latestRun('/p/dev.yaml')!, profile)[1]!;
    expect(web).toMatchObject({ words: 'failed while starting', failed: true, finished: true });
    expect(web.endedAt).toBeTypeOf('number');
  });

  it('after a good run every machine says it is set up', () => {
    const s = store();
    s.apply({ type: 'machine', runId: 'r', machine: 'web', phase: 'verify', status: 'done' });
    s.apply({ type: 'run-end', runId: 'r', kind: 'up', profile: 'dev', ok: true, summary: { ok: 3, changed: 0, pending: 0, failed: 0 }, durationMs: 10 });
    const all = machineProgress(s.latestRun('/p/dev.yaml')!, profile);
    expect(all.map((m) => m.finished)).toEqual([true, true]);
    expect(all.map((m) => m.words)).toEqual(['set up', 'set up']);
  });

  it('after a failed run a machine that did not get through says how far it got', () => {
    const s = store();
    s.apply({ type: 'resource', runId: 'r', machine: 'db', resource: { id: 'package:postgresql-15', kind: 'package', name: 'postgresql-15' }, status: 'changed', changes: [] });
    s.apply({ type: 'run-end', runId: 'r', kind: 'up', profile: 'dev', ok: false, summary: { ok: 0, changed: 1, pending: 0, failed: 0 }, durationMs: 10 });
    expect(machineProgress(s.latestRun('/p/dev.yaml')!, profile)[0]!.words).toBe('not finished: 1 of 2 done');
  });
});

describe('run progress with the engine\'s own words', () => {
  it('uses the engine\'s step words and resource count when it sends them, and a pull as a percentage', () => {
    const s = store();
    s.apply({ type: 'machine', runId: 'r', machine: 'db', phase: 'apply', status: 'start' });
    s.apply({ type: 'progress', runId: 'r', machine: 'db', task: 'changing the version of postgresql-15', current: 1, total: 2, phase: 'apply' });
    expect(machineProgress(s.latestRun('/p/dev.yaml')!, profile)[0]).toMatchObject({ words: 'changing the version of postgresql-15', done: 1, total: 2 });
    s.apply({ type: 'machine', runId: 'r', machine: 'web', phase: 'image', status: 'start' });
    s.apply({ type: 'progress', runId: 'r', machine: 'web', task: 'pulling debian:bookworm', current: 25, total: 100 });
    expect(machineProgress(s.latestRun('/p/dev.yaml')!, profile)[1]).toMatchObject({ words: 'pulling debian:bookworm 25%', done: 0, total: 1 });
  });
});
