// ANSI colours in log lines → styled spans. Only rows on screen are parsed, and parsed rows are cached,
// so a fast log costs nothing for lines nobody looks at.

import Anser from 'anser';

export interface Span {
  text: string;
  /** CSS colours, e.g. "rgb(187, 0, 0)". */
  color?: string;
  background?: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
  dim?: boolean;
}

const ESC = '\u001b';

export function parseAnsi(line: string): Span[] {
  if (!line.includes(ESC)) return [{ text: line }];
  const spans: Span[] = [];
  for (const e of Anser.ansiToJson(line, { json: true, remove_empty: true })) {
    const s: Span = { text: e.content };
    if (e.fg) s.color = `rgb(${e.fg})`;
    if (e.bg) s.background = `rgb(${e.bg})`;
    if (e.decorations.includes('bold')) s.bold = true;
    if (e.decorations.includes('italic')) s.italic = true;
    if (e.decorations.includes('underline')) s.underline = true;
    if (e.decorations.includes('dim')) s.dim = true;
    spans.push(s);
  }
  return spans;
}

/** Text without escape codes (for copy and search). */
export function stripAnsi(line: string): string {
  return line.includes(ESC) ? parseAnsi(line).map((s) => s.text).join('') : line;
}

/** A small LRU of parsed rows: scrolling back and forth does not reparse. */
export class AnsiCache {
  private readonly map = new Map<string, Span[]>();
  constructor(private readonly max = 2000) {}

  get(line: string): Span[] {
    const hit = this.map.get(line);
    if (hit) return hit;
    const spans = parseAnsi(line);
    this.map.set(line, spans);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    return spans;
  }
}

/** The spans of characters [start, end) of a line's plain text (one row of a wrapped line). */
export function sliceSpans(spans: readonly Span[], start: number, end: number): Span[] {
  if (start === 0 && end === Infinity) return spans as Span[];
  const out: Span[] = [];
  let pos = 0;
  for (const s of spans) {
    const from = Math.max(start, pos);
    const to = Math.min(end, pos + s.text.length);
    if (to > from) out.push({ ...s, text: s.text.slice(from - pos, to - pos) });
    pos += s.text.length;
    if (pos >= end) break;
  }
  return out;
}
