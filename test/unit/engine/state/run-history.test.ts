import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../../shared/report.js';
import { DIFF_MAX, LINE_MAX, LOG_HEAD, LOG_TAIL, RunHistoryStore, RunRecorder } from '../../../../electron/engine/state/run-history.js';

const record = (runId = 'r1', kind: RunRecord['kind'] = 'up'): RunRecord => ({ runId, kind, profile: 'p', profileFile: '/p.yaml', ok: false, startedAt: new Date().toISOString(), durationMs: 0, summary: { ok: 0, changed: 0, pending: 0, failed: 0 } });
const ref = { id: 'file:/etc/x', kind: 'file' as const, name: '/etc/x' };

describe('a run kept in the history', () => {
  it('keeps the head and the tail of a long log, and says how much was left out', () => {
    const rec = new RunRecorder(record());
    const total = LOG_HEAD + LOG_TAIL + 5000;
    for (let i = 0; i < total; i += 10) rec.add({ type: 'log', runId: 'r1', machine: 'web', stream: 'stdout', text: Array.from({ length: 10 }, (_, j) => `line ${i + j}`).join('\n') });
    const d = rec.detail(false);
    expect(d.log).toHaveLength(LOG_HEAD + LOG_TAIL);
    expect(d.logDropped).toBe(5000);
    expect(d.log[0]).toMatchObject({ machine: 'web', stream: 'stdout', text: 'line 0' });
    expect(d.log[LOG_HEAD - 1]!.text).toBe(`line ${LOG_HEAD - 1}`);
    expect(d.log[LOG_HEAD]!.text).toBe(`line ${LOG_HEAD + 5000}`);
    expect(d.log.at(-1)!.text).toBe(`line ${total - 1}`);
  });

  it('cuts a very long line and a very long diff', () => {
    const rec = new RunRecorder(record());
    rec.add({ type: 'log', runId: 'r1', stream: 'info', text: 'x'.repeat(LINE_MAX + 50) });
    rec.add({ type: 'resource', runId: 'r1', machine: 'web', resource: ref, status: 'changed', changes: [{ field: 'content', summary: 's', diff: 'd'.repeat(DIFF_MAX * 2) }] });
    const d = rec.detail(false);
    expect(d.log[0]!.text.length).toBeLessThan(LINE_MAX + 40);
    expect(d.log[0]!.text).toMatch(/… \(50 more characters\)$/);
    expect(d.resources[0]!.changes[0]!.diff!.length).toBeLessThan(DIFF_MAX + 40);
  });

  it('keeps the resources that were not ok, with the last status each had, and the result', () => {
    const rec = new RunRecorder(record('p1', 'plan'));
    rec.add({ type: 'run-start', runId: 'p1', kind: 'plan', profile: 'shop', profileFile: '/s.yaml', machines: ['web'], at: '' });
    rec.add({ type: 'resource', runId: 'p1', machine: 'web', resource: ref, status: 'pending', changes: [{ field: 'mode', summary: 'mode 0644 → 0600' }] });
    rec.add({ type: 'resource', runId: 'p1', machine: 'web', resource: { ...ref, id: 'package:nginx', kind: 'package', name: 'nginx' }, status: 'ok', changes: [] });
    rec.add({ type: 'machine', runId: 'p1', machine: 'db', phase: 'provision', status: 'failed', error: { name: 'E', message: 'gone' } });
    rec.add({ type: 'run-end', runId: 'p1', kind: 'plan', profile: 'shop', ok: true, summary: { ok: 1, changed: 0, pending: 1, failed: 0 }, durationMs: 42 });
    const d = rec.detail(false);
    expect(d.record).toMatchObject({ profile: 'shop', profileFile: '/s.yaml', ok: true, durationMs: 42 });
    expect(d.resources.map((r) => `${r.status} ${r.resource.name}`)).toEqual(['pending /etc/x']);
    expect(d.machineErrors).toEqual([{ machine: 'db', error: { name: 'E', message: 'gone' } }]);
    expect(d.planId).toBe('p1');
  });

  it('is written and read back by id, and a crafted id reads nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pl-hist-'));
    const store = new RunHistoryStore(dir);
    const rec = new RunRecorder(record('abc123'));
    rec.add({ type: 'log', runId: 'abc123', stream: 'info', text: 'hello' });
    await store.save(rec.detail(false));
    expect((await store.get('abc123'))?.log.map((l) => l.text)).toEqual(['hello']);
    expect(await store.get('../state')).toBeNull();
    expect(await store.get('nope')).toBeNull();
  });
});
