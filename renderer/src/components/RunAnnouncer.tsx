// Says when a run starts and how it ended, for screen readers (a polite live region) and, in browser
// mode, as a desktop notification when a long run ends.

import { useEffect, useState } from 'react';
import { notifyRunEnded } from '../lib/notify';
import { runStore } from '../state/app-state';
import { runEndWords, runStartWords } from '../state/words';

export function RunAnnouncer() {
  const [text, setText] = useState('');
  useEffect(() => {
    const offStart = runStore.onRunStart((run) => setText(runStartWords(run.kind, run.profile)));
    const offEnd = runStore.onRunEnd((end, run) => {
      const words = runEndWords(run.kind, run.profile, end.ok, end.summary, end.durationMs);
      setText(words);
      notifyRunEnded(`Prodlike: ${run.profile}`, words, end.durationMs);
    });
    return () => {
      offStart();
      offEnd();
    };
  }, []);
  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="run-announcer">
      {text}
    </div>
  );
}
