// The window: a sidebar of profiles and a main pane (a profile, or Settings). Profile statuses are read
// when the list loads and again when a run ends (or the engine says a status changed); machine states
// that change in between come as pushes and are laid over them. Nothing polls.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ApiError, ProfileSummary } from '../../shared/api';
import type { DriftReport, ProfileStatus } from '../../shared/report';
import { DoctorPanel } from './components/DoctorPanel';
import { DriftNotices } from './components/DriftNotices';
import { ErrorBox } from './components/ErrorBox';
import { ProfileView } from './components/ProfileView';
import { RunAnnouncer } from './components/RunAnnouncer';
import { SettingsView } from './components/SettingsView';
import { Sidebar, type Selection } from './components/Sidebar';
import { api } from './lib/api';
import { toApiError } from './lib/api-errors';
import { useMachineStatesVersion } from './lib/hooks';
import { machineStates, runStore } from './state/app-state';
import { withLiveStates } from './state/machine-states';

export function App() {
  const [profiles, setProfiles] = useState<ProfileSummary[] | null>(null);
  const [listError, setListError] = useState<ApiError | null>(null);
  const [statuses, setStatuses] = useState(new Map<string, { status: ProfileStatus; readAt: number }>());
  const [drifts, setDrifts] = useState(new Map<string, DriftReport | null>());
  const [selected, setSelected] = useState<Selection>(null);
  // A run to open in a profile's history (a drift notice's "Show the check").
  const [openRun, setOpenRun] = useState<{ file: string; runId: string } | null>(null);
  const listRef = useRef<ProfileSummary[]>([]);

  // Statuses ask the engine about containers; they come after the list, which must show at once.
  const refreshStatuses = useCallback((list: ProfileSummary[], withDrift = true) => {
    for (const p of list) {
      if (p.error) continue;
      api.call('profiles:get', { file: p.file }).then(
        (d) => setStatuses((m) => new Map(m).set(p.file, { status: d.status, readAt: Date.now() })),
        () => undefined,
      );
      if (!withDrift) continue;
      api.call('drift:last', { file: p.file }).then(
        (r) => setDrifts((m) => new Map(m).set(p.file, r)),
        () => undefined,
      );
    }
  }, []);

  useEffect(() => {
    const loadList = () =>
      api.call('profiles:list', undefined).then(
        (list) => {
          listRef.current = list;
          setProfiles(list);
          setListError(null);
          refreshStatuses(list);
        },
        (e: unknown) => {
          setListError(toApiError(e));
          setProfiles((p) => p ?? []);
        },
      );
    void loadList();
    // Runs going on when the page loaded (started before a reload, or from the CLI): their panels.
    api.call('runs:active', undefined).then(
      (active) => {
        for (const rec of active) {
          void Promise.all([api.call('runs:get', { runId: rec.runId }), api.call('profiles:get', { file: rec.profileFile })]).then(
            ([detail, prof]) => runStore.adoptRunning(detail, prof.profile.machines.map((m) => m.name)),
            () => undefined,
          );
        }
      },
      () => undefined,
    );
    const unsubscribe = api.subscribe((p) => {
      if (p.type === 'profiles-changed') void loadList();
      // A run ended somewhere (another window, the CLI): its last run and last failure changed.
      if (p.type === 'status-changed') refreshStatuses(listRef.current.filter((x) => x.file === p.file), false);
    });
    // A run changes its own profile's machines; only a switch (use) changes other profiles' too. Only a
    // drift run writes a new drift report. (Each status may connect to SSH hosts: ask only what changed.)
    const offEnd = runStore.onRunEnd((_end, run) => {
      const changed = run.kind === 'use' ? listRef.current : listRef.current.filter((p) => p.file === run.profileFile);
      refreshStatuses(changed, run.kind === 'drift');
    });
    return () => {
      unsubscribe();
      offEnd();
    };
  }, [refreshStatuses]);

  // For the "list within a second" measurement (the e2e test reads this mark).
  const shown = profiles !== null;
  useEffect(() => {
    if (shown) performance.mark('prodlike:profiles-shown');
  }, [shown]);

  const liveVersion = useMachineStatesVersion();
  const shownStatuses = useMemo(
    () => new Map([...statuses].map(([file, s]) => [file, withLiveStates(s.status, s.readAt, machineStates)])),
    [statuses, liveVersion], // eslint-disable-line react-hooks/exhaustive-deps
  );

  const summary = selected?.view === 'profile' ? profiles?.find((p) => p.file === selected.file) : undefined;

  return (
    <div className="app">
      <Sidebar profiles={profiles} statuses={shownStatuses} drifts={drifts} selected={selected}
        onSelect={(s) => {
          setSelected(s);
          setOpenRun(null);
        }}
      />
      <main className="main">
        {listError && <ErrorBox error={listError} title="Profiles could not be listed" />}
        {selected?.view === 'settings' && <SettingsView />}
        {summary && <ProfileView key={summary.file} summary={summary} openRun={openRun?.file === summary.file ? openRun : undefined} />}
        {!selected && (
          <div className="empty">
            <h1>Prodlike</h1>
            <p>
              {profiles && profiles.length === 0
                ? 'No profiles yet: add the folder that holds your profile files in Settings (bottom left). The checks below say what this machine still needs.'
                : 'Pick a profile on the left to set it up, switch to it, or check it for drift. The checks below say whether this machine is ready.'}
            </p>
            <DoctorPanel />
          </div>
        )}
      </main>
      <RunAnnouncer />
      <DriftNotices
        onShow={(file, runId) => {
          setSelected({ view: 'profile', file });
          setOpenRun({ file, runId });
        }}
      />
    </div>
  );
}
