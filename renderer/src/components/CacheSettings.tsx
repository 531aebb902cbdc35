// Settings → Environment cache: the cached machine states on the engine (by label), their size against
// the cap, which ones containers use, and pruning them. Remove all says what goes before it removes; a
// row's Remove takes that state alone (`cache rm <key>`), and is off while a container uses it.

import { useEffect, useState } from 'react';
import type { CachePruneRequest, CachePruneResult } from '../../../shared/api';
import { formatAge } from '../../../shared/age';
import { formatBytes } from '../../../shared/bytes';
import { cacheEntryName, cacheKeyShort, pruneSummary, removeAllWords } from '../../../shared/cache-words';
import { api } from '../lib/api';
import { useNow } from '../lib/clock';
import { useAction, useLoad } from '../lib/hooks';
import { runStore } from '../state/app-state';
import { DEFAULT_CACHE_SORT, nextCacheSort, sortCacheEntries, type CacheSort, type CacheSortColumn } from '../state/cache-view';
import { ConfirmDialog } from './ConfirmDialog';
import { ErrorBox } from './ErrorBox';

/** `version` changes when the settings are saved: the cap, or the engine asked, may be another. */
export function CacheSettings({ version = 0 }: { version?: number }) {
  const listing = useLoad(() => api.call('cache:list', undefined), [version]);
  const { reload } = listing;
  // A run saves states, and the size cap after it may remove some.
  useEffect(() => runStore.onRunEnd(() => reload()), [reload]);
  // A listing that failed is not shown with the one before it (another engine, or none).
  const data = listing.error ? null : listing.data;
  // Which engine did not answer, and why that one (the settings, DOCKER_HOST, a context).
  const failed = !!listing.error;
  const engine = useLoad(() => (failed ? api.call('docker:engine', undefined) : Promise.resolve(null)), [failed, version]);
  const now = useNow(!!data?.entries.length);
  const [sort, setSort] = useState<CacheSort>(DEFAULT_CACHE_SORT);
  const [confirmAll, setConfirmAll] = useState(false);
  const [pruned, setPruned] = useState<CachePruneResult | null>(null);
  const prune = useAction(async (req: CachePruneRequest) => {
    setPruned(await api.call('cache:prune', req));
    reload();
  });
  const entries = sortCacheEntries(data?.entries ?? [], sort);
  const header = (by: CacheSortColumn, label: string) => (
    <th aria-sort={sort.by === by ? (sort.descending ? 'descending' : 'ascending') : undefined}>
      <button type="button" className="sort-button" onClick={() => setSort(nextCacheSort(sort, by))}>
        {label}
      </button>
    </th>
  );
  const when = (iso: string) => (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {formatAge(iso, now)}
    </time>
  );
  const all = removeAllWords(data?.entries ?? []);
  return (
    <section aria-label="Environment cache">
      <h3>Environment cache</h3>
      <p className="muted">
        Converged machines are saved as local images so a fresh <code>up</code> starts from them. Named volumes are not in the cache. A state&apos;s size is its own
        layer, what removing it frees (<code>docker images</code> counts its base image too).
      </p>
      {listing.loading && <p className="muted">Listing the cached states…</p>}
      {listing.error && <ErrorBox error={listing.error} title="The cached states could not be listed" />}
      {listing.error && engine.data && !engine.data.error && (
        <p className="muted" aria-label="Docker engine asked">
          Docker engine asked: {engine.data.address} ({engine.data.why}).
        </p>
      )}
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
      {data && (
        <table className="table" aria-label="Cached states">
          <thead>
            <tr>
              <th>Key</th>
              {header('name', 'Profile / machine')}
              <th>Resources</th>
              {header('size', 'Size')}
              {header('saved', 'Saved')}
              {header('lastUsed', 'Last used')}
              <th>In use</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.key}>
                <td>
                  <code>{cacheKeyShort(e.key)}</code>
                </td>
                <td>{cacheEntryName(e)}</td>
                <td>
                  {e.prefix} of {e.total}
                </td>
                <td>{formatBytes(e.sizeBytes)}</td>
                <td>{when(e.savedAt)}</td>
                <td>{when(e.lastUsed)}</td>
                <td>{e.inUse ?? ''}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Remove ${cacheKeyShort(e.key)} ${cacheEntryName(e)}`}
                    disabled={prune.busy || !!e.inUse}
                    title={e.inUse ? `Kept: ${e.inUse}` : 'Removes this state alone; the next up of its profile saves it again'}
                    onClick={() => void prune.run({ keys: [e.key] })}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
            {data.entries.length === 0 && (
              <tr>
                <td colSpan={8} className="muted">
                  The cache is empty.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <div className="cache-actions">
        <button type="button" disabled={listing.loading} onClick={reload}>
          Refresh
        </button>
        <button
          type="button"
          disabled={prune.busy || !data?.entries.length}
          onClick={() => void prune.run({})}
          title="Removes the least recently used states (none a container uses) until the cache fits its cap, as after every up; nothing while it fits"
        >
          Prune to the size cap
        </button>
        <button type="button" className="danger" disabled={prune.busy || !data?.entries.length} onClick={() => setConfirmAll(true)}>
          Remove all
        </button>
      </div>
      <ConfirmDialog
        open={confirmAll}
        title="Remove all cached states?"
        confirmLabel="Remove all"
        onCancel={() => setConfirmAll(false)}
        onConfirm={() => {
          setConfirmAll(false);
          void prune.run({ all: true });
        }}
      >
        {confirmAll && (
          <>
            <p>
              Removes {all.goes.count} cached state(s), {formatBytes(all.goes.bytes)}, of every profile{all.goes.profiles.length ? `: ${all.goes.profiles.join(', ')}` : ''}.
              apt&apos;s package lists kept between runs go too.
            </p>
            {all.kept > 0 && <p>Keeps {all.kept} in use: a container uses it, or a state or image a container uses is built on it.</p>}
            {data?.entries.some((e) => e.backend === 'vm') && <p>A cached VM base that a VM&apos;s disk is built on is kept too.</p>}
            <p>
              The next <code>up</code> of those profiles builds their machines without the cache, and saves them again.
            </p>
          </>
        )}
      </ConfirmDialog>
    </section>
  );
}
