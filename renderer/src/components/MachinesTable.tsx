// The profile's machines: backend, image or host, state (with why, when unreachable) and ports as
// links with a copy button. A stopped machine shows the ports it will publish. Live state from a run
// wins over the last status read.

import { useState } from 'react';
import { api } from '../lib/api';
import { useAction } from '../lib/hooks';
import { ErrorBox } from './ErrorBox';
import { MachineLogs } from './MachineLogs';
import { machineProvider, type Profile } from '../../../shared/profile';
import type { ProfileStatus } from '../../../shared/report';
import { portViews, type PortView } from '../state/ports';
import type { RunView } from '../state/run-store';
import { MACHINE_STATE_LABEL } from '../state/words';

function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={label}
      title={done ? 'Copied' : `Copy ${text}`}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        });
      }}
    >
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}

function Ports({ ports, live, machine }: { ports: PortView[]; live: boolean; machine: string }) {
  if (ports.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="ports">
      {ports.map((p) => (
        <li key={p.raw}>
          {p.href && live ? (
            <a href={p.href} target="_blank" rel="noreferrer" title={`Open ${p.href} (to container port ${p.containerPort}/${p.proto})`}>
              {p.address}
            </a>
          ) : (
            <code title={live ? p.raw : 'Published when the machine runs'}>{p.address ?? p.raw}</code>
          )}
          <span className="muted"> → {p.containerPort}/{p.proto}</span>
          {p.address && <CopyButton text={p.address} label={`Copy address ${p.address} of ${machine}`} />}
        </li>
      ))}
    </ul>
  );
}

export function MachinesTable({ profile, status, run }: { profile: Profile; status: ProfileStatus | null; run?: RunView }) {
  const [logsOf, setLogsOf] = useState<string | null>(null);
  const restart = useAction((machine: string) => api.call('machines:restart', { file: profile.file, machine }));
  const [restarting, setRestarting] = useState<string | null>(null);
  const runBusy = !!run && !run.end;
  return (
    <>
      {restart.error && <ErrorBox error={restart.error} title={`${restarting ?? 'The machine'} was not restarted`} />}
      <table className="table" aria-label="Machines">
        <thead>
          <tr>
            <th>Machine</th>
            <th>Backend</th>
            <th>Image / host</th>
            <th>State</th>
            <th>Ports</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {profile.machines.map((m) => {
            const st = status?.machines.find((x) => x.machine === m.name);
            const live = run && !run.end ? run.machines.get(m.name) : undefined;
            const state = live?.state ?? st?.state ?? 'unknown';
            const target = m.docker ? m.docker.image : m.ssh ? `${m.ssh.user}@${m.ssh.host}:${m.ssh.port}` : (m.vm?.image ?? '');
            const declared = m.docker?.ports ?? m.vm?.ports ?? [];
            const running = state === 'running';
            // The engine lists published ports only for a running container: otherwise, what the profile declares.
            const ports = running && st?.ports.length ? st.ports : declared;
            const why = state === 'unreachable' ? st?.error : undefined;
            return (
              <tr key={m.name}>
                <td>{m.name}</td>
                <td>{machineProvider(m)}</td>
                <td>
                  <code>{st?.target ?? target}</code>
                </td>
                <td>
                  <span className={`state state-${state}`} data-testid={`machine-state-${m.name}`}>
                    {MACHINE_STATE_LABEL[state]}
                  </span>
                  {why && (
                    <div className="state-why" data-testid={`machine-why-${m.name}`}>
                      {why.message}
                      {why.hint && <div className="muted">{why.hint}</div>}
                    </div>
                  )}
                </td>
                <td>
                  <Ports ports={portViews(ports)} live={running} machine={m.name} />
                  {st?.forwarded?.map((f) => (
                    <div key={f} className="muted" title="Forwarded from the remote Docker engine to this computer">
                      forwarded {f}
                    </div>
                  ))}
                  {!running && declared.length > 0 && <div className="muted small">when running</div>}
                </td>
                <td className="row-actions">
                  {!m.ssh && (
                    <button
                      type="button"
                      className="icon-button"
                      aria-pressed={logsOf === m.name}
                      onClick={() => setLogsOf(logsOf === m.name ? null : m.name)}
                      title={`What ${m.name}'s main process prints, followed live`}
                    >
                      Logs
                    </button>
                  )}
                  {!m.ssh && (
                    <button
                      type="button"
                      className="icon-button"
                      disabled={!running || runBusy || restart.busy}
                      aria-label={`Restart ${m.name}`}
                      title={!running ? 'It is not running: Set up starts it' : runBusy ? 'A run is going on' : `Stop and start ${m.name} (its files are kept)`}
                      onClick={() => {
                        setRestarting(m.name);
                        void restart.run(m.name);
                      }}
                    >
                      {restart.busy && restarting === m.name ? 'Restarting…' : 'Restart'}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
          {profile.machines.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No machines yet: add one under <code>machines:</code> in <code>{profile.file}</code> (see profiles/ for examples).
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {logsOf && <MachineLogs key={logsOf} file={profile.file} machine={logsOf} onClose={() => setLogsOf(null)} />}
    </>
  );
}
