// The profile's machines: backend, image or host, state (with why, when unreachable) and ports as
// links with a copy button. A stopped machine shows the ports it will publish. Live state from a run
// wins over the last status read.

import { useState } from 'react';
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
  return (
    <table className="table" aria-label="Machines">
      <thead>
        <tr>
          <th>Machine</th>
          <th>Backend</th>
          <th>Image / host</th>
          <th>State</th>
          <th>Ports</th>
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
                {!running && declared.length > 0 && <div className="muted small">when running</div>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
