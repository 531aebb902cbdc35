// The profile's resources with their last result in this session (ok / changed / failed / pending).

import type { Profile } from '../../../shared/profile';
import { runStore } from '../state/app-state';
import { resourceKey } from '../state/run-store';
import { RESOURCE_STATUS_LABEL } from '../state/words';

export function ResourcesTable({ profile }: { profile: Profile }) {
  const results = runStore.lastResults(profile.file);
  return (
    <table className="table" aria-label="Resources">
      <thead>
        <tr>
          <th>Machine</th>
          <th>Kind</th>
          <th>Name</th>
          <th>Last result</th>
        </tr>
      </thead>
      <tbody>
        {profile.machines.flatMap((m) =>
          m.resources.map((r) => {
            const last = results.get(resourceKey(m.name, r.id));
            return (
              <tr key={`${m.name}:${r.id}`}>
                <td>{m.name}</td>
                <td>{r.kind}</td>
                <td>
                  <code>{r.name}</code>
                </td>
                <td>
                  {last ? (
                    <span className={`result result-${last.status}`} title={last.changes.map((c) => c.summary).join('\n')}>
                      {RESOURCE_STATUS_LABEL[last.status]}
                    </span>
                  ) : (
                    <span className="muted" title="Not run since this page was opened">—</span>
                  )}
                  {last?.error && <div className="error-inline">{last.error.message}</div>}
                </td>
              </tr>
            );
          }),
        )}
        {profile.machines.every((m) => m.resources.length === 0) && (
          <tr>
            <td colSpan={4} className="muted">
              No resources yet: list packages, files, services… under each machine&apos;s <code>resources:</code>. Set up then only starts the machines.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
