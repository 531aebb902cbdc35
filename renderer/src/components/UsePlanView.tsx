// What a switch will do, shown before it acts: the profiles it stops, the machines it starts, and the
// problems that would make it refuse (then it stops nothing).

import type { UsePlan } from '../../../shared/use-plan';

export function UsePlanView({ plan }: { plan: UsePlan }) {
  return (
    <div className="use-plan" aria-label="Switch plan">
      <p>
        <strong>Stops:</strong>{' '}
        {plan.stop.length === 0 ? (
          <span className="muted">nothing (no other profile is running)</span>
        ) : (
          plan.stop.map((s) => `${s.profile} (${s.machines.join(', ')})`).join('; ')
        )}
        {plan.order === 'stop-first' && <span className="muted"> — first, they share host ports</span>}
      </p>
      <p>
        <strong>Starts {plan.profile}:</strong>{' '}
        {plan.start.map((m) => `${m.machine} (${m.action}${m.detail ? `: ${m.detail}` : ''})`).join(', ') || <span className="muted">no machines</span>}
      </p>
      {plan.problems.length > 0 ? (
        <div className="error-box" role="alert" aria-label="Switch problems">
          <div className="error-title">The switch would stop nothing and refuse:</div>
          <ul>
            {plan.problems.map((p, i) => (
              <li key={i}>
                {p.message}
                {p.hint && <div className="muted">{p.hint}</div>}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="muted">If {plan.profile} fails to come up, the profiles stopped are started again.</p>
      )}
    </div>
  );
}
