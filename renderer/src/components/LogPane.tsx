// The run log: only rows on screen are in the DOM (fixed row height), ANSI colours parsed per visible
// row and cached, and the view follows the tail until the user scrolls up. It re-renders when the run
// store flushes (once per frame), so 10,000 lines a second cost one render per frame, not 10,000.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { AnsiCache } from '../state/ansi';
import type { LogBuffer } from '../state/log-buffer';

const ROW = 18;
const OVERSCAN = 8;

export function LogPane({ log, version }: { log: LogBuffer; version: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(320);
  const [follow, setFollow] = useState(true);
  const cache = useMemo(() => new AnsiCache(), []);
  // Where we last scrolled to ourselves: the scroll event that follows is ours, not the user's, and must
  // not turn following on or off (in a flood there is always one in flight).
  const ownScroll = useRef(-1);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const total = log.length;
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

  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(total, Math.ceil((top + height) / ROW) + OVERSCAN);
  const slots = Math.ceil(height / ROW) + 2 * OVERSCAN + 2;
  const rows = [];
  for (let i = first; i < last; i++) {
    const line = log.at(i);
    if (!line) continue;
    rows.push(
      // Keyed by slot, not by line: as the window moves, React rewrites a row's text in place instead
      // of removing and creating DOM nodes every frame.
      <div key={i % slots} className={`log-row log-${line.stream}`} style={{ top: i * ROW }}>
        {line.machine && <span className="log-machine">{line.machine}</span>}
        {cache.get(line.text).map((s, j) => (
          <span
            key={j}
            style={{
              color: s.color,
              background: s.background,
              fontWeight: s.bold ? 600 : undefined,
              fontStyle: s.italic ? 'italic' : undefined,
              textDecoration: s.underline ? 'underline' : undefined,
              opacity: s.dim ? 0.7 : undefined,
            }}
          >
            {s.text}
          </span>
        ))}
      </div>,
    );
  }

  return (
    <div className="log-wrap">
      <div className="log-toolbar">
        <span className="muted" aria-live="off">
          {total.toLocaleString()} lines{log.dropped ? ` (${log.dropped.toLocaleString()} older dropped)` : ''}
        </span>
        <button type="button" aria-pressed={follow} onClick={() => setFollow(!follow)}>
          {follow ? 'Following output' : 'Follow output'}
        </button>
      </div>
      <div ref={ref} className="log-pane" role="log" aria-label="Run log" tabIndex={0} onScroll={onScroll}>
        <div className="log-spacer" style={{ height: total * ROW }}>
          {rows}
        </div>
      </div>
    </div>
  );
}
