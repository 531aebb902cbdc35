// One lock per profile: two runs of one profile never interleave. The lock file holds the owner's pid,
// so a lock left by a killed run (SIGKILL) is recognised as stale and taken over, and a live one is
// refused with a message that says who holds it.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RefusedError } from '../errors.js';
import { processAlive } from './process.js';

export interface LockInfo {
  pid: number;
  runId: string;
  kind: string;
  startedAt: string;
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
  return lockFile(path.join(dir, 'locks', `${profileName}.lock`), info, opts.waitMs ?? 0, (holder) =>
    new RefusedError(`profile ${profileName} is busy: another run (${holder.kind}, pid ${holder.pid}, since ${holder.startedAt}) is changing it`, {
      hint: 'wait for it to finish, or pass --wait to queue behind it',
      details: { holder },
    }),
  );
}

/**
 * An exclusive lock on `file` (created with O_EXCL, holding the owner's pid): waits up to `waitMs` for a
 * live holder, then throws what `busy` makes of it; a holder that is gone is taken over.
 */
export async function lockFile(file: string, info: Omit<LockInfo, 'pid' | 'startedAt'>, waitMs: number, busy: (holder: LockInfo) => Error): Promise<HeldLock> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const mine: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), ...info };
  const deadline = Date.now() + waitMs;
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
    if (!holder || !processAlive(holder.pid) || (holder.pid === process.pid && holder.runId === info.runId)) {
      await fs.rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw busy(holder);
    await new Promise((r) => setTimeout(r, 200));
  }
}
