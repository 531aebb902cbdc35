import type { Badge as BadgeKind } from '../state/profile-badge';

export function Badge({ kind }: { kind: BadgeKind | string }) {
  return <span className={`badge badge-${kind.replace(/\s+/g, '-')}`}>{kind}</span>;
}
