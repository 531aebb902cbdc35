import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../../shared/events.js';
import { BATCH_MS, LineStream } from '../../../../electron/engine/runner/log-lines.js';

/** A LineStream on a fake clock: `tick(ms)` runs the timers that are due. */
function harness() {
  const events: RunEvent[] = [];
  let now = 1_000_000;
  let timers: { at: number; fn: () => void; live: boolean }[] = [];
  const ls = new LineStream({
    runId: 'r1',
    machine: 'web',
    stream: 'stdout',
    emit: (e) => events.push(e),
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn, live: true };
      timers.push(t);
      return { cancel: () => (t.live = false) };
    },
  });
  const tick = (ms: number) => {
    now += ms;
    for (const t of timers.filter((x) => x.live && x.at <= now)) {
      t.live = false;
      t.fn();
    }
    timers = timers.filter((x) => x.live);
  };
  const texts = () => events.map((e) => (e.type === 'log' ? e.text : ''));
  return { ls, events, tick, texts };
}

describe('a command output as log lines', () => {
  it('sends complete lines within the batch time, not when the command ends', () => {
    const h = harness();
    h.ls.write('one\ntw');
    expect(h.events).toEqual([]);
    h.tick(BATCH_MS - 1);
    expect(h.events).toEqual([]);
    h.tick(1);
    expect(h.texts()).toEqual(['one']);
    h.ls.write('o\n');
    h.tick(BATCH_MS);
    expect(h.texts()).toEqual(['one', 'two']);
  });

  it('batches the lines of one interval into one event, with the first line time', () => {
    const h = harness();
    h.ls.write('a\n');
    h.tick(30);
    h.ls.write('b\nc\r\n');
    h.tick(70);
    expect(h.events).toHaveLength(1);
    const e = h.events[0]!;
    expect(e).toMatchObject({ type: 'log', runId: 'r1', machine: 'web', stream: 'stdout', text: 'a\nb\nc' });
    expect(e.type === 'log' && e.at).toBe(new Date(1_000_000).toISOString());
  });

  it('a partial last line goes out when the command ends', () => {
    const h = harness();
    h.ls.write('done without newline');
    h.tick(500);
    expect(h.events).toEqual([]);
    h.ls.end();
    expect(h.texts()).toEqual(['done without newline']);
    h.ls.end();
    expect(h.events).toHaveLength(1);
  });

  it('keeps empty lines, and ending flushes what waits for the timer', () => {
    const h = harness();
    h.ls.write('x\n\ny\n');
    h.ls.end();
    expect(h.texts()).toEqual(['x\n\ny']);
    h.tick(BATCH_MS);
    expect(h.events).toHaveLength(1);
  });
});
