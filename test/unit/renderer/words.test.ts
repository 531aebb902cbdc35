import { describe, expect, it } from 'vitest';
import { detailWords, formatElapsed, machineStepWords, recordSummary, resourceDoing, runEndWords, runStartWords } from '../../../renderer/src/state/words';

describe('state words', () => {
  it('says what a machine does in a person\'s words, never the engine\'s', () => {
    expect(machineStepWords({})).toBe('waiting');
    expect(machineStepWords({ phase: 'probe', status: 'start' })).toBe('checking its state');
    expect(machineStepWords({ phase: 'image', status: 'done', detail: 'present' })).toBe('image already here');
    expect(machineStepWords({ phase: 'provision', status: 'done', detail: 'kept' })).toBe('already running, unchanged');
    expect(machineStepWords({ phase: 'provision', status: 'done', detail: 'started' })).toBe('started again');
    expect(machineStepWords({ phase: 'provision', status: 'failed' })).toBe('failed while starting');
    for (const phase of ['image', 'provision', 'probe', 'apply', 'verify', 'stop', 'remove'] as const) {
      for (const status of ['start', 'done', 'failed'] as const) {
        const w = machineStepWords({ phase, status });
        expect(w).not.toMatch(/probe|provision|kept|present/);
      }
    }
  });

  it('names the resource being applied: "installing postgresql-15"', () => {
    expect(machineStepWords({ phase: 'apply', status: 'start', current: { kind: 'package', name: 'postgresql-15' } })).toBe('installing postgresql-15');
    expect(resourceDoing('file', '/etc/app.conf')).toBe('writing /etc/app.conf');
    expect(resourceDoing('command', 'make build')).toBe('running make build');
    // Outside apply the phase speaks, not the resource.
    expect(machineStepWords({ phase: 'probe', status: 'start', current: { kind: 'package', name: 'x' } })).toBe('checking its state');
  });

  it('keeps the cause of a recreate and rephrases a cached start', () => {
    expect(detailWords('recreated (image changed)')).toBe('recreated (image changed)');
    expect(detailWords('created from cache (saved 2026-01-01 10:00, 3 of 5 resources)')).toBe('created from cache (saved 2026-01-01 10:00, 3 of 5 resources)');
    expect(detailWords('kept from cache (x)')).toBe('already running, unchanged from cache (x)');
  });

  it('formats elapsed times', () => {
    expect(formatElapsed(4200)).toBe('4.2 s');
    expect(formatElapsed(65_000)).toBe('1 min 05 s');
    expect(formatElapsed(3_720_000)).toBe('1 h 02 min');
    expect(formatElapsed(-5)).toBe('0.0 s');
  });

  it('announces a run as one sentence', () => {
    expect(runStartWords('up', 'shop-dev')).toBe('Set up of shop-dev started');
    expect(runEndWords('up', 'shop-dev', true, { ok: 3, changed: 2, pending: 0, failed: 0 }, 12_300)).toBe('Set up of shop-dev succeeded in 12.3 s: 2 changed');
    expect(runEndWords('plan', 'p', true, { ok: 1, changed: 0, pending: 1, failed: 0 }, 800)).toBe('Plan of p succeeded in 0.8 s: 1 would change');
    expect(runEndWords('use', 'p', false, { ok: 0, changed: 0, pending: 0, failed: 1 }, 1000)).toBe('Switch of p failed in 1.0 s: 1 failed');
  });
});

describe('a history line', () => {
  const rec = (kind: 'up' | 'drift', summary: { ok: number; changed: number; pending: number; failed: number; skipped?: number }, drifted?: number) => ({
    runId: 'r', kind, profile: 'p', profileFile: '/p.yaml', ok: true, startedAt: '', durationMs: 1, summary, ...(drifted !== undefined ? { drifted } : {}),
  });
  it('says what the run did', () => {
    expect(recordSummary(rec('up', { ok: 3, changed: 2, pending: 0, failed: 1 }))).toBe('2 changed · 1 failed');
    expect(recordSummary(rec('up', { ok: 3, changed: 0, pending: 0, failed: 0 }))).toBe('3 up to date');
    expect(recordSummary(rec('drift', { ok: 0, changed: 0, pending: 0, failed: 0 }, 2))).toBe('2 not in sync');
    expect(recordSummary(rec('drift', { ok: 0, changed: 0, pending: 0, failed: 0 }, 0))).toBe('in sync');
  });
});

describe('a failed run in the history', () => {
  it('says why when nothing was counted', () => {
    const r = { runId: 'r', kind: 'up' as const, profile: 'p', profileFile: '/p.yaml', ok: false, startedAt: '', durationMs: 1, summary: { ok: 0, changed: 0, pending: 0, failed: 0 } };
    expect(recordSummary(r)).toBe('nothing applied');
    expect(recordSummary({ ...r, error: { name: 'E', message: 'the machines changed since plan x was made\nmore' } })).toBe('the machines changed since plan x was made');
  });
});
