// One profile: what it is, its machines and resources, the actions, and its live run; Drift and Shell
// in tabs. An invalid profile shows its error (file:line) and nothing else. The run panel comes first
// (pinned while the run goes on); a shell, once opened, stays open while other tabs are shown.

import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import type { ProfileSummary, StartRunRequest } from '../../../shared/api';
import type { UsePlan } from '../../../shared/use-plan';
import { api } from '../lib/api';
import { useAction, useLoad, useMachineStatesVersion, useRunStoreVersion } from '../lib/hooks';
import { machineStates, runStore } from '../state/app-state';
import { withLiveStates } from '../state/machine-states';
import { withRecentRuns } from '../state/run-store';
import { WATCH_LEASE_MS } from '../../../shared/machines-live';
import { ConfirmDialog } from './ConfirmDialog';
import { DriftView } from './DriftView';
import { DriftSchedule } from './DriftSchedule';
import { HistoryView } from './HistoryView';
import { ErrorBox } from './ErrorBox';
import { MachinesTable } from './MachinesTable';
import { ResourcesTable } from './ResourcesTable';
import { RunPanel } from './RunPanel';
import { UsePlanView } from './UsePlanView';
import { formatElapsed, RUN_LABEL } from '../state/words';
import type { RunRecord } from '../../../shared/report';

type Tab = 'overview' | 'drift' | 'history' | 'shell';
const TABS: readonly Tab[] = ['overview', 'drift', 'history', 'shell'];
const TAB_LABEL: Record<Tab, string> = { overview: 'Overview', drift: 'Drift', history: 'History', shell: 'Shell' };

/** What each action does, on hover and for screen readers (aria-description). */
const ACTION_HELP = {
  up: "Create and start this profile's machines and apply its resources. Other profiles keep running.",
  use: "Stop every other profile's machines, then set this one up. Shows what stops and starts before anything happens.",
  plan: 'Check what Set up would change, without changing anything.',
  down: "Stop this profile's machines. Nothing is removed.",
  destroy: "Remove this profile's containers and network (named volumes are kept).",
} as const;

function LastRun({ rec, failure }: { rec: RunRecord; failure?: boolean }) {
  const when = new Date(rec.startedAt);
  return (
    <p className="muted last-run" data-testid={failure ? 'last-failure' : 'last-run'} title={rec.error?.message}>
      {failure ? 'Last failure' : 'Last run'}: {RUN_LABEL[rec.kind] ?? rec.kind}{' '}
      <span className={rec.ok ? 'ok-text' : 'bad-text'}>{rec.ok ? 'succeeded' : 'failed'}</span>, {when.toLocaleString()} (
      {formatElapsed(rec.durationMs)})
    </p>
  );
}

// xterm.js is most of the bundle: load it when a shell is first opened, not at start-up.
const ShellView = lazy(() => import('./ShellView').then((m) => ({ default: m.ShellView })));

export function ProfileView({ summary, openRun }: { summary: ProfileSummary; openRun?: { runId: string } }) {
  const file = summary.file;
  const version = useRunStoreVersion();
  const detail = useLoad(async () => ({ ...(await api.call('profiles:get', { file })), readAt: Date.now() }), [file]);
  const liveVersion = useMachineStatesVersion();
  const [tab, setTab] = useState<Tab>(openRun ? 'history' : 'overview');
  // A shell, once its tab was shown, stays mounted (hidden) so that changing tabs does not end it.
  const [shellMounted, setShellMounted] = useState(false);
  const show = (t: Tab) => {
    setTab(t);
    if (t === 'shell') setShellMounted(true);
  };
  // The run the History tab opens on (a scheduled check's "Open in history", a notice's "Show the check").
  const [historyRun, setHistoryRun] = useState<string | undefined>(openRun?.runId);
  const showRun = (runId: string) => {
    setHistoryRun(runId);
    show('history');
  };
  // A new request to open a run (React's "adjust state when a prop changes", not an effect).
  const [openRunSeen, setOpenRunSeen] = useState(openRun);
  if (openRun !== openRunSeen) {
    setOpenRunSeen(openRun);
    if (openRun) {
      setHistoryRun(openRun.runId);
      setTab('history');
    }
  }
  const [confirmDestroy, setConfirmDestroy] = useState(false);
  // The switch's plan, asked for when the button is pressed and shown before anything happens.
  const [usePlan, setUsePlan] = useState<UsePlan | null>(null);
  const planUse = useAction(async () => setUsePlan(await api.call('profiles:use-plan', { file })));
  const start = useAction((kind: StartRunRequest['kind'], extra: Partial<StartRunRequest> = {}) =>
    api.call('runs:start', { kind, file, ...extra }),
  );

  // A run of this profile, or a switch (which stops the others), changes machine states: read them again.
  const { reload } = detail;
  useEffect(() => runStore.onRunEnd((_end, run) => (run.profileFile === file || run.kind === 'use') && reload()), [reload, file]);
  // The file changed on disk, or a run ended elsewhere: show what it says now.
  useEffect(() => api.subscribe((p) => (p.type === 'profiles-changed' || (p.type === 'status-changed' && p.file === file)) && reload()), [reload, file]);
  // While this profile is on screen the engine watches its machines (SSH reachability) and pushes their
  // state changes; the watch is a lease, renewed well before it ends. An engine without watches: no-op.
  useEffect(() => {
    let watchId: string | undefined;
    let stopped = false;
    const renew = () =>
      api.call('status:watch', { file, ...(watchId ? { watchId } : {}) }).then(
        (r) => {
          if (stopped) void api.call('status:unwatch', { watchId: r.watchId }).catch(() => undefined);
          watchId = r.watchId;
        },
        () => undefined,
      );
    void renew();
    const timer = setInterval(() => void renew(), Math.floor(WATCH_LEASE_MS * 0.75));
    return () => {
      stopped = true;
      clearInterval(timer);
      if (watchId) void api.call('status:unwatch', { watchId }).catch(() => undefined);
    };
  }, [file]);

  const loaded = detail.data;
  // The status as read, with the machine states that changed since laid over it (as the sidebar does).
  const d = useMemo(
    () => (loaded ? { ...loaded, status: withLiveStates(loaded.status, loaded.readAt, machineStates) } : null),
    [loaded, liveVersion], // eslint-disable-line react-hooks/exhaustive-deps
  );

  if (summary.error) {
    return (
      <div className="profile">
        <h2>{summary.name}</h2>
        <p className="muted">
          <code>{file}</code>
        </p>
        <ErrorBox error={summary.error} title="This profile does not load" />
      </div>
    );
  }

  const run = runStore.latestRun(file);
  const running = run && !run.end;
  const production = d?.profile.role === 'production';
  // The newest of what the engine recorded and what this page saw end (the record lands just after the end).
  const lastRun = d ? withRecentRuns(d.status.lastRun ? [d.status.lastRun] : [], runStore.endedRecords(file))[0] : undefined;
  const busyWhy = running ? `${RUN_LABEL[run.kind] ?? run.kind} is running: wait for it to end or cancel it.` : undefined;
  const help = (what: keyof typeof ACTION_HELP, why?: string) => (why ? `${ACTION_HELP[what]} Unavailable now: ${why}` : ACTION_HELP[what]);
  const activeWhy = d?.status.active ? 'it is already the active profile.' : undefined;

  return (
    <div className="profile">
      <header className="profile-head">
        <div>
          <h2>
            {summary.name} {d && <span className={`role role-${d.profile.role}`}>{d.profile.role}</span>}
            {d?.status.active && <span className="active-mark">active</span>}
          </h2>
          {summary.description && <p>{summary.description}</p>}
          <p className="muted">
            <code>{file}</code>
          </p>
          {lastRun && <LastRun rec={lastRun} />}
          {d?.status.lastFailure && d.status.lastFailure.runId !== d.status.lastRun?.runId && <LastRun rec={d.status.lastFailure} failure />}
        </div>
        <div className="actions" role="toolbar" aria-label="Profile actions">
          {production ? (
            <span className="readonly">Production: read-only. Capture a baseline in Drift.</span>
          ) : (
            <>
              <button type="button" className="primary" onClick={() => void start.run('up')} disabled={!!running} title={help('up', busyWhy)}>
                Set up
              </button>
              <button
                type="button"
                onClick={() => void planUse.run()}
                disabled={!!running || d?.status.active || planUse.busy}
                title={help('use', busyWhy ?? activeWhy)}
              >
                {planUse.busy ? 'Checking…' : 'Switch to this profile'}
              </button>
              <button type="button" onClick={() => void start.run('plan')} disabled={!!running} title={help('plan', busyWhy)}>
                Plan
              </button>
              <button type="button" onClick={() => void start.run('down')} disabled={!!running} title={help('down', busyWhy)}>
                Stop
              </button>
              <button type="button" className="danger" onClick={() => setConfirmDestroy(true)} disabled={!!running} title={help('destroy', busyWhy)}>
                Destroy
              </button>
            </>
          )}
          {!production && busyWhy && (
            <p className="muted action-note" data-testid="action-note">
              {busyWhy}
            </p>
          )}
        </div>
      </header>

      {start.error && <ErrorBox error={start.error} title="Could not start" />}
      {planUse.error && <ErrorBox error={planUse.error} title="Could not check the switch" />}
      {detail.error && <ErrorBox error={detail.error} />}

      <div role="tablist" aria-label="Profile sections" className="tabs">
        {TABS.map((t) => (
          <button
            key={t}
            role="tab"
            type="button"
            aria-selected={tab === t}
            onClick={() => show(t)}
            onKeyDown={(e) => {
              // Arrow keys move between tabs, as in every tab list.
              const i = TABS.indexOf(t);
              const n = TABS.length;
              const next = e.key === 'ArrowRight' ? TABS[(i + 1) % n] : e.key === 'ArrowLeft' ? TABS[(i + n - 1) % n] : undefined;
              if (next) {
                show(next);
                (e.currentTarget.parentElement?.children[TABS.indexOf(next)] as HTMLElement | undefined)?.focus();
              }
            }}
          >
            {TAB_LABEL[t]}
          </button>
        ))}
      </div>

      {d && tab === 'overview' && (
        <div role="tabpanel" aria-label="Overview">
          {run && <RunPanel run={run} version={version} profile={d.profile} />}
          <MachinesTable profile={d.profile} status={d.status} run={run} />
          <ResourcesTable profile={d.profile} />
        </div>
      )}
      {d && tab === 'drift' && (
        <div role="tabpanel" aria-label="Drift">
          <DriftSchedule file={file} onOpenRun={showRun} />
          <DriftView detail={d} version={version} />
        </div>
      )}
      {d && tab === 'history' && (
        <div role="tabpanel" aria-label="History">
          <HistoryView file={file} openRun={historyRun} />
        </div>
      )}
      {d && shellMounted && (
        <div role="tabpanel" aria-label="Shell" hidden={tab !== 'shell'}>
          <Suspense fallback={<div className="muted">Loading terminal…</div>}>
            <ShellView detail={d} />
          </Suspense>
        </div>
      )}

      <ConfirmDialog
        open={!!usePlan}
        title={`Switch to ${summary.name}?`}
        confirmLabel="Switch"
        confirmTone="primary"
        confirmDisabled={!usePlan || usePlan.problems.length > 0}
        onCancel={() => setUsePlan(null)}
        onConfirm={() => {
          setUsePlan(null);
          void start.run('use');
        }}
      >
        {usePlan && <UsePlanView plan={usePlan} />}
      </ConfirmDialog>

      <ConfirmDialog
        open={confirmDestroy}
        title={`Destroy ${summary.name}?`}
        confirmLabel="Destroy"
        onCancel={() => setConfirmDestroy(false)}
        onConfirm={() => {
          setConfirmDestroy(false);
          void start.run('destroy');
        }}
      >
        Removes this profile's containers and network. Named volumes are kept.
      </ConfirmDialog>
    </div>
  );
}
