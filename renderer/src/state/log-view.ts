// What the log pane shows of a run's log: the lines of one machine, those matching a search, cut into
// rows of the pane's width when wrapping. The pane is virtualized with a fixed row height, so a wrapped
// line is several rows. The index grows with the log (only new lines are looked at), and follows the
// buffer when it drops its oldest lines, so a filter over a 10,000-lines-a-second flood costs per new
// line, not per frame. Without a filter or wrap it is the identity and keeps nothing.

import type { LogBuffer, LogLine } from './log-buffer';

export interface LogViewOptions {
  /** Only this machine's lines ('' or undefined: all). */
  machine?: string;
  /** Only lines containing this text (case-insensitive, escape codes ignored). */
  query?: string;
  /** Cut lines into rows of this many characters; 0 or undefined: no wrap. */
  wrapCols?: number;
}

export interface LogRow {
  line: LogLine;
  /** Index of the line in the buffer. */
  index: number;
  /** The part of the line's plain text this row shows: [start, end). */
  start: number;
  end: number;
}

// CSI sequences (colours and the like): what a search and a wrap must not count.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]/g;

export function plainText(text: string): string {
  return text.includes('\u001b') ? text.replace(ESCAPES, '') : text;
}

export class LogView {
  private opts: Required<LogViewOptions> = { machine: '', query: '', wrapCols: 0 };
  private readonly lineIdx: number[] = [];
  private readonly starts: number[] = [];
  /** Next buffer line to look at, and the buffer's `dropped` the index was built against. */
  private scanned = 0;
  private dropped = 0;

  constructor(private readonly log: LogBuffer) {
    this.dropped = log.dropped;
  }

  get identity(): boolean {
    return !this.opts.machine && !this.opts.query && !this.opts.wrapCols;
  }

  /** Changes what is shown; the index is rebuilt only when something changed. */
  setOptions(o: LogViewOptions): void {
    const next = { machine: o.machine ?? '', query: (o.query ?? '').toLowerCase(), wrapCols: Math.max(0, Math.floor(o.wrapCols ?? 0)) };
    if (next.machine === this.opts.machine && next.query === this.opts.query && next.wrapCols === this.opts.wrapCols) return;
    this.opts = next;
    this.lineIdx.length = 0;
    this.starts.length = 0;
    this.scanned = 0;
    this.dropped = this.log.dropped;
  }

  /** Rows to show now (brings the index up to date first). */
  get length(): number {
    if (this.identity) return this.log.length;
    this.update();
    return this.lineIdx.length;
  }

  row(i: number): LogRow | undefined {
    if (this.identity) {
      const line = this.log.at(i);
      return line ? { line, index: i, start: 0, end: Infinity } : undefined;
    }
    this.update();
    const index = this.lineIdx[i];
    if (index === undefined) return undefined;
    const line = this.log.at(index)!;
    const start = this.starts[i]!;
    const end = this.lineIdx[i + 1] === index ? this.starts[i + 1]! : Infinity;
    return { line, index, start, end };
  }

  /** Plain text of every row shown (a wrapped line once), for Copy. */
  text(): string {
    const out: string[] = [];
    const n = this.length;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const r = this.row(i)!;
      if (r.index === last) continue;
      last = r.index;
      out.push(`${r.line.machine ? `${r.line.machine}  ` : ''}${plainText(r.line.text)}`);
    }
    return out.join('\n');
  }

  private update(): void {
    const shift = this.log.dropped - this.dropped;
    if (shift > 0) {
      // The buffer dropped its oldest lines: forget their rows and renumber the rest.
      let cut = 0;
      while (cut < this.lineIdx.length && this.lineIdx[cut]! < shift) cut++;
      this.lineIdx.splice(0, cut);
      this.starts.splice(0, cut);
      for (let i = 0; i < this.lineIdx.length; i++) this.lineIdx[i]! -= shift;
      this.scanned = Math.max(0, this.scanned - shift);
      this.dropped = this.log.dropped;
    }
    const { machine, query, wrapCols } = this.opts;
    const total = this.log.length;
    for (let i = this.scanned; i < total; i++) {
      const line = this.log.at(i)!;
      if (machine && line.machine !== machine) continue;
      const plain = query || wrapCols ? plainText(line.text) : line.text;
      if (query && !plain.toLowerCase().includes(query)) continue;
      const rows = wrapCols ? Math.max(1, Math.ceil(plain.length / wrapCols)) : 1;
      for (let r = 0; r < rows; r++) {
        this.lineIdx.push(i);
        this.starts.push(r * wrapCols);
      }
    }
    this.scanned = total;
  }
}
