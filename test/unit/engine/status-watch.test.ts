import { describe, expect, it } from 'vitest';
import type { MachineStateChange } from '../../../shared/machines-live.js';
import type { Profile } from '../../../shared/profile.js';
import { StatusWatch } from '../../../electron/engine/status-watch.js';

const profile: Profile = {
  name: 'hosts',
  role: 'test',
  vars: {},
  file: '/p/hosts.yaml',
  files: ['/p/hosts.yaml'],
  machines: [
    { name: 'db', ssh: { host: 'db.local', port: 22, user: 'root', agent: false, become: false, connectTimeoutMs: 1000, commandTimeoutMs: 1000 } as never, resources: [] },
    { name: 'web', docker: { image: 'x', ports: [], env: {}, volumes: [], privileged: false }, resources: [] },
  ],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(answers: boolean[]) {
  let checks = 0;
  const w = new StatusWatch({
    docker: () => Promise.reject(new Error('no engine in unit tests')),
    loadProfile: async () => profile,
    checkMs: 20,
    leaseMs: 120,
    check: async () => {
      const ok = answers[Math.min(checks, answers.length - 1)]!;
      checks++;
      return ok ? { ok: true } : { ok: false, reason: 'connection refused by db.local:22' };
    },
  });
  const seen: MachineStateChange[] = [];
  w.subscribe((c) => seen.push(c));
  return { w, seen, checks: () => checks };
}

describe('the status watch of a profile on screen', () => {
  it('checks only SSH machines, and pushes a change only when the state changes', async () => {
    const h = harness([true, true, true, false, false, true]);
    const id = await h.w.watch(profile.file);
    const end = Date.now() + 5000;
    while (h.checks() < 7 && Date.now() < end) {
      expect(await h.w.watch(profile.file, id)).toBe(id); // renewed, same watch
      await sleep(20);
    }
    h.w.close();
    expect(h.checks()).toBeGreaterThanOrEqual(7);
    expect(h.seen.map((c) => `${c.machine} ${c.state}${c.reason ? ` (${c.reason})` : ''}`)).toEqual([
      'db running',
      'db unreachable (connection refused by db.local:22)',
      'db running',
    ]);
  });

  it('stops checking when its lease is not renewed', async () => {
    const h = harness([true]);
    await h.w.watch(profile.file);
    await sleep(200);
    const after = h.checks();
    await sleep(100);
    expect(h.checks()).toBe(after);
    h.w.close();
  });
});
