// The lines of a run's log, kept as plain strings (ANSI parsed only for rows on screen). Appending is
// O(1) per line; past the cap the oldest lines go, in chunks, so memory stays bounded on endless output.

export interface LogLine {
  text: string;
  stream: 'stdout' | 'stderr' | 'info' | 'warn';
  machine?: string;
  /** When it arrived (ms since the epoch), for the timestamps column. */
  at?: number;
}

export class LogBuffer {
  private lines: LogLine[] = [];
  /** Lines dropped from the front so far: row i of the view is line `dropped + i` of the run. */
  dropped = 0;
  /** Bumped on every change; views compare it instead of the lines. */
  version = 0;

  constructor(private readonly cap = 200_000) {}

  get length(): number {
    return this.lines.length;
  }

  at(i: number): LogLine | undefined {
    return this.lines[i];
  }

  /** Adds a chunk of output; it may hold several lines. A trailing newline does not make an empty row. */
  append(text: string, stream: LogLine['stream'], machine?: string, at?: number): void {
    const parts = text.split(/\r?\n/);
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    for (const p of parts) this.lines.push(at === undefined ? { text: p, stream, machine } : { text: p, stream, machine, at });
    if (this.lines.length > this.cap) {
      // Drop a tenth at once: one splice per many appends, not one per line.
      const n = this.lines.length - Math.floor(this.cap * 0.9);
      this.lines.splice(0, n);
      this.dropped += n;
    }
    this.version++;
  }

  slice(start: number, end: number): LogLine[] {
    return this.lines.slice(start, end);
  }

  clear(): void {
    this.lines = [];
    this.dropped = 0;
    this.version++;
  }
}
