// A once-a-second clock for elapsed times. It ticks only while a component that shows a running time
// is on screen, so an idle window has no timer at all.

import { useSyncExternalStore } from 'react';

let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

function subscribe(l: () => void): () => void {
  listeners.add(l);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const x of listeners) x();
    }, 1000);
  }
  return () => {
    listeners.delete(l);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const noSubscribe = () => () => undefined;

/** The time, updated every second while `running`; when not running the caller's own end time counts. */
export function useNow(running: boolean): number {
  return useSyncExternalStore(running ? subscribe : noSubscribe, () => (running ? now : 0));
}
