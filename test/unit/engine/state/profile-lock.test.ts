import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockProfile } from '../../../../electron/engine/state/profile-lock.js';

const tmp = () => mkdtemp(path.join(os.tmpdir(), 'pl-lock-'));

describe('profile lock', () => {
  it('refuses a second run of the same profile and says who holds it', async () => {
    const dir = await tmp();
    const held = await lockProfile(dir, 'shop-dev', { runId: 'r1', kind: 'up' });
    await expect(lockProfile(dir, 'shop-dev', { runId: 'r2', kind: 'up' })).rejects.toThrow(/shop-dev is busy: another run \(up, pid \d+/);
    await held.release();
    const again = await lockProfile(dir, 'shop-dev', { runId: 'r3', kind: 'up' });
    await again.release();
  });

  it('lets different profiles run at the same time', async () => {
    const dir = await tmp();
    const a = await lockProfile(dir, 'shop-dev', { runId: 'a', kind: 'up' });
    const b = await lockProfile(dir, 'shop-test', { runId: 'b', kind: 'up' });
    await Promise.all([a.release(), b.release()]);
  });

  it('takes over a lock left by a killed run (its pid is gone)', async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, 'locks'), { recursive: true });
    // pid 2^22+1 is above Linux's pid_max default range for a live process here
    await writeFile(path.join(dir, 'locks', 'shop-dev.lock'), JSON.stringify({ pid: 4194305, runId: 'dead', kind: 'up', startedAt: '2026-01-01T00:00:00Z' }));
    const held = await lockProfile(dir, 'shop-dev', { runId: 'new', kind: 'up' });
    expect(JSON.parse(await readFile(path.join(dir, 'locks', 'shop-dev.lock'), 'utf8')).runId).toBe('new');
    await held.release();
  });

  it('takes over a torn lock file', async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, 'locks'), { recursive: true });
    await writeFile(path.join(dir, 'locks', 'shop-dev.lock'), '{"pid": 12');
    const held = await lockProfile(dir, 'shop-dev', { runId: 'new', kind: 'up' });
    await held.release();
  });

  it('waits for the holder when asked to', async () => {
    const dir = await tmp();
    const held = await lockProfile(dir, 'shop-dev', { runId: 'r1', kind: 'up' });
    setTimeout(() => void held.release(), 300);
    const t = Date.now();
    const next = await lockProfile(dir, 'shop-dev', { runId: 'r2', kind: 'up' }, { waitMs: 5000 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(250);
    await next.release();
  });

  it.skipIf(process.platform !== 'linux')('takes over a lock whose holder was killed but not reaped yet (a zombie answers kill 0)', async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, 'locks'), { recursive: true });
    // `sleep 0.1` ends under a parent that exec'd into `sleep 5` and never reaps it: a zombie for 5 s.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((r) => parent.stdout.once('data', (d: Buffer) => r(d.toString()))));
    await new Promise((r) => setTimeout(r, 400));
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toMatch(/\) Z/);
    await writeFile(path.join(dir, 'locks', 'shop-dev.lock'), JSON.stringify({ pid, runId: 'killed', kind: 'up', startedAt: '2026-01-01T00:00:00Z' }));
    const held = await lockProfile(dir, 'shop-dev', { runId: 'next', kind: 'up' });
    await held.release();
    parent.kill();
  });
});
