// One lock per profile: two runs of one profile never interleave. The lock file holds the owner's pid,
// so a lock left by a killed run (SIGKILL) is recognised as stale and taken over, and a live one is
// refused with a message that says who holds it.

import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { RefusedError } from '../errors.js';

interface LockInfo {
  pid: number;
  runId: string;
  kind: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !zombie(pid);
}

/**
 * A killed process that nobody has reaped yet still answers kill(0): an agent killed with SIGKILL, whose
 * parent (init in a container) reaps late. Its locks are stale all the same.
 */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^\S+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false; // no /proc (macOS): kill(0) decides
  }
}

export interface HeldLock {
  release(): Promise<void>;
}

export async function lockProfile(
  dir: string,
  profileName: string,
  info: Omit<LockInfo, 'pid' | 'startedAt'>,
  opts: { waitMs?: number } = {},
): Promise<HeldLock> {
  const file = path.join(dir, 'locks', `${profileName}.lock`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const mine: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), ...info };
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (;;) {
    try {
      await fs.writeFile(file, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      return {
        release: async () => {
          await fs.rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo;
    } catch {
      holder = undefined; // torn write by a killed process: treat as stale
    }
    if (!holder || !alive(holder.pid) || (holder.pid === process.pid && holder.runId === info.runId)) {
      await fs.rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new RefusedError(
        `profile ${profileName} is busy: another run (${holder.kind}, pid ${holder.pid}, since ${holder.startedAt}) is changing it`,
        { hint: 'wait for it to finish, or pass --wait to queue behind it', details: { holder } },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
