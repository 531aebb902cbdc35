// The first screen's checks: what runs need on this machine (Docker engine, base images, disk, SSH
// keys), each problem with its exact fix, and a Fix button where the engine can do it. The click is the
// consent; the engine runs only the fix it decided for that check.

import { useState } from 'react';
import type { DoctorCheck, FixOutcome } from '../../../shared/doctor';
import { api } from '../lib/api';
import { useAction, useLoad } from '../lib/hooks';
import { doctorSummary } from '../state/doctor-summary';
import { ErrorBox } from './ErrorBox';

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

export function DoctorPanel() {
  const checks = useLoad(() => api.call('doctor:check', undefined), []);
  const [report, setReport] = useState<typeof checks.data>(null);
  const [outcomes, setOutcomes] = useState(new Map<string, FixOutcome>());
  const [fixing, setFixing] = useState<string | null>(null);
  const fix = useAction(async (check: DoctorCheck) => {
    setFixing(check.id);
    try {
      const r = await api.call('doctor:fix', { id: check.id });
      setReport(r.report);
      setOutcomes((m) => {
        const next = new Map(m);
        for (const o of r.fixes) next.set(o.id, o);
        return next;
      });
    } finally {
      setFixing(null);
    }
  });
  const shown = report ?? checks.data;

  return (
    <section className="doctor" aria-label="Machine checks">
      <div className="doctor-head">
        <h2>This machine</h2>
        <button type="button" onClick={() => { setReport(null); checks.reload(); }} disabled={!!fixing}>
          Check again
        </button>
      </div>
      {checks.error && <ErrorBox error={checks.error} title="The checks could not run" />}
      {fix.error && <ErrorBox error={fix.error} title="The fix could not run" />}
      {!shown && !checks.error && <p className="muted">Checking the Docker engine, base images, disk space and SSH keys…</p>}
      {shown && (
        <>
          <div className={`banner banner-${doctorSummary(shown).tone}`} role="status">
            {doctorSummary(shown).text}
          </div>
          <ul className="doctor-checks">
            {shown.checks.map((c) => {
              const outcome = outcomes.get(c.id);
              return (
                <li key={c.id} className={`doctor-check doctor-${c.status}`} data-check={c.id}>
                  <span className="doctor-mark" aria-label={c.status}>
                    {MARK[c.status]}
                  </span>
                  <div className="doctor-body">
                    <div className="doctor-title">{c.title}</div>
                    <div className="doctor-detail">{c.detail}</div>
                    {c.status !== 'ok' && c.fix && (
                      <div className="doctor-fix">
                        <span>{c.fix.description}</span>
                        <code>{c.fix.command}</code>
                        {c.status === 'fail' && c.fix.automatic && (
                          <button type="button" onClick={() => void fix.run(c)} disabled={!!fixing} aria-label={`Fix: ${c.title}`}>
                            {fixing === c.id ? 'Fixing…' : 'Fix'}
                          </button>
                        )}
                        {!c.fix.automatic && <span className="muted">Run it in a terminal.</span>}
                      </div>
                    )}
                    {outcome && (
                      <div className={outcome.ok ? 'ok-text' : 'error-inline'}>
                        {outcome.ok ? 'Fixed: ' : 'Fix failed: '}
                        {outcome.message}
                        {!outcome.ok && outcome.log && <pre className="error-stderr">{outcome.log.join('\n')}</pre>}
                      </div>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}
