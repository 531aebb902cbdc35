// apt's package lists kept between runs, one copy per base image, in the data folder: what BuildKit's
// cache mount on /var/lib/apt/lists gives a Dockerfile. Most of `apt-get update`'s time on a fresh
// container is not the download but decompressing 15 MB of xz into 84 MB of lists, for every machine
// at once. A fresh container of the same base image gets the kept lists before its first package step,
// marked (APT_LISTS_SEEDED_MARK) so that the package step still runs `apt-get update`: apt checks each
// list against the mirror's signed Release and fetches only what changed, so the machine ends with the
// lists a fetch of its own would give. Only with the cache on; `cache prune --all` removes them.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { APT_LISTS_SEEDED_MARK } from '../../cache/run-cache-options.js';
import { execToEnd } from './cache-store.js';

const LISTS = '/var/lib/apt/lists';
/** Kept lists younger than this are not fetched out again (one copy per run and base image is plenty). */
const FRESH_MS = 10 * 60 * 1000;
/** Base images whose lists are kept; the least recently written go first. */
const KEEP = 4;

function fileOf(dir: string, baseImageId: string): string {
  return path.join(dir, `${baseImageId.replace(/^sha256:/, '').slice(0, 32)}.tar`);
}

/** Captures started in this process, by file: each base image's lists are fetched out once per run. */
const capturing = new Map<string, Promise<void>>();

/**
 * Puts the kept lists of the base image into a fresh container, marked for refreshing; false when none
 * are kept. The container's own lists (a base image may carry some) are replaced.
 */
export async function seedAptLists(docker: Docker, containerId: string, dir: string, baseImageId: string): Promise<boolean> {
  const file = fileOf(dir, baseImageId);
  const stream = fs.createReadStream(file);
  const opened = await new Promise<boolean>((resolve) => {
    stream.once('open', () => resolve(true));
    stream.once('error', () => resolve(false));
  });
  if (!opened) return false;
  // The archive holds `lists/…`, as the engine hands it out for /var/lib/apt/lists.
  await docker.getContainer(containerId).putArchive(stream, { path: path.posix.dirname(LISTS) });
  await execToEnd(docker, containerId, ['touch', APT_LISTS_SEEDED_MARK]);
  return true;
}

/** Keeps the container's lists (just refreshed by its package step) unless a recent copy is kept. */
export function captureAptLists(docker: Docker, containerId: string, dir: string, baseImageId: string): Promise<void> {
  const file = fileOf(dir, baseImageId);
  // Another machine of the run is at it: this one goes on (the run waits for that one at its end).
  if (capturing.has(file)) return Promise.resolve();
  const work = (async () => {
    const st = await fsp.stat(file).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs < FRESH_MS) return;
    await fsp.mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const archive = (await docker.getContainer(containerId).getArchive({ path: LISTS })) as NodeJS.ReadableStream;
      await pipeline(archive, fs.createWriteStream(tmp));
      await fsp.rename(tmp, file);
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    await keepNewest(dir);
  })();
  capturing.set(file, work);
  // Forgotten once done: a later run in the same process (the agent) looks at the file again.
  void work.then(
    () => capturing.delete(file),
    () => capturing.delete(file),
  );
  return work;
}

async function keepNewest(dir: string): Promise<void> {
  const names = (await fsp.readdir(dir)).filter((n) => n.endsWith('.tar'));
  const withTimes = await Promise.all(names.map(async (n) => ({ n, t: (await fsp.stat(path.join(dir, n))).mtimeMs })));
  const old = withTimes.sort((a, b) => b.t - a.t).slice(KEEP);
  await Promise.all(old.map((o) => fsp.rm(path.join(dir, o.n), { force: true })));
}

/** Removes the kept lists (`cache prune --all`); the bytes freed. */
export async function removeAptLists(dir: string): Promise<number> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  let bytes = 0;
  for (const n of names) {
    const st = await fsp.stat(path.join(dir, n)).catch(() => undefined);
    bytes += st?.size ?? 0;
    await fsp.rm(path.join(dir, n), { force: true });
  }
  return bytes;
}
