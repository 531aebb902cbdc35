// Browser mode: a desktop notification when a long run ends (Electron shows its own from main). The
// permission is asked only when the user presses "Notify me when done".

import { useCallback, useState } from 'react';

/** Runs shorter than this end while the user is still looking: no notification. */
export const LONG_RUN_MS = 10_000;

export function notificationsAvailable(): boolean {
  return typeof Notification !== 'undefined' && !(window as { prodlike?: unknown }).prodlike;
}

export function useNotifyPermission(): [NotificationPermission | 'unsupported', () => Promise<void>] {
  const [p, setP] = useState<NotificationPermission | 'unsupported'>(notificationsAvailable() ? Notification.permission : 'unsupported');
  const ask = useCallback(async () => {
    if (!notificationsAvailable()) return;
    setP(await Notification.requestPermission());
  }, []);
  return [p, ask];
}

export function notifyRunEnded(title: string, body: string, durationMs: number): void {
  if (!notificationsAvailable() || Notification.permission !== 'granted' || durationMs < LONG_RUN_MS) return;
  try {
    new Notification(title, { body, tag: 'prodlike-run' });
  } catch {
    // Some browsers allow notifications only from a service worker: the in-page announcement remains.
  }
}
