// A container's own logs (what its main process prints), the last lines and then new ones as they come
// (machines:logs with follow), in the same pane as a run's log. Closing it stops the stream.

import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { ApiError } from '../../../shared/api';
import { api } from '../lib/api';
import { toApiError } from '../lib/api-errors';
import { FrameBatcher } from '../state/frame-batch';
import { LogBuffer } from '../state/log-buffer';
import { ErrorBox } from './ErrorBox';
import { LogPane } from './LogPane';

export function MachineLogs({ file, machine, onClose }: { file: string; machine: string; onClose(): void }) {
  const log = useMemo(() => new LogBuffer(50_000), []);
  const batch = useMemo(() => new FrameBatcher(), []);
  const version = useSyncExternalStore(batch.subscribe, batch.getVersion);
  const [error, setError] = useState<ApiError | null>(null);
  const [ended, setEnded] = useState(false);

  useEffect(() => {
    let streamId: string | null = null;
    let closed = false;
    const early: { streamId: string; lines: string[] }[] = [];
    const add = (lines: string[]) => {
      for (const l of lines) log.append(l, 'stdout', undefined, Date.now());
      batch.changed();
    };
    const off = api.subscribe((p) => {
      if (p.type === 'machine-logs') {
        if (streamId === null) early.push(p);
        else if (p.streamId === streamId) add(p.lines);
      } else if (p.type === 'machine-logs-end' && p.streamId === streamId) {
        setEnded(true);
        if (p.error) setError(toApiError(p.error));
      }
    });
    api.call('machines:logs', { file, machine, follow: true, tail: 200 }).then(
      (r) => {
        if (closed) {
          void api.call('machines:logs-stop', { streamId: r.streamId }).catch(() => undefined);
          return;
        }
        streamId = r.streamId;
        add(r.lines);
        for (const p of early) if (p.streamId === streamId) add(p.lines);
        early.length = 0;
      },
      (e: unknown) => setError(toApiError(e)),
    );
    return () => {
      closed = true;
      off();
      if (streamId) void api.call('machines:logs-stop', { streamId }).catch(() => undefined);
    };
  }, [file, machine, log, batch]);

  return (
    <section className="machine-logs" aria-label={`Logs of ${machine}`}>
      <div className="toolbar">
        <strong>Logs of {machine}</strong>
        <span className="muted">{ended ? 'stream ended' : 'following'}</span>
        <button type="button" onClick={onClose}>
          Close logs
        </button>
      </div>
      {error && <ErrorBox error={error} title={`The logs of ${machine} could not be read`} />}
      <LogPane log={log} version={version} />
    </section>
  );
}
