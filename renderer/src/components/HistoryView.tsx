// A profile's run history, newest first: what ran, when, how long, how it ended. Open one for the
// resources it changed (with their diffs), the machines that failed, and its full log. It comes from
// the engine's history, so it survives a reload and a restart.

import { useEffect, useMemo, useState } from 'react';
import type { RunDetail } from '../../../shared/api';
import { api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { runStore } from '../state/app-state';
import { withRecentRuns } from '../state/run-store';
import { groupErrors, groupTitle } from '../state/errors';
import { LogBuffer } from '../state/log-buffer';
import { formatElapsed, recordSummary, RESOURCE_STATUS_LABEL, RUN_LABEL } from '../state/words';
import { DiffView } from './DiffView';
import { ErrorBox } from './ErrorBox';
import { LogPane } from './LogPane';

function RunDetailView({ runId }: { runId: string }) {
  const detail = useLoad(() => api.call('runs:get', { runId }), [runId]);
  const d: RunDetail | null = detail.data;
  const log = useMemo(() => {
    const b = new LogBuffer();
    for (const l of d?.log ?? []) b.append(l.text, l.stream, l.machine, Date.parse(l.at));
    return b;
  }, [d]);
  if (detail.error) return <ErrorBox error={detail.error} title="The details of this run could not be read" />;
  if (!d) return <p className="loading">Loading the run…</p>;
  const errors = groupErrors([...d.machineErrors.map((e) => ({ who: e.machine, error: e.error })), { who: 'the run', error: d.record.error }]);
  return (
    <div className="history-detail">
      {errors.map((g) => (
        <ErrorBox key={`${g.error.message}\u0000${g.error.where ?? ''}`} error={g.error} title={groupTitle(g)} />
      ))}
      {d.resources.length === 0 ? (
        <p className="muted">No resource changed.</p>
      ) : (
        <ul className="plan-list" aria-label="Resources it changed">
          {d.resources.map((r) => {
            const diff = r.changes.find((c) => c.diff)?.diff;
            return (
              <li key={`${r.machine}\u0000${r.resource.id}`}>
                <div>
                  <span className={`result result-${r.status}`}>{RESOURCE_STATUS_LABEL[r.status]}</span> <span className="muted">{r.machine}</span> {r.resource.kind}{' '}
                  <code>{r.resource.name}</code>
                </div>
                <ul className="plan-summaries">
                  {r.changes.map((c, i) => (
                    <li key={i}>{c.summary.replace(/;?\s*sha256 [0-9a-f]+…?(?:\s*→\s*[0-9a-f]+…?)?/g, '')}</li>
                  ))}
                </ul>
                {r.error && <div className="error-inline">{r.error.message}</div>}
                {diff && <DiffView diff={diff} label={`Diff of ${r.resource.name}`} legend={['− before', '+ after']} />}
              </li>
            );
          })}
        </ul>
      )}
      {d.logDropped > 0 && <p className="muted">{d.logDropped.toLocaleString()} log lines were left out of the history (the first and last are kept).</p>}
      <LogPane log={log} version={log.version} done machines={[...new Set(d.log.map((l) => l.machine).filter((m): m is string => !!m))]} />
    </div>
  );
}

export function HistoryView({ file, openRun }: { file: string; openRun?: string }) {
  const history = useLoad(() => api.call('runs:history', { file, limit: 50 }), [file]);
  const [open, setOpen] = useState<string | null>(openRun ?? null);
  const [openRunSeen, setOpenRunSeen] = useState(openRun);
  if (openRun !== openRunSeen) {
    setOpenRunSeen(openRun);
    if (openRun) setOpen(openRun);
  }
  const { reload } = history;
  useEffect(() => runStore.onRunEnd((_e, run) => run.profileFile === file && reload()), [reload, file]);
  useEffect(() => api.subscribe((p) => p.type === 'status-changed' && p.file === file && reload()), [reload, file]);
  if (history.error) return <ErrorBox error={history.error} title="The history could not be read" />;
  if (!history.data) return <p className="loading">Loading the history…</p>;
  const list = withRecentRuns(history.data, runStore.endedRecords(file));
  if (list.length === 0) return <p className="muted">No run yet. Set up, Plan or Check drift, and each run is kept here with its log.</p>;
  return (
    <ol className="history-list" aria-label="Run history">
      {list.map((r) => (
        <li key={r.runId} className="history-item">
          <button type="button" aria-expanded={open === r.runId} onClick={() => setOpen(open === r.runId ? null : r.runId)}>
            <strong>{RUN_LABEL[r.kind] ?? r.kind}</strong>
            <span>
              {new Date(r.startedAt).toLocaleString()} · {formatElapsed(r.durationMs)} · {recordSummary(r)}
            </span>
            <span className={`run-state run-${r.ok ? 'succeeded' : 'failed'}`}>{r.ok ? 'succeeded' : 'failed'}</span>
            <span aria-hidden="true">{open === r.runId ? '▾' : '▸'}</span>
          </button>
          {open === r.runId && <RunDetailView runId={r.runId} />}
        </li>
      ))}
    </ol>
  );
}
