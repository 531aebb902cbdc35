import { useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { machineStates, runStore } from '../state/app-state';
import { toApiError } from './api-errors';
import type { ApiError } from '../../../shared/api';

/** Re-renders the caller at most once per frame while run events arrive; never when idle. */
export function useRunStoreVersion(): number {
  return useSyncExternalStore(runStore.batch.subscribe, runStore.batch.getVersion);
}

/** Re-renders the caller (at most once per frame) when a machine's state changes. */
export function useMachineStatesVersion(): number {
  return useSyncExternalStore(machineStates.batch.subscribe, machineStates.batch.getVersion);
}

/** An API action with a busy flag and an error a person can act on. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  // The latest fn, so `run` can stay one stable function.
  const fnRef = useRef(fn);
  useLayoutEffect(() => {
    fnRef.current = fn;
  });
  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fnRef.current(...args);
    } catch (e) {
      setError(toApiError(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, error };
}

/** Loads something when `key` changes; `reload` fetches it again. */
export function useLoad<T>(load: () => Promise<T>, key: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => {
        if (live) {
          setData(d);
          setError(null);
        }
      },
      (e: unknown) => {
        if (live) setError(toApiError(e));
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  // Only the first load counts as loading: a reload keeps showing what was there.
  return { data, error, reload, loading: data === null && error === null };
}
