import { describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../../shared/doctor';
import { doctorSummary } from '../../../renderer/src/state/doctor-summary';

const c = (status: DoctorCheck['status'], automatic?: boolean): DoctorCheck => ({ id: Math.random().toString(), title: 't', status, detail: 'd', ...(automatic === undefined ? {} : { fix: { description: 'f', command: 'x', automatic } }) });

describe('the first screen verdict over doctor checks', () => {
  it('is ready when nothing fails, and counts warnings', () => {
    expect(doctorSummary({ ok: true, checks: [c('ok')] })).toEqual({ tone: 'ok', text: 'Ready to run' });
    expect(doctorSummary({ ok: true, checks: [c('ok'), c('warn', false)] })).toEqual({ tone: 'warn', text: 'Ready to run (1 warning)' });
  });
  it('says how many things are missing and whether Fix can do them', () => {
    expect(doctorSummary({ ok: false, checks: [c('fail', true), c('fail', true)] }).text).toBe('2 things missing before profiles can run: Fix does it');
    expect(doctorSummary({ ok: false, checks: [c('fail', true), c('fail', false)] }).text).toBe('2 things missing before profiles can run: Fix does 1 of them');
    expect(doctorSummary({ ok: false, checks: [c('fail', false)] })).toEqual({ tone: 'fail', text: '1 thing missing before profiles can run' });
  });
});
