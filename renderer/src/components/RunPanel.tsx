// A run as it happens: one row per machine (what it is doing, resources done of total, elapsed, a bar),
// the run's elapsed time, Cancel, and the log. While the run goes on the panel is pinned to the top of
// the view (styles: .run-panel-live), so it never sits below the fold.

import type { Profile } from '../../../shared/profile';
import type { RunView } from '../state/run-store';
import { api } from '../lib/api';
import { useNow } from '../lib/clock';
import { useAction } from '../lib/hooks';
import { groupErrors, groupTitle } from '../state/errors';
import { machineProgress } from '../state/run-progress';
import { formatElapsed, RUN_LABEL } from '../state/words';
import { ErrorBox } from './ErrorBox';
import { LogPane } from './LogPane';
import { notificationsAvailable, useNotifyPermission } from '../lib/notify';
import { PlanChanges } from './PlanChanges';

function Elapsed({ from, to, label }: { from?: number; to?: number; label?: string }) {
  const now = useNow(from !== undefined && to === undefined);
  if (from === undefined) return <span className="elapsed muted">—</span>;
  const ms = (to ?? Math.max(now, from)) - from;
  return (
    <span className="elapsed" aria-label={label ? `${label} ${formatElapsed(ms)}` : undefined}>
      {formatElapsed(ms)}
    </span>
  );
}

export function RunPanel({ run, version, profile }: { run: RunView; version: number; profile?: Profile | null }) {
  const cancel = useAction(() => api.call('runs:cancel', { runId: run.runId }));
  const [permission, askPermission] = useNotifyPermission();
  const end = run.end;
  const state = !end ? 'running' : end.ok ? 'succeeded' : 'failed';
  const rows = machineProgress(run, profile);
  const errors = groupErrors([...[...run.machines.values()].map((m) => ({ who: m.name, error: m.error })), { who: 'the run', error: end?.error }]);
  const label = RUN_LABEL[run.kind] ?? run.kind;
  return (
    <section className={`run-panel${end ? '' : ' run-panel-live'}`} aria-label="Run">
      <header className="run-head">
        <h3>
          {label} <span className={`run-state run-${state}`}>{state}</span>
          <Elapsed from={run.startedMs} to={end ? run.startedMs + end.durationMs : undefined} label="Run time" />
        </h3>
        {end && (
          <span className="muted run-summary">
            {end.summary.ok} up to date · {end.summary.changed} changed · {end.summary.pending} would change · {end.summary.failed} failed
            {end.summary.skipped ? ` · ${end.summary.skipped} skipped` : ''}
          </span>
        )}
        {!end && (
          <span className="run-buttons">
            {notificationsAvailable() && permission === 'default' && (
              <button type="button" onClick={() => void askPermission()} title="A desktop notification when a run that takes more than 10 seconds ends">
                Notify me when done
              </button>
            )}
            <button type="button" onClick={() => void cancel.run()} disabled={cancel.busy} title="Stop after the step that is running now; nothing half-applied is kept as done">
              {cancel.busy ? 'Cancelling…' : 'Cancel'}
            </button>
          </span>
        )}
      </header>
      {errors.map((g) => (
        <ErrorBox key={`${g.error.message}\u0000${g.error.where ?? ''}`} error={g.error} title={groupTitle(g)} />
      ))}
      {cancel.error && <ErrorBox error={cancel.error} title="Could not cancel" />}
      <table className="machine-progress" aria-label="Machine progress">
        <tbody>
          {rows.map((m) => {
            const fraction = m.total > 0 ? m.done / m.total : m.finished ? 1 : undefined;
            return (
              <tr key={m.name} className={`mp${m.failed ? ' mp-failed' : ''}`} data-testid={`progress-${m.name}`}>
                <th scope="row">{m.name}</th>
                <td className="mp-words">{m.words}</td>
                <td className="mp-count">{m.total > 0 ? `${m.done} / ${m.total}` : ''}</td>
                <td className="mp-bar">
                  <progress
                    aria-label={`${m.name} progress`}
                    max={1}
                    {...(fraction !== undefined ? { value: fraction } : {})}
                  />
                </td>
                <td className="mp-time">
                  <Elapsed from={m.startedAt} to={m.endedAt} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {run.kind === 'plan' && end && <PlanChanges run={run} />}
      <LogPane log={run.log} version={version} machines={[...run.machines.keys()]} done={!!end} />
    </section>
  );
}
