// Notices of scheduled drift checks (drift appeared, went away, or the machines cannot be checked) as
// in-app notifications: drift is an alert, back in sync a polite status. In browser mode, also a desktop
// notification when the user allowed them and the page is not in front (Electron's main process shows
// its own system notification).

import { useEffect, useState } from 'react';
import type { DriftNotice } from '../../../shared/agent';
import { api } from '../lib/api';
import { notificationsAvailable } from '../lib/notify';
import { addNotice, noticeView } from '../state/drift-schedule';

interface Shown {
  id: number;
  notice: DriftNotice;
}

function desktopNotify(n: DriftNotice, title: string): void {
  if (!notificationsAvailable() || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    new Notification(`Prodlike: ${title}`, { body: n.message, tag: `prodlike-drift-${n.file}` });
  } catch {
    // Some browsers allow notifications only from a service worker: the in-app one remains.
  }
}

export function DriftNotices({ onShow }: { onShow(file: string, runId: string): void }) {
  const [shown, setShown] = useState<Shown[]>([]);
  useEffect(() => {
    let next = 1;
    return api.subscribe((p) => {
      if (p.type !== 'drift-notice') return;
      desktopNotify(p.notice, noticeView(p.notice).title);
      const item = { id: next++, notice: p.notice };
      setShown((list) => addNotice(list, item));
    });
  }, []);
  const dismiss = (id: number) => setShown((list) => list.filter((x) => x.id !== id));
  return (
    <section className="toasts" aria-label="Notifications">
      {shown.map(({ id, notice }) => {
        const v = noticeView(notice);
        return (
          <div key={id} className={`toast toast-${v.tone}`} role={v.role} data-testid="drift-notice">
            <strong>{v.title}</strong> <span>{v.text}</span>
            <span className="toast-actions">
              <button
                type="button"
                className="icon-button"
                onClick={() => {
                  onShow(notice.file, notice.check.runId);
                  dismiss(id);
                }}
              >
                Show the check
              </button>
              <button type="button" className="icon-button" aria-label={`Dismiss: ${v.text}`} onClick={() => dismiss(id)}>
                Dismiss
              </button>
            </span>
          </div>
        );
      })}
    </section>
  );
}
