// Words for scheduled drift: the choices of the per-profile "Check for drift" setting, what the last
// check found, when the next one is, and how a notice shows. Pure: no React, no API.

import type { DriftCheck, DriftNotice, DriftSchedule } from '../../../shared/agent';

export interface EveryChoice {
  /** What the API takes: "off", "15m", … */
  value: string;
  label: string;
}

export const EVERY_CHOICES: readonly EveryChoice[] = [
  { value: 'off', label: 'Off' },
  { value: '15m', label: 'Every 15 minutes' },
  { value: '1h', label: 'Hourly' },
  { value: '1d', label: 'Daily' },
];

const UNITS = [
  ['d', 86_400_000, 'day'],
  ['h', 3_600_000, 'hour'],
  ['m', 60_000, 'minute'],
  ['s', 1_000, 'second'],
] as const;

/** An interval as the API writes it: 900000 → "15m" (the largest whole unit). */
export function everyValue(ms: number): string {
  for (const [unit, n] of UNITS) if (ms % n === 0) return `${ms / n}${unit}`;
  return `${ms / 1000}s`;
}

/** The choices, with the schedule's own interval added when it is not one of them (set from the CLI). */
export function everyChoices(ms: number | undefined): EveryChoice[] {
  if (!ms) return [...EVERY_CHOICES];
  const value = everyValue(ms);
  if (EVERY_CHOICES.some((c) => c.value === value)) return [...EVERY_CHOICES];
  const unit = UNITS.find(([u]) => value.endsWith(u))!;
  const n = Number(value.slice(0, -1));
  return [...EVERY_CHOICES, { value, label: `Every ${n === 1 ? unit[2] : `${n} ${unit[2]}s`}` }];
}

/** The app's schedule of a profile: the first of its schedules (the CLI can set more than one). */
export function scheduleOf(list: readonly DriftSchedule[] | null | undefined, file: string): DriftSchedule | undefined {
  return list?.find((s) => s.file === file);
}

/** "In sync", "3 findings not in sync", "Could not be checked (1 error)". */
export function checkWords(c: Pick<DriftCheck, 'state' | 'drifted' | 'errors'>): string {
  if (c.state === 'in-sync') return 'In sync';
  if (c.state === 'drift') return `${c.drifted} finding${c.drifted === 1 ? '' : 's'} not in sync`;
  return `Could not be checked (${c.errors} error${c.errors === 1 ? '' : 's'})`;
}

/** How far off a time is, roughly: "in 14 min", "in 5 s", "now"; past times say "now" (a check is due). */
export function untilWords(at: string, now: number): string {
  const ms = Date.parse(at) - now;
  if (!(ms > 500)) return 'now';
  const s = Math.round(ms / 1000);
  if (s < 60) return `in ${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `in ${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `in ${h} h` : `in ${Math.round(h / 24)} days`;
}

export interface NoticeView {
  /** Drift or an error interrupts (role=alert); back in sync is polite (role=status). */
  role: 'alert' | 'status';
  tone: 'ok' | 'warn' | 'fail';
  /** "Drifted", "Back in sync", "Could not be checked". */
  title: string;
  text: string;
}

export function noticeView(n: DriftNotice): NoticeView {
  const state = n.check.state;
  if (state === 'in-sync') return { role: 'status', tone: 'ok', title: 'Back in sync', text: n.message };
  if (state === 'drift') return { role: 'alert', tone: 'warn', title: 'Drifted', text: n.message };
  return { role: 'alert', tone: 'fail', title: 'Could not be checked', text: n.message };
}

/** Notices on screen, newest first; one per profile (a newer one replaces it), at most `max`. */
export function addNotice<T extends { notice: DriftNotice }>(list: readonly T[], item: T, max = 4): T[] {
  return [item, ...list.filter((x) => x.notice.file !== item.notice.file)].slice(0, max);
}
