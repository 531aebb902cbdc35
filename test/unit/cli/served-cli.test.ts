// The agent rendering a native client's run (served-cli.ts, served-terminal.ts): colours decided per run
// from the client's environment and terminal, never from the agent's own process; on a terminal, the live
// lines drawn at the client's size and the cursor hidden and shown on the client's stderr, as the Node
// CLI's log-update does it. The run here is a fake connection that emits a run's events.
import { createLogUpdate } from 'log-update';
import { describe, expect, it } from 'vitest';
import { clientColors, serveCli } from '../../../electron/cli/served-cli.js';
import { HIDE_CURSOR, SHOW_CURSOR, servedTerminal } from '../../../electron/cli/served-terminal.js';
import type { CliConnection, CliFrameType, CliRequest } from '../../../electron/engine/agent/protocol.js';
import type { RunEvent } from '../../../shared/events.js';
import type { RunResult } from '../../../shared/report.js';

const runId = 'r-1';
const summary = { ok: 0, changed: 1, pending: 0, failed: 0 };
const events: RunEvent[] = [
  { type: 'run-start', runId, kind: 'up', profile: 'shop', profileFile: '/p/shop.yaml', machines: ['web'], at: new Date().toISOString() },
  { type: 'machine', runId, machine: 'web', phase: 'probe', status: 'start', detail: 'checking 2 resources' },
  { type: 'resource', runId, machine: 'web', resource: { id: 'file:/etc/motd', kind: 'file', name: '/etc/motd' }, status: 'changed', changes: [{ field: 'content', summary: 'content: 1 line' }] },
  { type: 'run-end', runId, kind: 'up', profile: 'shop', ok: true, summary, durationMs: 12 },
];
const result: RunResult = { runId, kind: 'up', profile: 'shop', profileFile: '/p/shop.yaml', ok: true, startedAt: new Date().toISOString(), durationMs: 12, machines: [{ machine: 'web', provider: 'docker', status: 'changed', resources: [], durationMs: 10 }], summary };

/** Serves `up shop` for a client with that environment and terminal; the frames it got. */
async function serve(req: Partial<CliRequest>, opts: { argv?: string[]; resizeTo?: [number, number]; resultAfterMs?: number } = {}): Promise<[CliFrameType, string][]> {
  const frames: [CliFrameType, string][] = [];
  let resize: ((c: number, r: number) => void) | undefined;
  const conn: CliConnection = {
    mismatch: () => undefined,
    start: (_req, _opts, emit) => {
      const done = (async () => {
        for (const e of events) {
          await new Promise((r) => setTimeout(r, 1));
          if (e.type === 'run-end' && opts.resizeTo) resize?.(...opts.resizeTo);
          emit(e);
        }
        // The run's record is written between run-end and the result.
        if (opts.resultAfterMs) await new Promise((r) => setTimeout(r, opts.resultAfterMs));
        return result;
      })();
      return { runId, pid: 1, done, cancel: () => undefined };
    },
    frame: (t, p) => frames.push([t, p]),
    onResize: (f) => (resize = f),
  };
  await serveCli({ op: 'cli', argv: opts.argv ?? ['up', 'shop'], cwd: '/tmp', env: {}, main: '/nowhere/main.mjs', tty: false, ...req }, conn);
  return frames;
}
const text = (frames: [CliFrameType, string][], type: CliFrameType) =>
  frames
    .filter(([t]) => t === type)
    .map(([, p]) => p)
    .join('');
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[\d+m/;

describe('the colours of a served run are the client’s', () => {
  const cases: [string, Record<string, string>, boolean, boolean][] = [
    ['a terminal', {}, true, true],
    ['a terminal with NO_COLOR', { NO_COLOR: '1' }, true, false],
    ['a dumb terminal', { TERM: 'dumb' }, true, false],
    ['a pipe', {}, false, false],
    ['a pipe with FORCE_COLOR', { FORCE_COLOR: '1' }, false, true],
    ['a pipe in CI', { CI: 'true' }, false, true],
  ];
  // Both answers are asked for, so a colour taken from the agent's own process (either way) fails one.
  for (const [name, env, tty, coloured] of cases) {
    it(`${name}: ${coloured ? 'coloured' : 'no colour escapes'}`, async () => {
      expect(clientColors(env, tty)).toBe(coloured);
      const frames = await serve({ env, tty, stderrTty: tty, columns: 100, rows: 30 });
      expect(frames.at(-1)).toEqual(['x', '0']);
      const out = text(frames, 'o');
      expect(out).toContain('up shop, 1 machine(s): 0 ok, ');
      expect(SGR.test(out)).toBe(coloured);
      if (coloured) expect(out).toContain('\x1b[32m✓\x1b[39m up shop');
    });
  }
});

describe('a served run on a terminal', () => {
  it('draws the live lines on the client’s stdout, hides the cursor on its stderr meanwhile and shows it at the end', async () => {
    const frames = await serve({ env: { NO_COLOR: '1' }, tty: true, stderrTty: true, columns: 100, rows: 30 });
    const out = text(frames, 'o');
    // The changed resource is printed for good, the live line of the machine last, then the summary.
    expect(out).toMatch(/changed web file \/etc\/motd\n {6}- content: 1 line\n/);
    expect(out).toMatch(/✓ web {10}\s+1 changed\n✓ up shop, 1 machine\(s\): 0 ok, 1 changed in 12 ms\n$/);
    // Every frame of the live block but the first erases the one before (log-update).
    expect(out).toContain('\x1b[2K\x1b[1A\x1b[2K\x1b[G');
    const err = text(frames, 'e');
    expect(err.replaceAll(HIDE_CURSOR, '').replaceAll(SHOW_CURSOR, '')).toBe('');
    expect(err.startsWith(HIDE_CURSOR)).toBe(true);
    // done() shows it, and so does the exit (restore-cursor), as in the Node CLI.
    expect(err.endsWith(SHOW_CURSOR + SHOW_CURSOR)).toBe(true);
    // The show at exit comes after the summary, before the exit code.
    const i = frames.findIndex(([t, p]) => t === 'o' && p.includes('up shop, 1 machine'));
    expect(frames.slice(i + 1)).toEqual([['e', SHOW_CURSOR], ['x', '0']]);
  });

  it('draws the final live block once, even when the result comes several frames after run-end', async () => {
    const out = text(await serve({ env: { NO_COLOR: '1' }, tty: true, columns: 100, rows: 30 }, { resultAfterMs: 300 }), 'o');
    expect(out.split('✓ web').length - 1).toBe(1);
  });

  it('leaves the cursor alone when stderr is not a terminal (cli-cursor does)', async () => {
    const frames = await serve({ env: { NO_COLOR: '1' }, tty: true, stderrTty: false, columns: 100, rows: 30 });
    expect(text(frames, 'e')).toBe('');
    expect(text(frames, 'o')).toContain('\x1b[2K');
  });

  it('wraps the live lines at the client’s width, and at the new one after a resize', async () => {
    const lastBlock = (frames: [CliFrameType, string][]) => {
      const out = text(frames, 'o');
      return out.slice(out.lastIndexOf('\x1b[G') + 3, out.indexOf('✓ up shop'));
    };
    const narrow = lastBlock(await serve({ env: { NO_COLOR: '1' }, tty: true, columns: 12, rows: 30 }));
    expect(narrow.split('\n').filter(Boolean).every((l) => [...l].length <= 12)).toBe(true);
    expect(narrow.split('\n').filter(Boolean).length).toBeGreaterThan(1);
    const wide = lastBlock(await serve({ env: { NO_COLOR: '1' }, tty: true, columns: 12, rows: 30 }, { resizeTo: [100, 30] }));
    expect(wide.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('--json on a terminal: NDJSON, no live lines, no cursor', async () => {
    const frames = await serve({ env: {}, tty: true, stderrTty: true, columns: 100, rows: 30 }, { argv: ['up', 'shop', '--json'] });
    const lines = text(frames, 'o').trim().split('\n');
    expect(lines.map((l) => Object.keys(JSON.parse(l) as object)[0])).toEqual(['type', 'type', 'type', 'type', 'result']);
    expect(text(frames, 'e')).toBe('');
  });
});

describe('servedTerminal', () => {
  it('shows the cursor at exit only if a frame hid it', () => {
    const written: [string, string][] = [];
    const t = servedTerminal({ stderrTty: true, columns: 80, rows: 24 }, (type, s) => written.push([type, s]), createLogUpdate);
    t.exit();
    expect(written).toEqual([]);
    t.live('a');
    t.live('a'); // unchanged: nothing drawn, but hidden again (cli-cursor does it on every call)
    t.live.done();
    t.exit();
    expect(written).toEqual([
      ['e', HIDE_CURSOR],
      ['o', 'a\n'],
      ['e', HIDE_CURSOR],
      ['e', SHOW_CURSOR],
      ['e', SHOW_CURSOR],
    ]);
  });
  it('an unread size is log-update’s default, 80 columns (as Node’s stdout without one)', () => {
    const written: string[] = [];
    const t = servedTerminal({ stderrTty: false }, (_type, s) => written.push(s), createLogUpdate);
    t.live('x'.repeat(100));
    expect(written[0]!.split('\n')[0]).toHaveLength(80);
  });
});

describe('paths in a served run', () => {
  it('are shown relative to the client’s folder, not the agent’s', async () => {
    const kind = result.kind;
    result.kind = 'capture';
    try {
      const frames = await serve({ cwd: '/work/app' }, { argv: ['capture', 'shop', '--out', 'baselines/prod.yaml'] });
      expect(text(frames, 'o')).toContain('written to baselines/prod.yaml in');
    } finally {
      result.kind = kind;
    }
  });
});
