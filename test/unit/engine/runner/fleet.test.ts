import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../../shared/events.js';
import { parseForks } from '../../../../electron/cli/run-kind.js';
import { createRunRenderer } from '../../../../electron/cli/render-run.js';
import { forEachMachine, mapLimit } from '../../../../electron/engine/runner/fleet.js';
import type { ProviderSet } from '../../../../electron/engine/runner/backends.js';
import type { MachineSpec, Profile } from '../../../../shared/profile.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('mapLimit', () => {
  it('never has more than `limit` items in flight, and does every item once', async () => {
    let now = 0;
    let max = 0;
    const seen: number[] = [];
    await mapLimit([...Array(25).keys()], 4, async (i) => {
      max = Math.max(max, ++now);
      await tick();
      seen.push(i);
      now--;
    });
    expect(max).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(25).keys()]);
  });

  it('a limit above the count runs them all at once; an empty list does nothing', async () => {
    let now = 0;
    let max = 0;
    await mapLimit([1, 2, 3], 50, async () => {
      max = Math.max(max, ++now);
      await tick();
      now--;
    });
    expect(max).toBe(3);
    await mapLimit([], 5, async () => {
      throw new Error('never called');
    });
  });
});

describe('--forks', () => {
  it('takes a whole number from 1 to 1000', () => {
    expect(parseForks('1')).toBe(1);
    expect(parseForks('50')).toBe(50);
    expect(parseForks('1000')).toBe(1000);
    for (const bad of ['0', '-1', '2.5', 'ten', '', '1001']) expect(() => parseForks(bad)).toThrow(`--forks ${bad}: expected a whole number from 1 to 1000`);
  });
});

describe('the fleet progress line', () => {
  const progress = (current: number, total: number, failed: number): RunEvent => ({ type: 'progress', runId: 'r', task: 'hosts', current, total, failed });

  it('without a terminal, prints hosts done/total and failures at each tenth, not at every host', () => {
    const lines: string[] = [];
    const r = createRunRenderer({ tty: false, verbose: false, colors: pc, write: (s) => lines.push(s) });
    for (let i = 0; i <= 100; i++) r.onEvent(progress(i, 100, i >= 37 ? 1 : 0));
    r.stop();
    // Colour or not (picocolors follows the environment): the words are what is checked.
    // eslint-disable-next-line no-control-regex
    const fleet = lines.filter((l) => l.includes('hosts')).map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(fleet).toHaveLength(10);
    expect(fleet[0]).toBe('  hosts 10/100 done, 0 failed');
    expect(fleet[3]).toBe('  hosts 40/100 done, 1 failed');
    expect(fleet.at(-1)).toBe('  hosts 100/100 done, 1 failed');
  });
});

describe('forEachMachine', () => {
  const sshMachine = (name: string, port: number) => ({ name, resources: [], ssh: { host: '10.0.0.1', port, user: 'root' } }) as unknown as MachineSpec;

  it('connects each host in its turn, at most `forks` open at once, closes each after its work, and counts the failures', async () => {
    let open = 0;
    let maxOpen = 0;
    const closed: string[] = [];
    const events: RunEvent[] = [];
    // An SSH backend attaches by connecting (as its `up` does).
    const ssh = {
      attach: async (_p: unknown, ms: MachineSpec[]) => {
        const m = ms[0]!;
        if (m.name === 'h3') return new Map([[m.name, new Error('h3 is unreachable')]]);
        maxOpen = Math.max(maxOpen, ++open);
        const t = { target: m.name, close: async () => void (closed.push(m.name), open--) };
        return new Map([[m.name, t]]);
      },
    };
    const providers = { ssh: async () => ssh } as unknown as ProviderSet;
    const machines = Array.from({ length: 9 }, (_, i) => sshMachine(`h${i + 1}`, 22 + i));
    const failed: string[] = [];
    const r = await forEachMachine({
      providers,
      profile: { machines } as unknown as Profile,
      machines,
      ctx: { runId: 'r', emit: (e) => events.push(e) },
      forks: 3,
      work: async (m) => {
        await tick();
        if (m.name === 'h5') throw new Error('probe failed');
      },
      failed: (m, err, phase) => failed.push(`${m.name} ${phase} ${err.message}`),
    });
    expect(maxOpen).toBe(3);
    expect(closed.sort()).toEqual(['h1', 'h2', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9']);
    expect(failed.sort()).toEqual(['h3 provision h3 is unreachable', 'h5 probe probe failed']);
    expect(r).toEqual({ done: 9, failed: 2 });
    const last = events.filter((e) => e.type === 'progress').pop();
    expect(last).toMatchObject({ task: 'hosts', current: 9, total: 9, failed: 2 });
  });

  it('lets `forks` commands listen for the cancel at once without Node warning of a leak', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const signal = new AbortController().signal;
    const machines = Array.from({ length: 30 }, (_, i) => sshMachine(`h${i + 1}`, 22 + i));
    const providers = { ssh: async () => ({ attach: async (_p: unknown, ms: MachineSpec[]) => new Map(ms.map((m) => [m.name, { target: m.name, close: async () => undefined }])) }) } as unknown as ProviderSet;
    const listeners: (() => void)[] = [];
    await forEachMachine({
      providers,
      profile: { machines } as unknown as Profile,
      machines,
      ctx: { runId: 'r', emit: () => undefined, signal },
      forks: 25,
      work: async () => {
        const l = () => undefined;
        listeners.push(l);
        signal.addEventListener('abort', l, { once: true });
        await tick();
      },
      failed: () => undefined,
    });
    await tick();
    process.off('warning', onWarning);
    expect(listeners.length).toBe(30);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
