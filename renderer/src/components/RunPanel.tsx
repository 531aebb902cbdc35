// A run as it happens: overall state, per-machine progress, the log, and Cancel.

import type { RunView } from '../state/run-store';
import { api } from '../lib/api';
import { useAction } from '../lib/hooks';
import { ErrorBox } from './ErrorBox';
import { LogPane } from './LogPane';

const KIND_LABEL: Record<string, string> = {
  up: 'Set up',
  plan: 'Plan',
  down: 'Stop',
  destroy: 'Destroy',
  use: 'Switch',
  drift: 'Drift check',
  capture: 'Capture baseline',
  reconcile: 'Reconcile',
};

export function RunPanel({ run, version }: { run: RunView; version: number }) {
  const cancel = useAction(() => api.call('runs:cancel', { runId: run.runId }));
  const end = run.end;
  const state = !end ? 'running' : end.ok ? 'succeeded' : 'failed';
  return (
    <section className="run-panel" aria-label="Run">
      <header className="run-head">
        <h3>
          {KIND_LABEL[run.kind] ?? run.kind} <span className={`run-state run-${state}`}>{state}</span>
        </h3>
        {end && (
          <span className="muted">
            {end.summary.ok} ok · {end.summary.changed} changed · {end.summary.pending} pending · {end.summary.failed} failed ·{' '}
            {(end.durationMs / 1000).toFixed(1)} s
          </span>
        )}
        {!end && (
          <button type="button" onClick={() => void cancel.run()} disabled={cancel.busy}>
            Cancel
          </button>
        )}
      </header>
      {end?.error && <ErrorBox error={end.error} title="The run failed" />}
      {cancel.error && <ErrorBox error={cancel.error} />}
      <ul className="machine-progress" aria-label="Machine progress">
        {[...run.machines.values()].map((m) => {
          const p = run.progress.get(m.name);
          return (
            <li key={m.name} className={`mp mp-${m.status ?? 'waiting'}`}>
              <strong>{m.name}</strong> <span>{m.phase ?? 'waiting'}</span> <span className="muted">{m.status === 'start' ? '…' : m.status ?? ''}</span>{' '}
              {m.detail && <span className="muted">{m.detail}</span>}
              {p && (
                <span className="muted">
                  {' '}
                  {p.task}
                  {p.total ? ` ${Math.round(((p.current ?? 0) / p.total) * 100)}%` : ''}
                </span>
              )}
              {m.error && <ErrorBox error={m.error} title={`${m.name} failed`} />}
            </li>
          );
        })}
      </ul>
      <LogPane log={run.log} version={version} />
    </section>
  );
}
