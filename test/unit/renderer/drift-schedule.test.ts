import { describe, expect, it } from 'vitest';
import type { DriftNotice, DriftSchedule } from '../../../shared/agent';
import { addNotice, checkWords, everyChoices, everyValue, noticeView, scheduleOf, untilWords } from '../../../renderer/src/state/drift-schedule';

const notice = (file: string, state: DriftNotice['check']['state'], message = 'm'): DriftNotice => ({
  type: 'drift-change',
  profile: 'p',
  file,
  check: { runId: 'r', at: 't', state, drifted: state === 'drift' ? 2 : 0, errors: state === 'error' ? 1 : 0 },
  message,
});

describe('the Check for drift setting', () => {
  it('writes an interval in its largest whole unit, as the API takes it', () => {
    expect(everyValue(900_000)).toBe('15m');
    expect(everyValue(3_600_000)).toBe('1h');
    expect(everyValue(86_400_000)).toBe('1d');
    expect(everyValue(5_000)).toBe('5s');
    expect(everyValue(90_000)).toBe('90s');
  });

  it('offers off, 15 min, hourly and daily, plus an interval set elsewhere (the CLI)', () => {
    expect(everyChoices(undefined).map((c) => c.value)).toEqual(['off', '15m', '1h', '1d']);
    expect(everyChoices(3_600_000).map((c) => c.value)).toEqual(['off', '15m', '1h', '1d']);
    expect(everyChoices(5_000).at(-1)).toEqual({ value: '5s', label: 'Every 5 seconds' });
    expect(everyChoices(120_000).at(-1)).toEqual({ value: '2m', label: 'Every 2 minutes' });
    expect(everyChoices(7_200_000).at(-1)).toEqual({ value: '2h', label: 'Every 2 hours' });
    expect(everyChoices(60_000).at(-1)).toEqual({ value: '1m', label: 'Every minute' });
  });

  it("finds the profile's schedule in the list", () => {
    const list = [{ file: '/a.yaml' }, { file: '/b.yaml', everyMs: 1 }] as DriftSchedule[];
    expect(scheduleOf(list, '/b.yaml')?.everyMs).toBe(1);
    expect(scheduleOf(list, '/c.yaml')).toBeUndefined();
    expect(scheduleOf(null, '/a.yaml')).toBeUndefined();
  });

  it('says what the last check found', () => {
    expect(checkWords({ state: 'in-sync', drifted: 0, errors: 0 })).toBe('In sync');
    expect(checkWords({ state: 'drift', drifted: 1, errors: 0 })).toBe('1 finding not in sync');
    expect(checkWords({ state: 'drift', drifted: 3, errors: 0 })).toBe('3 findings not in sync');
    expect(checkWords({ state: 'error', drifted: 0, errors: 2 })).toBe('Could not be checked (2 errors)');
  });

  it('says roughly when the next check is', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(untilWords('2026-01-01T12:00:05Z', now)).toBe('in 5 s');
    expect(untilWords('2026-01-01T12:14:50Z', now)).toBe('in 15 min');
    expect(untilWords('2026-01-01T13:00:00Z', now)).toBe('in 1 h');
    expect(untilWords('2026-01-04T12:00:00Z', now)).toBe('in 3 days');
    expect(untilWords('2026-01-01T11:59:00Z', now)).toBe('now');
    expect(untilWords('not a time', now)).toBe('now');
  });
});

describe('drift notices in the app', () => {
  it('interrupts for drift and errors, and is polite for back in sync', () => {
    expect(noticeView(notice('/a', 'drift', 'a drifted'))).toEqual({ role: 'alert', tone: 'warn', title: 'Drifted', text: 'a drifted' });
    expect(noticeView(notice('/a', 'in-sync'))).toMatchObject({ role: 'status', tone: 'ok', title: 'Back in sync' });
    expect(noticeView(notice('/a', 'error'))).toMatchObject({ role: 'alert', tone: 'fail', title: 'Could not be checked' });
  });

  it("keeps one notice per profile, newest first, at most four", () => {
    let list: { id: number; notice: DriftNotice }[] = [];
    list = addNotice(list, { id: 1, notice: notice('/a', 'drift') });
    list = addNotice(list, { id: 2, notice: notice('/b', 'drift') });
    list = addNotice(list, { id: 3, notice: notice('/a', 'in-sync') });
    expect(list.map((x) => x.id)).toEqual([3, 2]);
    for (let i = 0; i < 6; i++) list = addNotice(list, { id: 10 + i, notice: notice(`/p${i}`, 'drift') });
    expect(list.map((x) => x.id)).toEqual([15, 14, 13, 12]);
  });
});
