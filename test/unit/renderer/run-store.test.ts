import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../shared/events';
import { resourceKey, RunStore, withRecentRuns } from '../../../renderer/src/state/run-store';

function manualStore() {
  const queue: (() => void)[] = [];
  const store = new RunStore((fn) => queue.push(fn));
  const frame = () => queue.splice(0).forEach((f) => f());
  return { store, frame, queue };
}

const start: RunEvent = { type: 'run-start', runId: 'r1', kind: 'up', profile: 'dev', profileFile: '/p/dev.yaml', machines: ['web', 'db'], at: '2024-01-01T00:00:00Z' };

describe('RunStore', () => {
  it('builds machine and resource state from events', () => {
    const { store } = manualStore();
    store.apply(start);
    store.apply({ type: 'machine', runId: 'r1', machine: 'web', phase: 'provision', status: 'done', state: 'running', detail: 'created' });
    store.apply({ type: 'resource', runId: 'r1', machine: 'web', resource: { id: 'file:/a', kind: 'file', name: '/a' }, status: 'changed', changes: [] });
    const run = store.latestRun('/p/dev.yaml')!;
    expect(run.machines.get('web')).toMatchObject({ state: 'running', detail: 'created' });
    expect(store.lastResults('/p/dev.yaml').get(resourceKey('web', 'file:/a'))?.status).toBe('changed');
  });

  it('tells views once per frame however many events arrive', () => {
    const { store, frame, queue } = manualStore();
    let renders = 0;
    store.batch.subscribe(() => renders++);
    store.apply(start);
    for (let i = 0; i < 10_000; i++) store.apply({ type: 'log', runId: 'r1', machine: 'web', stream: 'stdout', text: `line ${i}` });
    expect(queue).toHaveLength(1);
    frame();
    expect(renders).toBe(1);
    expect(store.latestRun('/p/dev.yaml')!.log.length).toBe(10_000);
  });

  it('schedules nothing while no events arrive', () => {
    const { queue } = manualStore();
    expect(queue).toHaveLength(0);
  });

  it('calls run-end listeners at once and keeps drift runs apart', () => {
    const { store } = manualStore();
    const ends: string[] = [];
    store.onRunEnd((e) => ends.push(e.runId));
    store.apply({ ...start, runId: 'd1', kind: 'drift' });
    store.apply({ type: 'drift', runId: 'd1', finding: { machine: 'web', resource: { id: 'file:/a', kind: 'file', name: '/a' }, status: 'drifted', changes: [] } });
    store.apply({ type: 'run-end', runId: 'd1', kind: 'drift', profile: 'dev', ok: true, summary: { ok: 0, changed: 0, pending: 1, failed: 0 }, durationMs: 5 });
    expect(ends).toEqual(['d1']);
    expect(store.latestDriftRun('/p/dev.yaml')?.findings).toHaveLength(1);
  });

  it('ignores events of runs it never saw start', () => {
    const { store } = manualStore();
    store.apply({ type: 'log', runId: 'nope', stream: 'stdout', text: 'x' });
    expect(store.runs.size).toBe(0);
  });
});

describe('RunStore: a run going on when the page loaded', () => {
  const record = { runId: 'old', kind: 'up' as const, profile: 'dev', profileFile: '/p/dev.yaml', ok: false, startedAt: '2026-01-01T10:00:00.000Z', durationMs: 0, summary: { ok: 0, changed: 0, pending: 0, failed: 0 } };

  it('is built from the engine snapshot, then the events that came meanwhile, without repeating log lines', () => {
    const store = new RunStore(() => undefined);
    // Events arrive before the snapshot: one line the snapshot has, one it does not.
    store.apply({ type: 'log', runId: 'old', machine: 'web', stream: 'stdout', text: 'line 2', at: '2026-01-01T10:00:02.000Z' });
    store.apply({ type: 'log', runId: 'old', machine: 'web', stream: 'stdout', text: 'line 3', at: '2026-01-01T10:00:03.000Z' });
    store.apply({ type: 'resource', runId: 'old', machine: 'web', resource: { id: 'file:/b', kind: 'file', name: '/b' }, status: 'changed', changes: [] });
    expect(store.latestRun('/p/dev.yaml')).toBeUndefined();
    store.adoptRunning(
      {
        record,
        running: true,
        resources: [{ machine: 'web', resource: { id: 'file:/a', kind: 'file', name: '/a' }, status: 'changed', changes: [] }],
        machineErrors: [],
        log: [
          { at: '2026-01-01T10:00:01.000Z', machine: 'web', stream: 'stdout', text: 'line 1' },
          { at: '2026-01-01T10:00:02.000Z', machine: 'web', stream: 'stdout', text: 'line 2' },
        ],
        logDropped: 0,
      },
      ['web', 'db'],
    );
    const run = store.latestRun('/p/dev.yaml')!;
    expect(run.log.slice(0, 10).map((l) => l.text)).toEqual(['line 1', 'line 2', 'line 3']);
    expect([...run.resources.keys()].sort()).toEqual([resourceKey('web', 'file:/a'), resourceKey('web', 'file:/b')]);
    expect([...run.machines.keys()]).toEqual(['web', 'db']);
    expect(run.startedMs).toBe(Date.parse(record.startedAt));
    // Later events apply as usual, and the end ends it.
    store.apply({ type: 'run-end', runId: 'old', kind: 'up', profile: 'dev', ok: true, summary: { ok: 1, changed: 1, pending: 0, failed: 0 }, durationMs: 5000 });
    expect(run.end?.ok).toBe(true);
  });

  it('a run that ended before it was picked up, or is no longer running, is not shown as running', () => {
    const store = new RunStore(() => undefined);
    store.adoptRunning({ record, running: false, resources: [], machineErrors: [], log: [], logDropped: 0 }, ['web']);
    expect(store.latestRun('/p/dev.yaml')).toBeUndefined();
  });
});

describe('recent runs and the history', () => {
  const rec = (runId: string, startedAt: string) => ({ runId, kind: 'up' as const, profile: 'dev', profileFile: '/p/dev.yaml', ok: true, startedAt, durationMs: 1, summary: { ok: 0, changed: 0, pending: 0, failed: 0 } });
  it('adds the runs seen ending that the engine does not list yet, newest first, once', () => {
    const history = [rec('b', '2026-01-01T10:00:02Z'), rec('a', '2026-01-01T10:00:01Z')];
    expect(withRecentRuns(history, [rec('c', '2026-01-01T10:00:03Z'), rec('b', '2026-01-01T10:00:02Z')]).map((r) => r.runId)).toEqual(['c', 'b', 'a']);
    expect(withRecentRuns(history, [])).toBe(history);
  });
  it('a run seen ending is a record with its result', () => {
    const store = new RunStore(() => undefined);
    store.apply(start);
    expect(store.endedRecords('/p/dev.yaml')).toEqual([]);
    store.apply({ type: 'run-end', runId: 'r1', kind: 'up', profile: 'dev', ok: false, summary: { ok: 1, changed: 0, pending: 0, failed: 1 }, durationMs: 42, error: { name: 'E', message: 'no' } });
    expect(store.endedRecords('/p/dev.yaml')).toEqual([
      { runId: 'r1', kind: 'up', profile: 'dev', profileFile: '/p/dev.yaml', ok: false, startedAt: start.type === 'run-start' ? start.at : '', durationMs: 42, summary: { ok: 1, changed: 0, pending: 0, failed: 1 }, error: { name: 'E', message: 'no' } },
    ]);
  });
});
