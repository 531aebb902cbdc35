// The list of profiles (name, role, status badge, the active one marked) and the way to Settings.

import type { ProfileSummary } from '../../../shared/api';
import type { DriftReport, ProfileStatus } from '../../../shared/report';
import { profileBadge } from '../state/profile-badge';
import { distinguishingPaths } from '../state/profile-names';
import { Badge } from './Badge';
import { ThemeToggle } from './ThemeToggle';

export type Selection = { view: 'profile'; file: string } | { view: 'settings' } | null;

export function Sidebar(props: {
  profiles: ProfileSummary[] | null;
  statuses: Map<string, ProfileStatus>;
  drifts: Map<string, DriftReport | null>;
  selected: Selection;
  onSelect(s: Selection): void;
}) {
  const { profiles, statuses, drifts, selected } = props;
  const paths = distinguishingPaths(profiles ?? []);
  return (
    <nav className="sidebar" aria-label="Profiles">
      <div className="brand">Prodlike</div>
      <h2 className="sidebar-title">Profiles</h2>
      {profiles === null && <div className="muted pad">Loading…</div>}
      {profiles?.length === 0 && (
        <div className="muted pad">
          No profiles yet. Add the folder that holds your profile YAML files in Settings, or copy one of the examples from the
          profiles folder.
        </div>
      )}
      <ul className="profile-list">
        {profiles?.map((p) => {
          const st = statuses.get(p.file);
          const badge = profileBadge(p, st, drifts.get(p.file));
          const isSel = selected?.view === 'profile' && selected.file === p.file;
          const where = paths.get(p.file);
          return (
            <li key={p.file}>
              <button
                type="button"
                className={`profile-item${isSel ? ' selected' : ''}`}
                aria-current={isSel ? 'page' : undefined}
                aria-label={`${p.name}${where ? ` (${where})` : ''}${st?.active ? ' (active)' : ''}, ${badge}`}
                title={[p.file, ...(st?.machines ?? []).filter((m) => m.error).map((m) => `${m.machine}: ${m.error!.message}`)].join('\n')}
                onClick={() => props.onSelect({ view: 'profile', file: p.file })}
              >
                <span className="profile-name">
                  {st?.active && <span className="active-dot" aria-hidden="true" title="active" />}
                  {p.name}
                </span>
                {where && <span className="profile-file">{where}</span>}
                <span className="profile-meta">
                  {p.role && <span className={`role role-${p.role}`}>{p.role}</span>}
                  <Badge kind={badge} />
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      <div className="sidebar-foot">
        <button
          type="button"
          className={`profile-item${selected?.view === 'settings' ? ' selected' : ''}`}
          onClick={() => props.onSelect({ view: 'settings' })}
        >
          Settings
        </button>
        <ThemeToggle />
      </div>
    </nav>
  );
}
