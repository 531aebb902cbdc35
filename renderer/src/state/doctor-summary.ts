// The first screen's one-line verdict over doctor's checks.

import type { DoctorReport } from '../../../shared/doctor';

export interface DoctorSummary {
  tone: 'ok' | 'warn' | 'fail';
  text: string;
}

export function doctorSummary(report: DoctorReport): DoctorSummary {
  const failing = report.checks.filter((c) => c.status === 'fail');
  const warnings = report.checks.filter((c) => c.status === 'warn').length;
  if (failing.length === 0) {
    return { tone: warnings ? 'warn' : 'ok', text: warnings ? `Ready to run (${warnings} warning${warnings > 1 ? 's' : ''})` : 'Ready to run' };
  }
  const auto = failing.filter((c) => c.fix?.automatic).length;
  const what = `${failing.length} thing${failing.length > 1 ? 's' : ''} missing before profiles can run`;
  const fixable = auto === 0 ? '' : auto === failing.length ? ': Fix does it' : `: Fix does ${auto} of them`;
  return { tone: 'fail', text: what + fixable };
}
