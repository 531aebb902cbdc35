// One profile: what it is, its machines and resources, the actions, and its live run; Drift and Shell
// in tabs. An invalid profile shows its error (file:line) and nothing else.

import { lazy, Suspense, useEffect, useState } from 'react';
import type { ProfileSummary, StartRunRequest } from '../../../shared/api';
import type { UsePlan } from '../../../shared/use-plan';
import { api } from '../lib/api';
import { useAction, useLoad, useRunStoreVersion } from '../lib/hooks';
import { runStore } from '../state/app-state';
import { ConfirmDialog } from './ConfirmDialog';
import { DriftView } from './DriftView';
import { ErrorBox } from './ErrorBox';
import { MachinesTable } from './MachinesTable';
import { ResourcesTable } from './ResourcesTable';
import { RunPanel } from './RunPanel';
import { UsePlanView } from './UsePlanView';

type Tab = 'overview' | 'drift' | 'shell';

// xterm.js is most of the bundle: load it when a shell is first opened, not at start-up.
const ShellView = lazy(() => import('./ShellView').then((m) => ({ default: m.ShellView })));

export function ProfileView({ summary }: { summary: ProfileSummary }) {
  const file = summary.file;
  const version = useRunStoreVersion();
  const detail = useLoad(() => api.call('profiles:get', { file }), [file]);
  const [tab, setTab] = useState<Tab>('overview');
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
  // The file changed on disk: show what it says now.
  useEffect(() => api.subscribe((p) => p.type === 'profiles-changed' && reload()), [reload]);

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

  const d = detail.data;
  const run = runStore.latestRun(file);
  const running = run && !run.end;
  const production = d?.profile.role === 'production';

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
        </div>
        <div className="actions" role="toolbar" aria-label="Profile actions">
          {production ? (
            <span className="readonly">Production: read-only. Capture a baseline in Drift.</span>
          ) : (
            <>
              <button type="button" className="primary" onClick={() => void start.run('up')} disabled={!!running}>
                Set up
              </button>
              <button type="button" onClick={() => void planUse.run()} disabled={!!running || d?.status.active || planUse.busy}>
                {planUse.busy ? 'Checking…' : 'Switch to this profile'}
              </button>
              <button type="button" onClick={() => void start.run('plan')} disabled={!!running}>
                Plan
              </button>
              <button type="button" onClick={() => void start.run('down')} disabled={!!running}>
                Stop
              </button>
              <button type="button" className="danger" onClick={() => setConfirmDestroy(true)} disabled={!!running}>
                Destroy
              </button>
            </>
          )}
        </div>
      </header>

      {start.error && <ErrorBox error={start.error} title="Could not start" />}
      {planUse.error && <ErrorBox error={planUse.error} title="Could not check the switch" />}
      {detail.error && <ErrorBox error={detail.error} />}

      <div role="tablist" aria-label="Profile sections" className="tabs">
        {(['overview', 'drift', 'shell'] as const).map((t) => (
          <button key={t} role="tab" type="button" aria-selected={tab === t} onClick={() => setTab(t)}>
            {t === 'overview' ? 'Overview' : t === 'drift' ? 'Drift' : 'Shell'}
          </button>
        ))}
      </div>

      {d && tab === 'overview' && (
        <div role="tabpanel" aria-label="Overview">
          <MachinesTable profile={d.profile} status={d.status} run={run} />
          <ResourcesTable profile={d.profile} />
          {run && <RunPanel run={run} version={version} />}
        </div>
      )}
      {d && tab === 'drift' && (
        <div role="tabpanel" aria-label="Drift">
          <DriftView detail={d} version={version} />
        </div>
      )}
      {d && tab === 'shell' && (
        <div role="tabpanel" aria-label="Shell">
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
