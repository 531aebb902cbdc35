// Coalesces many changes into one notification per animation frame: 10,000 log lines a second become
// 60 renders a second, and nothing at all happens while no events arrive (no timers when idle).

export type Schedule = (fn: () => void) => void;

export const nextFrame: Schedule =
  typeof requestAnimationFrame === 'function'
    ? (fn) => {
        requestAnimationFrame(() => fn());
      }
    : (fn) => {
        setTimeout(fn, 16);
      };

export class FrameBatcher {
  private scheduled = false;
  private readonly listeners = new Set<() => void>();
  /** Bumped once per flushed batch; React reads it as the snapshot. */
  version = 0;

  constructor(private readonly schedule: Schedule = nextFrame) {}

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  getVersion = (): number => this.version;

  /** Marks a change; listeners hear of it at the next frame, once. */
  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.version++;
      for (const l of this.listeners) l();
    });
  }
}
