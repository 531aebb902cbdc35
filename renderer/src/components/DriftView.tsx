// Drift: check a profile's machines against the profile or a production baseline, filter the findings,
// read what differs (file content as lines, not hashes; the diff inline under its finding), and
// reconcile in one click. Nothing from an older check stays on screen after a newer one.

import { Fragment, useEffect, useEffectEvent, useMemo, useRef, useState } from 'react';
import type { AdoptPreview, ProfileDetail } from '../../../shared/api';
import type { DriftFinding, ErrorInfo } from '../../../shared/report';
import { api } from '../lib/api';
import { useAction, useLoad } from '../lib/hooks';
import { runStore } from '../state/app-state';
import { describeChange, findingKey, hasHashes } from '../state/drift-format';
import { countByStatus, defaultFilter, DRIFT_LABELS, DRIFT_STATUSES, filterFindings, findingDiff, toggleStatus } from '../state/drift-filters';
import { groupErrors, groupTitle } from '../state/errors';
import { ConfirmDialog } from './ConfirmDialog';
import { DiffView } from './DiffView';
import { ErrorBox } from './ErrorBox';
import { RunPanel } from './RunPanel';

function dirOf(file: string): string {
  return file.replace(/[\\/][^\\/]*$/, '');
}

function Values({ x, side, hashes }: { x: DriftFinding; side: 'expected' | 'actual'; hashes: boolean }) {
  if (x.changes.length === 0) return <span className="muted">{(side === 'expected' ? x.expected : x.actual) ?? '—'}</span>;
  return (
    <ul className="values">
      {x.changes.map((c, i) => {
        const v = describeChange(c, hashes);
        return (
          <li key={i}>
            {v.field !== 'state' && <span className="muted">{v.field} </span>}
            <span className={hashes && /^sha256 /.test(v[side]) ? 'hash' : undefined}>{v[side]}</span>
          </li>
        );
      })}
    </ul>
  );
}

type CaptureOutcome = { ok: true; path: string } | { ok: false; error?: ErrorInfo };

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
  // The diffs opened, for one check: a newer check starts with them all closed.
  const [opened, setOpened] = useState<{ check?: string; keys: ReadonlySet<string> }>({ keys: new Set() });
  const [hashes, setHashes] = useState(false);
  const [captured, setCaptured] = useState<CaptureOutcome | null>(null);
  const start = useAction((kind: 'drift' | 'reconcile' | 'capture' | 'up', b?: string) =>
    api.call('runs:start', { kind, file, ...(b ? { baseline: b } : {}) }),
  );
  const capture = useAction((path: string) => api.call('runs:start', { kind: 'capture', file, baseline: path }));
  // One finding: reconcile only it, or take the machine's value into the profile (YAML diff first).
  const reconcileOne = useAction((machine: string, resource: string) => api.call('runs:start', { kind: 'up', file, only: [{ machine, resource }] }));
  const [adoptFor, setAdoptFor] = useState<{ preview: AdoptPreview; name: string } | null>(null);
  const [adopted, setAdopted] = useState<string[] | null>(null);
  const previewAdopt = useAction(async (machine: string, resource: string, name: string) => {
    setAdopted(null);
    setAdoptFor({ preview: await api.call('drift:adopt-preview', { file, machine, resource }), name });
  });
  const applyAdopt = useAction(async (adoptId: string) => {
    const r = await api.call('drift:adopt-apply', { adoptId });
    setAdopted(r.written);
    setAdoptFor(null);
    // The profile now says what the machine has: check again to show it in sync.
    void start.run('drift');
  });
  const baselineArg = against === 'baseline' && baseline ? baseline : undefined;

  // When a check ends, load the full report (it has the machines that could not be checked); when a
  // reconcile ends well, check again so the table shows the result.
  // Reconciling with the profile is applying it (`up`); with a baseline it is the engine's `reconcile`
  // (production's values put into the profile, then applied). Either way, check again when it ends.
  // The run can end before runs:start has even answered, so a flag, not the run id, says it was ours.
  const reconciling = useRef(false);
  const capturing = useRef<string | null>(null);
  const reconcileFinding = (x: DriftFinding) => {
    reconciling.current = true;
    void reconcileOne.run(x.machine, x.resource.id).then((r) => {
      if (!r) reconciling.current = false;
    });
  };
  const reconcile = () => {
    reconciling.current = true;
    void start.run(baselineArg ? 'reconcile' : 'up', baselineArg).then((r) => {
      if (!r) reconciling.current = false;
    });
  };
  const doCapture = () => {
    capturing.current = capturePath;
    setCaptured(null);
    void capture.run(capturePath).then((r) => {
      if (!r) capturing.current = null;
    });
  };
  const onEnd = useEffectEvent((ok: boolean, kind: string, profileFile: string, error?: ErrorInfo) => {
    if (profileFile !== file) return;
    if (kind === 'drift') last.reload();
    if ((kind === 'reconcile' || kind === 'up') && reconciling.current) {
      reconciling.current = false;
      if (ok) void start.run('drift', baselineArg);
    }
    if (kind === 'capture' && capturing.current) {
      setCaptured(ok ? { ok: true, path: capturing.current } : { ok: false, ...(error ? { error } : {}) });
      capturing.current = null;
    }
  });
  useEffect(() => runStore.onRunEnd((end, run) => onEnd(end.ok, run.kind, run.profileFile, end.error)), []);

  const liveRun = runStore.latestDriftRun(file);
  const latest = runStore.latestRun(file);
  const running = latest && !latest.end ? latest : undefined;
  const checking = !!liveRun && !liveRun.end;
  const report = last.data;
  // The stored report is the complete answer, but only once it is the one of the newest check: until it
  // has been read again, the newest check's own findings are shown (never the older report's).
  const reportIsNewest = !!report && (!liveRun || report.runId === liveRun.runId);
  const findings = checking || (liveRun && !reportIsNewest) ? liveRun!.findings : (report?.findings ?? []);
  const counts = useMemo(() => countByStatus(findings), [findings, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const shown = filterFindings(findings, filter);
  const checked = reportIsNewest || !!liveRun?.end;
  const notInSync = counts.drifted + counts.missing + counts.extra;
  const anyHashes = findings.some(hasHashes);
  const checkId = liveRun?.runId ?? report?.runId;
  const open = opened.check === checkId ? opened.keys : new Set<string>();
  const machineErrors = reportIsNewest ? groupErrors((report?.errors ?? []).map((e) => ({ who: e.machine, error: e.error }))) : [];

  const toggle = (k: string) => {
    const n = new Set(open);
    if (n.has(k)) n.delete(k);
    else n.add(k);
    setOpened({ check: checkId, keys: n });
  };

  const emptyText = checking
    ? `Checking ${liveRun!.machines.size} machine${liveRun!.machines.size === 1 ? '' : 's'}…`
    : last.loading && !liveRun
      ? 'Loading the last check…'
      : !checked
        ? 'No check yet: press Check drift to compare the machines with the profile.'
        : findings.length === 0
          ? 'Nothing was checked: this profile has no resources.'
          : notInSync === 0 && filter.statuses.size > 0 && [...filter.statuses].every((s) => s !== 'in-sync' && s !== 'not-checked')
            ? 'Everything is in sync.'
            : 'Nothing matches these filters.';

  return (
    <div className="drift">
      {running && <RunPanel run={running} version={version} profile={profile} />}
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
        <button
          type="button"
          onClick={() => void start.run('drift', baselineArg)}
          disabled={!!running || (against === 'baseline' && !baseline)}
          title={running ? 'A run of this profile is going on: wait for it to end' : against === 'baseline' && !baseline ? 'Pick a baseline file first' : 'Read each machine (read-only) and compare'}
        >
          {checking ? 'Checking…' : 'Check drift'}
        </button>
        <button
          type="button"
          onClick={reconcile}
          disabled={production || !!running || !checked || notInSync === 0}
          title={
            production
              ? 'Production is read-only'
              : !checked
                ? 'Check drift first'
                : notInSync === 0
                  ? 'Nothing to reconcile: everything is in sync'
                  : baselineArg
                    ? "Put production's values into the profile, then apply them"
                    : 'Apply the profile to bring the machines back in line, then check again'
          }
        >
          Reconcile
        </button>
      </fieldset>

      {production && (
        <fieldset className="drift-capture">
          <legend>Capture a baseline (read-only: only probes run on production)</legend>
          <input aria-label="Baseline file to write" value={capturePath} onChange={(e) => setCapturePath(e.target.value)} />
          <button type="button" onClick={doCapture} disabled={!!running || capture.busy}>
            {capture.busy || (running && running.kind === 'capture') ? 'Capturing…' : 'Capture baseline'}
          </button>
          <span className="capture-outcome" role="status" aria-label="Capture result">
            {captured?.ok && (
              <span className="ok-text">
                Baseline written to <code>{captured.path}</code>
              </span>
            )}
          </span>
          {captured && !captured.ok && <ErrorBox error={captured.error ?? { name: 'CaptureFailed', message: 'The capture failed: see the run log above.' }} title="The baseline was not written" />}
          {capture.error && <ErrorBox error={capture.error} title="Could not start the capture" />}
        </fieldset>
      )}

      {start.error && <ErrorBox error={start.error} />}
      {reconcileOne.error && <ErrorBox error={reconcileOne.error} title="Could not reconcile this finding" />}
      {previewAdopt.error && <ErrorBox error={previewAdopt.error} title="Could not prepare the adoption" />}
      {applyAdopt.error && <ErrorBox error={applyAdopt.error} title="The profile was not changed" />}
      {adopted && (
        <div className="banner banner-ok" role="status" aria-label="Adopted">
          Written to the profile: {adopted.map((w) => <code key={w}>{w} </code>)}
        </div>
      )}
      {last.error && <ErrorBox error={last.error} />}
      {machineErrors.map((g) => (
        <ErrorBox key={`${g.error.message}\u0000${g.error.where ?? ''}`} error={g.error} title={groupTitle(g).replace(/ failed$/, ' could not be checked')} />
      ))}

      {checked && !running && (
        <div className={notInSync === 0 ? 'banner banner-ok' : 'banner banner-warn'} role="status" aria-label="Drift summary">
          {notInSync === 0 ? 'In sync' : `${notInSync} finding${notInSync === 1 ? '' : 's'} not in sync`}
          {report && reportIsNewest && <span className="muted"> — checked {new Date(report.checkedAt).toLocaleString()} against {report.against}</span>}
        </div>
      )}

      <div className="filters" role="group" aria-label="Filter findings by status">
        {DRIFT_STATUSES.map((s) => (
          <button key={s} type="button" aria-pressed={filter.statuses.has(s)} onClick={() => setFilter(toggleStatus(filter, s))}>
            {DRIFT_LABELS[s]} ({counts[s]})
          </button>
        ))}
        <input aria-label="Filter findings" placeholder="Filter by machine or resource" value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} />
        {anyHashes && (
          <button type="button" aria-pressed={hashes} onClick={() => setHashes(!hashes)} title="Show the SHA-256 of file contents instead of a description">
            Show hashes
          </button>
        )}
      </div>

      <table className="table" aria-label="Drift findings" aria-busy={checking || (last.loading && !liveRun)}>
        <thead>
          <tr>
            <th>Machine</th>
            <th>Resource</th>
            <th>Status</th>
            <th>In the profile</th>
            <th>On the machine</th>
            <th>Diff</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((x) => {
            const diff = findingDiff(x);
            const k = findingKey(x);
            const isOpen = open.has(k) && !!diff;
            return (
              <Fragment key={k}>
                <tr className={isOpen ? 'selected' : ''}>
                  <td>{x.machine}</td>
                  <td>
                    {x.resource.kind} <code>{x.resource.name}</code>
                  </td>
                  <td>
                    <span className={`drift-status drift-${x.status}`}>{DRIFT_LABELS[x.status]}</span>
                  </td>
                  <td className="values-cell">
                    <Values x={x} side="expected" hashes={hashes} />
                  </td>
                  <td className="values-cell">
                    <Values x={x} side="actual" hashes={hashes} />
                  </td>
                  <td>
                    {diff ? (
                      <button type="button" aria-expanded={isOpen} onClick={() => toggle(k)} aria-label={`${isOpen ? 'Hide' : 'Show'} diff of ${x.resource.name}`}>
                        {isOpen ? 'Hide' : 'Show'}
                      </button>
                    ) : (
                      <span className="muted">{x.changes.map((c) => c.summary.replace(/;?\s*sha256 [0-9a-f]+…?(?:\s*→\s*[0-9a-f]+…?)?/g, '')).join('; ')}</span>
                    )}
                  </td>
                  <td>
                    {x.resource.kind !== 'os' && x.status !== 'in-sync' && x.status !== 'not-checked' && (
                      <span className="finding-actions">
                        <button
                          type="button"
                          className="icon-button"
                          onClick={() => reconcileFinding(x)}
                          disabled={production || !!running || !!baselineArg}
                          aria-label={`Reconcile ${x.resource.name} on ${x.machine}`}
                          title={production ? 'Production is read-only' : baselineArg ? 'Against a baseline, use Reconcile above' : 'Apply the profile to this resource only, then check again'}
                        >
                          Reconcile this one
                        </button>
                        {x.status === 'drifted' && (
                          <button
                            type="button"
                            className="icon-button"
                            onClick={() => void previewAdopt.run(x.machine, x.resource.id, x.resource.name)}
                            disabled={!!running || !!baselineArg || previewAdopt.busy}
                            aria-label={`Adopt ${x.resource.name} from ${x.machine} into the profile`}
                            title={baselineArg ? 'Adopting works against the profile' : "Take the machine's value into the profile (you see the YAML change first)"}
                          >
                            Adopt into profile
                          </button>
                        )}
                      </span>
                    )}
                  </td>
                </tr>
                {isOpen && (
                  <tr className="diff-row">
                    <td colSpan={7}>
                      <DiffView diff={diff!} label={`Diff of ${x.resource.name}`} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
          {shown.length === 0 && (
            <tr>
              <td colSpan={7} className={checking || last.loading ? 'loading' : 'muted'} data-testid="drift-empty">
                {emptyText}
              </td>
            </tr>
          )}
        </tbody>
      </table>

      <ConfirmDialog
        open={!!adoptFor}
        title={`Adopt ${adoptFor?.name ?? ''} into the profile?`}
        confirmLabel={applyAdopt.busy ? 'Writing…' : 'Write to the profile'}
        confirmTone="primary"
        confirmDisabled={applyAdopt.busy}
        onCancel={() => setAdoptFor(null)}
        onConfirm={() => adoptFor && void applyAdopt.run(adoptFor.preview.adoptId)}
      >
        {adoptFor && (
          <div className="adopt-preview">
            <p>{adoptFor.preview.summary}. Comments and order in the file are kept.</p>
            {adoptFor.preview.files.map((f) => (
              <div key={f.path}>
                <p>
                  <code>{f.path}</code>
                </p>
                <DiffView diff={f.diff} label={`Change to ${f.path}`} legend={['− now', '+ after']} />
              </div>
            ))}
          </div>
        )}
      </ConfirmDialog>
    </div>
  );
}
