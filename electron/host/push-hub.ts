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

  get size(): number {
    return this.listeners.size;
  }
}
