// A desktop notification when a long run ends, so nobody has to watch a 3-minute setup; and when a
// scheduled drift check finds that drift appeared or went away.

import { Notification, type BrowserWindow } from 'electron';
import type { PushHub } from '../api/push-hub.js';

const LONG_RUN_MS = 10_000;

export function notifyLongRuns(hub: PushHub, getWindow: () => BrowserWindow | null): void {
  if (!Notification.isSupported()) return;
  hub.subscribe((push) => {
    if (push.type !== 'run-event' || push.event.type !== 'run-end') return;
    const e = push.event;
    const win = getWindow();
    // A short run, or one the user is watching, needs no notification.
    if (e.durationMs < LONG_RUN_MS || win?.isFocused()) return;
    const { ok, changed, failed } = e.summary;
    const n = new Notification({
      title: `${e.profile}: ${e.kind} ${e.ok ? 'finished' : 'failed'}`,
      body: e.error?.message ?? `${ok} ok, ${changed} changed, ${failed} failed in ${Math.round(e.durationMs / 1000)} s`,
    });
    n.on('click', () => {
      win?.show();
      win?.focus();
    });
    n.show();
  });
}

/** A scheduled drift check's notice, as a system notification unless the window is in front (it shows its own). */
export function notifyDriftChanges(hub: PushHub, getWindow: () => BrowserWindow | null): void {
  if (!Notification.isSupported()) return;
  hub.subscribe((push) => {
    if (push.type !== 'drift-notice') return;
    const win = getWindow();
    if (win?.isFocused()) return;
    const { notice } = push;
    const n = new Notification({ title: `Prodlike: ${notice.profile}`, body: notice.message, urgency: notice.check.state === 'in-sync' ? 'low' : 'normal' });
    n.on('click', () => {
      win?.show();
      win?.focus();
    });
    n.show();
  });
}
