// What a plan found, as the CLI prints it: each resource that would change, with its changes and, for
// files, the diff; and "Apply this plan", which applies exactly that and refuses if a machine changed
// since the plan looked (the engine probes again and compares).

import { useState } from 'react';
import { api } from '../lib/api';
import { useAction } from '../lib/hooks';
import type { RunView } from '../state/run-store';
import { DiffView } from './DiffView';
import { ErrorBox } from './ErrorBox';

export function PlanChanges({ run }: { run: RunView }) {
  const pending = [...run.resources.values()].filter((r) => r.status === 'pending');
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const apply = useAction(() => api.call('runs:start', { kind: 'up', file: run.profileFile, planId: run.runId }));
  const failed = !run.end?.ok;
  const toggle = (k: string) => {
    const n = new Set(open);
    if (n.has(k)) n.delete(k);
    else n.add(k);
    setOpen(n);
  };
  return (
    <section className="plan-changes" aria-label="Plan">
      <div className="plan-head">
        <strong>{pending.length === 0 ? 'Nothing would change.' : `${pending.length} resource${pending.length === 1 ? '' : 's'} would change`}</strong>
        {pending.length > 0 && (
          <button
            type="button"
            className="primary"
            onClick={() => void apply.run()}
            disabled={apply.busy || failed}
            title={failed ? 'The plan did not complete: plan again first' : 'Apply exactly these changes. If a machine changed since this plan, nothing is applied and you are told what differs.'}
          >
            Apply this plan
          </button>
        )}
      </div>
      {apply.error && <ErrorBox error={apply.error} title="The plan was not applied" />}
      <ul className="plan-list">
        {pending.map((r) => {
          const k = `${r.machine}\u0000${r.ref.id}`;
          const diff = r.changes.find((c) => c.diff)?.diff;
          return (
            <li key={k}>
              <div>
                <span className="muted">{r.machine}</span> {r.ref.kind} <code>{r.ref.name}</code>
                {diff && (
                  <button type="button" className="icon-button" aria-expanded={open.has(k)} aria-label={`${open.has(k) ? 'Hide' : 'Show'} diff of ${r.ref.name}`} onClick={() => toggle(k)}>
                    {open.has(k) ? 'Hide diff' : 'Diff'}
                  </button>
                )}
              </div>
              <ul className="plan-summaries">
                {r.changes.map((c, i) => (
                  <li key={i}>{c.summary.replace(/;?\s*sha256 [0-9a-f]+…?(?:\s*→\s*[0-9a-f]+…?)?/g, '')}</li>
                ))}
              </ul>
              {diff && open.has(k) && <DiffView diff={diff} label={`Diff of ${r.ref.name}`} />}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
