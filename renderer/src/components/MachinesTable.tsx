// The profile's machines: provider, image or host, state and ports. Live state from a run wins over the
// last status read.

import { machineProvider, type Profile } from '../../../shared/profile';
import type { ProfileStatus } from '../../../shared/report';
import type { RunView } from '../state/run-store';

export function MachinesTable({ profile, status, run }: { profile: Profile; status: ProfileStatus | null; run?: RunView }) {
  return (
    <table className="table" aria-label="Machines">
      <thead>
        <tr>
          <th>Machine</th>
          <th>Provider</th>
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
          return (
            <tr key={m.name}>
              <td>{m.name}</td>
              <td>{machineProvider(m)}</td>
              <td>
                <code>{st?.target ?? target}</code>
              </td>
              <td>
                <span className={`state state-${state}`} data-testid={`machine-state-${m.name}`}>
                  {state}
                </span>
              </td>
              <td>
                {(st?.ports ?? m.docker?.ports ?? m.vm?.ports ?? []).join(', ') || '—'}
                {st?.forwarded?.map((f) => (
                  <div key={f} className="muted" title="forwarded from the remote Docker engine">
                    forwarded {f}
                  </div>
                ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
