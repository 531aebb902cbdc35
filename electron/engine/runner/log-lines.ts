// A command's output as the run's `log` events: split into lines as it is produced, and sent in
// batches at most BATCH_MS apart (one event per batch, not one per line: a fast command prints
// thousands of lines a second). A partial last line waits for its newline or for the command's end.

import type { EventSink } from '../../../shared/events.js';

export const BATCH_MS = 100;

export interface LineStreamOptions {
  runId: string;
  machine?: string;
  stream: 'stdout' | 'stderr';
  emit: EventSink;
  /** For tests: the clock and timer. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

const realTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  return { cancel: () => clearTimeout(t) };
};

export class LineStream {
  private partial = '';
  private lines: string[] = [];
  private firstAt = 0;
  private timer: { cancel(): void } | undefined;
  private readonly now: () => number;
  private readonly setTimer: NonNullable<LineStreamOptions['setTimer']>;

  constructor(private readonly opts: LineStreamOptions) {
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? realTimer;
  }

  /** A chunk of output, as the transport decoded it (any size, lines split anywhere). */
  write(chunk: string): void {
    if (!chunk) return;
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!;
    if (parts.length === 0) return;
    if (this.lines.length === 0) this.firstAt = this.now();
    for (const p of parts) this.lines.push(p.endsWith('\r') ? p.slice(0, -1) : p);
    this.timer ??= this.setTimer(() => this.flush(), BATCH_MS);
  }

  /** The command ended: everything goes out now, a last line without its newline included. */
  end(): void {
    if (this.partial) {
      if (this.lines.length === 0) this.firstAt = this.now();
      this.lines.push(this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial);
      this.partial = '';
    }
    this.flush();
  }

  private flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n');
    this.lines = [];
    const { runId, machine, stream } = this.opts;
    this.opts.emit({ type: 'log', runId, ...(machine ? { machine } : {}), stream, text, at: new Date(this.firstAt).toISOString() });
  }
}
