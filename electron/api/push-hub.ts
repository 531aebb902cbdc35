// Fans pushes (run events, shell output) out to every connected renderer: the Electron window, or each
// browser tab's event stream. A slow or broken subscriber must not stop the others.

import type { ApiPush } from '../../shared/api.js';

export type PushListener = (push: ApiPush) => void;

export class PushHub {
  private readonly listeners = new Set<PushListener>();

  subscribe(listener: PushListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(push: ApiPush): void {
    for (const l of this.listeners) {
      try {
        l(push);
      } catch {
        // A subscriber that throws is its own problem; the run goes on.
      }
    }
  }

  /**
   * Like subscribe, but the pushes of one turn of the event loop arrive together: a fast run emits
   * thousands of log events a second, and a renderer should parse and dispatch one message, not thousands.
   */
  subscribeBatched(listener: (batch: ApiPush[]) => void): () => void {
    let pending: ApiPush[] = [];
    const flush = () => {
      const batch = pending;
      pending = [];
      listener(batch);
    };
    return this.subscribe((push) => {
      if (pending.push(push) === 1) setImmediate(flush);
    });
  }
}
