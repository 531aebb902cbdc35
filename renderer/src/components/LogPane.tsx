// The run log: only rows on screen are in the DOM (fixed row height), ANSI colours parsed per visible
// row and cached, and the view follows the tail until the user scrolls up. It re-renders when the run
// store flushes (once per frame), so 10,000 lines a second cost one render per frame, not 10,000.
// Filter by machine, search, timestamps, wrap and copy work on a LogView: an index over the buffer
// that grows with it, so they stay cheap during a flood.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { AnsiCache, sliceSpans, type Span } from '../state/ansi';
import type { LogBuffer } from '../state/log-buffer';
import { LogView } from '../state/log-view';

const ROW = 18;
const OVERSCAN = 8;
/** Width of one character of the log font (12px monospace), before it is measured. */
const CHAR_PX = 7.2;

function clock(at: number | undefined): string {
  if (at === undefined) return '            ';
  const d = new Date(at);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** The spans of a row with the search text marked. */
function marked(spans: Span[], query: string): { span: Span; hit: boolean }[] {
  if (!query) return spans.map((span) => ({ span, hit: false }));
  const q = query.toLowerCase();
  const out: { span: Span; hit: boolean }[] = [];
  for (const s of spans) {
    const low = s.text.toLowerCase();
    let from = 0;
    for (let at = low.indexOf(q); at !== -1; at = low.indexOf(q, from)) {
      if (at > from) out.push({ span: { ...s, text: s.text.slice(from, at) }, hit: false });
      out.push({ span: { ...s, text: s.text.slice(at, at + q.length) }, hit: true });
      from = at + q.length;
    }
    if (from < s.text.length) out.push({ span: from === 0 ? s : { ...s, text: s.text.slice(from) }, hit: false });
  }
  return out;
}

export function LogPane({ log, version, machines = [], done = false }: { log: LogBuffer; version: number; machines?: string[]; done?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(320);
  const [width, setWidth] = useState(800);
  const [follow, setFollow] = useState(true);
  const [machine, setMachine] = useState('');
  const [query, setQuery] = useState('');
  const [stamps, setStamps] = useState(false);
  const [wrap, setWrap] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const cache = useMemo(() => new AnsiCache(), []);
  const view = useMemo(() => new LogView(log), [log]);
  // Where we last scrolled to ourselves: the scroll event that follows is ours, not the user's, and must
  // not turn following on or off (in a flood there is always one in flight).
  const ownScroll = useRef(-1);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      setHeight(el.clientHeight);
      setWidth(el.clientWidth);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const showMachine = machines.length > 1 && !machine;
  const machineChars = showMachine ? Math.max(...machines.map((m) => m.length)) + 2 : 0;
  const wrapCols = wrap ? Math.max(20, Math.floor((width - 16) / CHAR_PX) - machineChars - (stamps ? 13 : 0)) : 0;
  view.setOptions({ machine, query, wrapCols });

  const total = view.length;
  const bottom = Math.max(0, total * ROW - height);
  const top = follow ? bottom : Math.min(scrollTop, bottom);

  useLayoutEffect(() => {
    const el = ref.current;
    if (el && follow && Math.abs(el.scrollTop - bottom) > 1) {
      ownScroll.current = bottom;
      el.scrollTop = bottom;
    }
  }, [follow, bottom, version]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    if (Math.abs(el.scrollTop - ownScroll.current) < 1) return;
    setScrollTop(el.scrollTop);
    // At the bottom (within a row) means "keep following"; anywhere else means the user is reading.
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    if (atBottom !== follow) setFollow(atBottom);
  };

  const copy = async () => {
    const text = view.text();
    const n = text ? text.split('\n').length : 0;
    try {
      await navigator.clipboard.writeText(text);
      setCopied(`Copied ${n.toLocaleString()} line${n === 1 ? '' : 's'}`);
    } catch {
      setCopied('The browser did not allow copying: select the text instead');
    }
  };
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(null), 2500);
    return () => clearTimeout(t);
  }, [copied]);

  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(total, Math.ceil((top + height) / ROW) + OVERSCAN);
  const slots = Math.ceil(height / ROW) + 2 * OVERSCAN + 2;
  const rows = [];
  for (let i = first; i < last; i++) {
    const r = view.row(i);
    if (!r) continue;
    const { line } = r;
    const head = r.start === 0;
    rows.push(
      // Keyed by slot, not by line: as the window moves, React rewrites a row's text in place instead
      // of removing and creating DOM nodes every frame.
      <div key={i % slots} className={`log-row log-${line.stream}`} style={{ top: i * ROW }}>
        {stamps && <span className="log-time">{head ? clock(line.at) : ''}</span>}
        {showMachine && (
          <span className="log-machine" style={{ width: `${machineChars}ch` }}>
            {head ? (line.machine ?? '') : ''}
          </span>
        )}
        {marked(sliceSpans(cache.get(line.text), r.start, r.end), query).map(({ span: s, hit }, j) => {
          const style = {
            color: s.color,
            background: s.background,
            fontWeight: s.bold ? 600 : undefined,
            fontStyle: s.italic ? 'italic' : undefined,
            textDecoration: s.underline ? 'underline' : undefined,
            opacity: s.dim ? 0.7 : undefined,
          };
          return hit ? (
            <mark key={j} className="log-hit">
              {s.text}
            </mark>
          ) : (
            <span key={j} style={style}>
              {s.text}
            </span>
          );
        })}
      </div>,
    );
  }

  const filtered = !!machine || !!query;
  return (
    <div className="log-wrap">
      <div className="log-toolbar" role="toolbar" aria-label="Log tools">
        <span className="muted log-count" aria-live="off">
          {filtered ? `${total.toLocaleString()} of ${log.length.toLocaleString()} lines` : `${log.length.toLocaleString()} lines`}
          {log.dropped ? ` (${log.dropped.toLocaleString()} older dropped)` : ''}
        </span>
        {machines.length > 1 && (
          <select aria-label="Show the log of" value={machine} onChange={(e) => setMachine(e.target.value)}>
            <option value="">All machines</option>
            {machines.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        )}
        <input type="search" aria-label="Search the log" placeholder="Search" value={query} onChange={(e) => setQuery(e.target.value)} />
        <button type="button" aria-pressed={stamps} onClick={() => setStamps(!stamps)} title="Show when each line arrived">
          Timestamps
        </button>
        <button type="button" aria-pressed={wrap} onClick={() => setWrap(!wrap)} title="Wrap long lines to the width of the pane">
          Wrap
        </button>
        <button type="button" onClick={() => void copy()} title={filtered ? 'Copy the lines shown (filtered)' : 'Copy the whole log as text'}>
          Copy
        </button>
        <button type="button" aria-pressed={follow} onClick={() => setFollow(!follow)} title="Keep the newest line in view">
          {follow ? 'Following output' : 'Follow output'}
        </button>
        {copied && (
          <span className="log-copied" role="status">
            {copied}
          </span>
        )}
      </div>
      <div ref={ref} className={`log-pane${total === 0 && done ? ' log-pane-empty' : ''}`} role="log" aria-label="Run log" tabIndex={0} onScroll={onScroll}>
        <div className="log-spacer" style={{ height: total * ROW }}>
          {rows}
          {total === 0 && <div className="log-empty">{filtered ? 'No line matches.' : done ? 'No output.' : 'No output yet.'}</div>}
        </div>
      </div>
    </div>
  );
}
