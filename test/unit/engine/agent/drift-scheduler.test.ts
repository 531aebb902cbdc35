import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DriftNotice } from '../../../../shared/agent.js';
import type { DriftReport, RunResult } from '../../../../shared/report.js';
import { checkOf, DriftScheduler, formatEvery, noticeFor, parseEvery } from '../../../../electron/engine/agent/drift-scheduler.js';

const report = (drifted: number, errors = 0, runId = 'r1'): DriftReport => ({
  runId,
  profile: 'shop-dev',
  profileFile: '/p/dev.yaml',
  against: 'profile',
  checkedAt: '2026-01-01T00:00:00Z',
  durationMs: 5,
  findings: [
    { machine: 'web', resource: { kind: 'file', name: '/a' }, status: 'in-sync', changes: [] },
    ...Array.from({ length: drifted }, (_, i) => ({ machine: 'web', resource: { kind: 'file', name: `/d${i}` }, status: 'drifted' as const, changes: [] })),
    { machine: 'web', resource: { kind: 'command', name: 'x' }, status: 'not-checked', changes: [] },
  ],
  errors: Array.from({ length: errors }, () => ({ machine: 'db', error: { name: 'E', message: 'unreachable' } })),
  inSync: drifted === 0 && errors === 0,
}) as unknown as DriftReport;

describe('parseEvery', () => {
  it('reads s, m, h and d, and off', () => {
    expect(parseEvery('30s')).toBe(30_000);
    expect(parseEvery('15m')).toBe(900_000);
    expect(parseEvery('1.5h')).toBe(5_400_000);
    expect(parseEvery('1d')).toBe(86_400_000);
    expect(parseEvery('off')).toBe(0);
  });
  it('refuses what it cannot read, and intervals under 5 s, saying what it takes', () => {
    expect(() => parseEvery('15')).toThrow('expected a duration like 30s, 15m, 1h or 1d, or off');
    expect(() => parseEvery('often')).toThrow('--every often');
    expect(() => parseEvery('4s')).toThrow('the shortest interval is 5s');
  });
  it('formats back to the largest whole unit', () => {
    expect(formatEvery(900_000)).toBe('15m');
    expect(formatEvery(3_600_000)).toBe('1h');
    expect(formatEvery(90_000)).toBe('90s');
  });
});

describe('checkOf and noticeFor', () => {
  it('counts drift as the engine does (not-checked is not drift) and errors first', () => {
    expect(checkOf(report(0), 't')).toMatchObject({ state: 'in-sync', drifted: 0 });
    expect(checkOf(report(2), 't')).toMatchObject({ state: 'drift', drifted: 2 });
    expect(checkOf(report(2, 1), 't')).toMatchObject({ state: 'error', errors: 1 });
    const failed = { runId: 'x', ok: false } as RunResult;
    expect(checkOf(failed, 't')).toMatchObject({ state: 'error' });
  });
  const s = { profile: 'shop-dev', file: '/p/dev.yaml' };
  it('says nothing when the state did not change, nor for a first check in sync', () => {
    expect(noticeFor(s, undefined, checkOf(report(0), 't'))).toBeUndefined();
    expect(noticeFor(s, 'drift', checkOf(report(3), 't'))).toBeUndefined();
  });
  it('says when drift appears, goes away, or the machines cannot be checked', () => {
    expect(noticeFor(s, undefined, checkOf(report(3), 't'))?.message).toBe('shop-dev drifted: 3 finding(s) differ from its profile');
    expect(noticeFor({ ...s, against: '/b.yaml' }, 'in-sync', checkOf(report(1), 't'))?.message).toBe('shop-dev drifted: 1 finding(s) differ from the baseline');
    expect(noticeFor(s, 'drift', checkOf(report(0), 't'))).toMatchObject({ previous: 'drift', message: 'shop-dev is back in sync' });
    expect(noticeFor(s, 'in-sync', checkOf(report(0, 2), 't'))?.message).toBe('shop-dev could not be checked: 2 error(s)');
  });
});

describe('DriftScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks now, then every interval, and notifies only on changes', async () => {
    const results = [report(0), report(0), report(2), report(2), report(0)];
    const check = vi.fn(async () => results.shift()!);
    const notices: DriftNotice[] = [];
    const sch = new DriftScheduler({ check, notify: (n) => notices.push(n) });
    await sch.set({ file: '/p/dev.yaml', profile: 'shop-dev', everyMs: 60_000 });
    await vi.advanceTimersByTimeAsync(1);
    expect(check).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(check).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(4 * 60_000);
    expect(check).toHaveBeenCalledTimes(5);
    expect(notices.map((n) => n.check.state)).toEqual(['drift', 'in-sync']);
    expect(sch.list()[0]!.last).toMatchObject({ state: 'in-sync' });
    await sch.close();
  });

  it('never runs two checks of one schedule at once: a slow check pushes the next one back', async () => {
    let running = 0;
    let most = 0;
    const check = vi.fn(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 90_000));
      running--;
      return report(0);
    });
    const sch = new DriftScheduler({ check, notify: () => undefined });
    await sch.set({ file: '/p/dev.yaml', profile: 'shop-dev', everyMs: 60_000 });
    await vi.advanceTimersByTimeAsync(300_000);
    expect(most).toBe(1);
    expect(check.mock.calls.length).toBeLessThanOrEqual(4);
    await sch.remove('/p/dev.yaml');
    await vi.advanceTimersByTimeAsync(300_000);
  });

  it('remove stops it; a check that throws is a warning and the schedule goes on', async () => {
    const warn = vi.fn();
    const check = vi.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValue(report(0));
    const sch = new DriftScheduler({ check, notify: () => undefined, warn });
    await sch.set({ file: '/p/dev.yaml', profile: 'shop-dev', everyMs: 10_000 });
    await vi.advanceTimersByTimeAsync(10_001);
    expect(warn).toHaveBeenCalledWith('scheduled drift of shop-dev: boom');
    expect(check).toHaveBeenCalledTimes(2);
    expect((await sch.remove('/p/dev.yaml')).length).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(check).toHaveBeenCalledTimes(2);
    expect(sch.size).toBe(0);
  });

  it('tells its listeners of each notice and each check; a listener that throws is a warning, not a stop', async () => {
    const results = [report(0), report(3)];
    const warn = vi.fn();
    const sch = new DriftScheduler({ check: async () => results.shift() ?? report(3), notify: () => undefined, warn });
    const notices: string[] = [];
    const checks: (string | undefined)[] = [];
    sch.onNotice(() => {
      throw new Error('listener broke');
    });
    const off = sch.onNotice((n) => notices.push(n.message));
    sch.onCheck((s) => checks.push(s.last?.state));
    await sch.set({ file: '/p/dev.yaml', profile: 'shop-dev', everyMs: 10_000 });
    await vi.advanceTimersByTimeAsync(10_001);
    expect(checks).toEqual(['in-sync', 'drift']);
    expect(notices).toEqual(['shop-dev drifted: 3 finding(s) differ from its profile']);
    expect(warn).toHaveBeenCalledWith('a drift schedule listener failed: listener broke');
    off();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(checks).toHaveLength(3);
    expect(notices).toHaveLength(1);
    await sch.close();
  });

  it('keeps the list in a file that a new scheduler loads (with its last state)', async () => {
    vi.useRealTimers();
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pl-sched-')), 'drift-schedules.json');
    const first = new DriftScheduler({ file, check: async () => report(1), notify: () => undefined });
    await first.set({ file: '/p/dev.yaml', profile: 'shop-dev', everyMs: 3_600_000, against: '/b/prod.yaml' });
    await new Promise((r) => setTimeout(r, 50));
    await first.close();
    const kept = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
    expect(kept).toMatchObject([{ file: '/p/dev.yaml', against: '/b/prod.yaml', everyMs: 3_600_000, last: { state: 'drift', drifted: 1 } }]);
    const notices: DriftNotice[] = [];
    const second = new DriftScheduler({ file, check: async () => report(0), notify: (n) => notices.push(n) });
    await second.load();
    expect(second.list()).toMatchObject([{ profile: 'shop-dev', last: { state: 'drift' } }]);
    await second.close();
  });
});
