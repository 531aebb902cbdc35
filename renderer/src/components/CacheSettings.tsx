// Settings → Environment cache: the cached machine states on the engine (by label), their size against
// the cap, and pruning them.

import { useState } from 'react';
import type { CachePruneResult } from '../../../shared/api';
import { formatBytes } from '../../../shared/bytes';
import { cacheEntryName, cacheKeyShort, pruneSummary } from '../../../shared/cache-words';
import { api } from '../lib/api';
import { useAction, useLoad } from '../lib/hooks';
import { ErrorBox } from './ErrorBox';

export function CacheSettings() {
  const listing = useLoad(() => api.call('cache:list', undefined), []);
  const [pruned, setPruned] = useState<CachePruneResult | null>(null);
  const prune = useAction(async (all: boolean) => {
    setPruned(await api.call('cache:prune', all ? { all: true } : {}));
    listing.reload();
  });
  const data = listing.data;
  return (
    <section aria-label="Environment cache">
      <h3>Environment cache</h3>
      <p className="muted">
        Converged machines are saved as local images so a fresh <code>up</code> starts from them. Named volumes are not in the cache.
      </p>
      {listing.error && <ErrorBox error={listing.error} />}
      {prune.error && <ErrorBox error={prune.error} />}
      {data && (
        <p>
          {data.entries.length} cached state(s), {formatBytes(data.totalBytes)} of {formatBytes(data.capBytes)}
        </p>
      )}
      {/* What could not be listed or pruned (the engine down: containers' states are missing from the table). */}
      {[...(data?.warnings ?? []), ...(pruned?.warnings ?? [])].map((w) => (
        <p key={w} className="warn-text" role="status">
          {w}
        </p>
      ))}
      {pruned && (
        <p className="ok-text" role="status" aria-label="Prune result">
          {pruneSummary(pruned).join('. ')}.
        </p>
      )}
      <table className="table" aria-label="Cached states">
        <thead>
          <tr>
            <th>Key</th>
            <th>Profile / machine</th>
            <th>Resources</th>
            <th>Size</th>
            <th>Saved</th>
            <th>Last used</th>
          </tr>
        </thead>
        <tbody>
          {(data?.entries ?? []).map((e) => (
            <tr key={e.key}>
              <td>
                <code>{cacheKeyShort(e.key)}</code>
              </td>
              <td>{cacheEntryName(e)}</td>
              <td>
                {e.prefix} of {e.total}
              </td>
              <td>{formatBytes(e.sizeBytes)}</td>
              <td>{new Date(e.savedAt).toLocaleString()}</td>
              <td>{new Date(e.lastUsed).toLocaleString()}</td>
            </tr>
          ))}
          {data?.entries.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                The cache is empty.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div>
        <button type="button" disabled={prune.busy || !data?.entries.length} onClick={() => void prune.run(false)}>
          Prune to the size cap
        </button>{' '}
        <button type="button" disabled={prune.busy || !data?.entries.length} onClick={() => void prune.run(true)} title="Also removes apt's package lists kept between runs">
          Remove all
        </button>
        <span className="muted"> Remove all also removes apt's package lists kept between runs.</span>
      </div>
    </section>
  );
}
