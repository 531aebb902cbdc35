// The per-profile "Check for drift" setting: off, every 15 minutes, hourly or daily, against the profile
// or a production baseline; with the last scheduled check (when, what it found, its run in the history)
// and the next one. The schedule lives in the engine host (it runs with the window closed); this only
// reads and sets it, and reads it again when the host says it changed.

import { useEffect, useState } from 'react';
import type { DriftSchedule as Schedule } from '../../../shared/agent';
import { api } from '../lib/api';
import { useNow } from '../lib/clock';
import { useAction, useLoad } from '../lib/hooks';
import { notificationsAvailable, useNotifyPermission } from '../lib/notify';
import { checkWords, everyChoices, everyValue, scheduleOf, untilWords } from '../state/drift-schedule';
import { ErrorBox } from './ErrorBox';

export function DriftSchedule({ file, onOpenRun }: { file: string; onOpenRun(runId: string): void }) {
  const schedules = useLoad(() => api.call('drift:schedules', undefined), [file]);
  const baselines = useLoad(() => api.call('baselines:list', undefined), []);
  const { reload } = schedules;
  useEffect(() => api.subscribe((p) => p.type === 'drift-schedule' && p.file === file && reload()), [reload, file]);
  const current: Schedule | undefined = scheduleOf(schedules.data, file);
  // The target chosen while the setting is off (it is used when an interval is picked).
  const [target, setTarget] = useState('');
  const against = current ? (current.against ?? '') : target;
  const set = useAction(async (every: string, to: string) => {
    await api.call('drift:schedule-set', { file, every, ...(to ? { against: to } : {}) });
    reload();
  });
  const [permission, askPermission] = useNotifyPermission();
  const now = useNow(!!current);
  const every = current ? everyValue(current.everyMs) : 'off';
  const last = current?.last;

  return (
    <fieldset className="drift-schedule">
      <legend>Check for drift automatically</legend>
      <label>
        Check for drift{' '}
        <select aria-label="Check for drift" value={every} disabled={set.busy || schedules.loading} onChange={(e) => void set.run(e.target.value, against)}>
          {everyChoices(current?.everyMs).map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        against{' '}
        <select
          aria-label="Check against"
          value={against}
          disabled={set.busy}
          onChange={(e) => {
            setTarget(e.target.value);
            if (current) void set.run(every, e.target.value);
          }}
        >
          <option value="">the profile</option>
          {(baselines.data ?? []).map((b) => (
            <option key={b.file} value={b.file} title={b.file}>
              baseline {b.file.replace(/^.*[\\/]/, '')} ({b.hosts.join(', ') || 'no hosts'})
            </option>
          ))}
        </select>
      </label>
      {current && (
        <div className="schedule-state" data-testid="schedule-state">
          {last ? (
            <span data-testid="schedule-last">
              Last check: {new Date(last.at).toLocaleString()} —{' '}
              <span className={last.state === 'in-sync' ? 'ok-text' : 'bad-text'}>{checkWords(last)}</span>{' '}
              <button type="button" className="link-button" onClick={() => onOpenRun(last.runId)}>
                Open in history
              </button>
            </span>
          ) : (
            <span className="muted">No check yet.</span>
          )}
          <span className="muted" data-testid="schedule-next">
            Next check: {new Date(current.nextAt).toLocaleTimeString()} ({untilWords(current.nextAt, now)})
          </span>
        </div>
      )}
      {current && notificationsAvailable() && permission === 'default' && (
        <button type="button" className="icon-button" onClick={() => void askPermission()} title="When drift appears or goes away, also show a notification on this desktop">
          Also notify me on this desktop
        </button>
      )}
      {set.error && <ErrorBox error={set.error} title="The schedule was not changed" />}
      {schedules.error && <ErrorBox error={schedules.error} title="Scheduled checks could not be read" />}
    </fieldset>
  );
}
