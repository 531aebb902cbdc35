// Drift: check a profile's machines against the profile or a production baseline, filter the findings,
// see expected vs actual (and the diff for files), and reconcile in one click.

import { useEffect, useEffectEvent, useMemo, useRef, useState } from 'react';
import type { ProfileDetail } from '../../../shared/api';
import type { DriftFinding } from '../../../shared/report';
import { api } from '../lib/api';
import { useAction, useLoad } from '../lib/hooks';
import { runStore } from '../state/app-state';
import { countByStatus, defaultFilter, DRIFT_LABELS, DRIFT_STATUSES, filterFindings, findingDiff, toggleStatus } from '../state/drift-filters';
import { DiffView } from './DiffView';
import { ErrorBox } from './ErrorBox';
import { RunPanel } from './RunPanel';

function dirOf(file: string): string {
  return file.replace(/[\\/][^\\/]*$/, '');
}

export function DriftView({ detail, version }: { detail: ProfileDetail; version: number }) {
  const { profile } = detail;
  const file = profile.file;
  const production = profile.role === 'production';
  const last = useLoad(() => api.call('drift:last', { file }), [file]);
  const baselines = useLoad(() => api.call('baselines:list', undefined), []);
  const [against, setAgainst] = useState<'profile' | 'baseline'>('profile');
  const [baseline, setBaseline] = useState('');
  const [capturePath, setCapturePath] = useState(`${dirOf(file)}/${profile.name}.baseline.yaml`);
  const [filter, setFilter] = useState(defaultFilter);
  const [selected, setSelected] = useState<DriftFinding | null>(null);
  const start = useAction((kind: 'drift' | 'reconcile' | 'capture' | 'up', b?: string) =>
    api.call('runs:start', { kind, file, ...(b ? { baseline: b } : {}) }),
  );
  const baselineArg = against === 'baseline' && baseline ? baseline : undefined;

  // When a check ends, load the full report (it has the machines that could not be checked); when a
  // reconcile ends well, check again so the table shows the result.
  // Reconciling with the profile is applying it (`up`); with a baseline it is the engine's `reconcile`
  // (production's values put into the profile, then applied). Either way, check again when it ends.
  // The run can end before runs:start has even answered, so a flag, not the run id, says it was ours.
  const reconciling = useRef(false);
  const reconcile = () => {
    reconciling.current = true;
    void start.run(baselineArg ? 'reconcile' : 'up', baselineArg).then((r) => {
      if (!r) reconciling.current = false;
    });
  };
  const onEnd = useEffectEvent((ok: boolean, kind: string, profileFile: string) => {
    if (profileFile !== file) return;
    if (kind === 'drift') last.reload();
    if ((kind === 'reconcile' || kind === 'up') && reconciling.current) {
      reconciling.current = false;
      if (ok) void start.run('drift', baselineArg);
    }
  });
  useEffect(() => runStore.onRunEnd((end, run) => onEnd(end.ok, run.kind, run.profileFile)), []);

  const liveRun = runStore.latestDriftRun(file);
  const latest = runStore.latestRun(file);
  const running = latest && !latest.end ? latest : undefined;
  const report = last.data;
  // While a check runs its findings stream in; afterwards the stored report is the complete answer.
  const findings = liveRun && !liveRun.end ? liveRun.findings : (report?.findings ?? liveRun?.findings ?? []);
  const counts = useMemo(() => countByStatus(findings), [findings, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const shown = filterFindings(findings, filter);
  const checked = !!report || !!liveRun?.end;
  const notInSync = counts.drifted + counts.missing + counts.extra;


  return (
    <div className="drift">
      <fieldset className="drift-against">
        <legend>Compare against</legend>
        <label>
          <input type="radio" name="against" checked={against === 'profile'} onChange={() => setAgainst('profile')} /> The profile
        </label>
        <label>
          <input type="radio" name="against" checked={against === 'baseline'} onChange={() => setAgainst('baseline')} /> A production
          baseline
        </label>
        {against === 'baseline' && (
          <>
            <input
              aria-label="Baseline file"
              list="baseline-files"
              placeholder="/path/to/prod.baseline.yaml"
              value={baseline}
              onChange={(e) => setBaseline(e.target.value)}
            />
            <datalist id="baseline-files">
              {(baselines.data ?? []).map((b) => (
                <option key={b.file} value={b.file}>
                  {b.hosts.join(', ')}
                </option>
              ))}
            </datalist>
          </>
        )}
        <button type="button" onClick={() => void start.run('drift', baselineArg)} disabled={!!running || (against === 'baseline' && !baseline)}>
          Check drift
        </button>
        <button type="button" onClick={reconcile} disabled={production || !!running || !checked || notInSync === 0}>
          Reconcile
        </button>
      </fieldset>

      {production && (
        <fieldset className="drift-capture">
          <legend>Capture a baseline (read-only: only probes run on production)</legend>
          <input aria-label="Baseline file to write" value={capturePath} onChange={(e) => setCapturePath(e.target.value)} />
          <button type="button" onClick={() => void start.run('capture', capturePath)} disabled={!!running}>
            Capture baseline
          </button>
        </fieldset>
      )}

      {start.error && <ErrorBox error={start.error} />}
      {last.error && <ErrorBox error={last.error} />}
      {report?.errors.map((e) => <ErrorBox key={e.machine} error={e.error} title={`${e.machine} could not be checked`} />)}

      {checked && !running && (
        <div className={notInSync === 0 ? 'banner banner-ok' : 'banner banner-warn'} role="status" aria-label="Drift summary">
          {notInSync === 0 ? 'In sync' : `${notInSync} finding${notInSync === 1 ? '' : 's'} not in sync`}
          {report && <span className="muted"> — checked {new Date(report.checkedAt).toLocaleString()} against {report.against}</span>}
        </div>
      )}

      <div className="filters" role="group" aria-label="Filter findings by status">
        {DRIFT_STATUSES.map((s) => (
          <button key={s} type="button" aria-pressed={filter.statuses.has(s)} onClick={() => setFilter(toggleStatus(filter, s))}>
            {DRIFT_LABELS[s]} ({counts[s]})
          </button>
        ))}
        <input aria-label="Filter findings" placeholder="Filter by machine or resource" value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} />
      </div>

      <table className="table" aria-label="Drift findings">
        <thead>
          <tr>
            <th>Machine</th>
            <th>Resource</th>
            <th>Status</th>
            <th>Expected</th>
            <th>Actual</th>
            <th>Diff</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((x) => {
            const diff = findingDiff(x);
            return (
              <tr key={`${x.machine}:${x.resource.id}`} className={selected === x ? 'selected' : ''}>
                <td>{x.machine}</td>
                <td>
                  {x.resource.kind} <code>{x.resource.name}</code>
                </td>
                <td>
                  <span className={`drift-status drift-${x.status}`}>{DRIFT_LABELS[x.status]}</span>
                </td>
                <td className="clip">{x.expected ?? x.changes.map((c) => c.after ?? '').filter(Boolean).join(', ')}</td>
                <td className="clip">{x.actual ?? x.changes.map((c) => c.before ?? '').filter(Boolean).join(', ')}</td>
                <td>
                  {diff ? (
                    <button type="button" onClick={() => setSelected(selected === x ? null : x)} aria-label={`Show diff of ${x.resource.name}`}>
                      {selected === x ? 'Hide' : 'Show'}
                    </button>
                  ) : (
                    <span className="muted">{x.changes.map((c) => c.summary).join('; ')}</span>
                  )}
                </td>
              </tr>
            );
          })}
          {shown.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                {checked ? 'Nothing matches these filters.' : 'No check yet: press Check drift.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {selected && findingDiff(selected) && <DiffView diff={findingDiff(selected)!} label={`Diff of ${selected.resource.name}`} />}
      {running && <RunPanel run={running} version={version} />}
    </div>
  );
}
