// apt's package lists kept between runs, one copy per base image, in the data folder: what Ansible's
// `cache_valid_time` gives its apt module, and BuildKit's cache mount on /var/lib/apt/lists a
// Dockerfile. Most of `apt-get update`'s time on a fresh container is not the download but
// decompressing 15 MB of xz into 84 MB of lists, for every machine at once (~3 s of CPU each); the
// fetch below keeps them compressed (32 MB).
//
// A fresh container with no lists of its own, whose first package step comes before anything else is
// applied (so its apt sources are its base image's), gets the kept lists of its base image when they
// are younger than the maximum age (an hour; PRODLIKE_APT_LISTS_MAX_AGE, in seconds, 0 for never).
// No `apt-get update` runs then; when the lists turn out stale for what a step asks (a package or
// version not known, a file the mirror no longer has), the package step fetches them and tries again
// (package-resource.ts). With none usable, the run's fresh machines of one base image fetch once: the
// first to get there runs `apt-get update` in its container, and the others wait for those lists and
// get them put in place (three fetches at once took 3.0-3.2 s each here, one alone 1.85 s); that fetch
// is kept for the next run. Only with the cache on and a local engine (the copy would cross the
// network); `cache prune --all` removes them.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Docker from 'dockerode';
import { execToEnd } from './marked.js';
import { usable } from '../../cache/apt-lists-age.js';

const LISTS = '/var/lib/apt/lists';
/** Base images whose lists are kept; the least recently written go first. */
const KEEP = 4;

/** Kept lists are `<base image>-<sha256 of the archive>.tar`: written with one rename, checked as they are read. */
const NAME = /^([0-9a-f]{32})-([0-9a-f]{64})\.tar$/;
const baseOf = (baseImageId: string) => baseImageId.replace(/^sha256:/, '').slice(0, 32);

async function keptFile(dir: string, baseImageId: string): Promise<{ file: string; sha: string; mtimeMs: number } | undefined> {
  const base = baseOf(baseImageId);
  const names = (await fsp.readdir(dir).catch(() => [] as string[])).map((n) => NAME.exec(n)).filter((m) => m?.[1] === base);
  let newest: { file: string; sha: string; mtimeMs: number } | undefined;
  for (const m of names) {
    const file = path.join(dir, m![0]);
    const st = await fsp.stat(file).catch(() => undefined);
    if (st && (!newest || st.mtimeMs > newest.mtimeMs)) newest = { file, sha: m![2]!, mtimeMs: st.mtimeMs };
  }
  return newest;
}

/** Captures started in this process, by base image: each base image's lists are fetched out once per run. */
const capturing = new Map<string, Promise<void>>();

export type Seeded = { ageMs: number; at: number } | { none: 'own lists' | 'none kept' | 'too old' | 'damaged' };

const HAS_LISTS = `ls ${LISTS} 2>/dev/null | grep -q _Packages`;

/**
 * Puts the kept lists of the base image into a fresh container that has none of its own, when they are
 * young enough. Lists whose archive does not match its checksum are taken out again and removed.
 */
export async function seedAptLists(docker: Docker, containerId: string, dir: string, baseImageId: string, maxAgeMs: number): Promise<Seeded> {
  const kept = await keptFile(dir, baseImageId);
  if (!kept) return { none: 'none kept' };
  const ageMs = Date.now() - kept.mtimeMs;
  if (!usable(ageMs, maxAgeMs)) return { none: 'too old' };
  // A base image may carry lists of its own: apt uses those, as without kept lists.
  if ((await execToEnd(docker, containerId, ['sh', '-c', HAS_LISTS])) === 0) return { none: 'own lists' };
  const hash = createHash('sha256');
  const stream = fs.createReadStream(kept.file);
  stream.on('data', (chunk) => hash.update(chunk));
  // Lists half put in, or not the ones kept, are taken out again: the step then fetches its own. The
  // archive holds `lists/…`, as the engine hands it out for /var/lib/apt/lists.
  await putLists(docker, containerId, stream);
  if (hash.digest('hex') !== kept.sha) {
    await takeOutLists(docker, containerId);
    await fsp.rm(kept.file, { force: true });
    return { none: 'damaged' };
  }
  return { ageMs, at: Date.now() };
}

/**
 * Fetches under way in this process, by base image: a fresh container of the same image that finds no
 * usable kept lists waits for the one fetch under way and takes its lists, instead of fetching its own
 * at the same moment (the run's fresh machines fetch once, not once each: each fetch is ~2 s of CPU).
 * Those waiting when the fetch ends get the lists as they are read out of the fetching container (the
 * same bytes as the kept copy), not after they are kept: in the shop, 0.5-0.85 s after the fetch ends
 * instead of 0.8-1.1 s (6 runs each).
 */
const fetching = new Map<string, Fetching>();

/** A fetch under way: which machine fetches, its outcome once its lists are kept, and who waits for a copy as they are read. */
interface Fetching {
  machine: string;
  done: Promise<FetchOutcome>;
  /** Undefined once the read has begun (or the fetch ended without lists): a machine arriving then waits for the kept copy. */
  waiting?: Waiting[];
}

/** A machine waiting for a fetch: its container, and what it got. */
interface Waiting {
  containerId: string;
  settle: (got: Handed) => void;
  /** Its copy is being put in: it settles when that ends. */
  taken?: boolean;
}

/** What a waiting machine got: the lists ('put'), the fetch's outcome, or too late for the copy ('missed'). */
type Handed = 'put' | 'missed' | Exclude<FetchOutcome, 'fetched'>;

/** What a machine's fetch for the run did: its base image may carry lists of its own (then apt uses those). */
export type FetchOutcome = 'fetched' | 'own lists' | 'failed';

export type SharedFetch =
  | { fetched: number; kept: Promise<void> }
  | { from: string; seeded: Seeded }
  | { none: Exclude<FetchOutcome, 'fetched'> };

/**
 * The script of a machine's fetch for the run: exits 3 when the base image has lists of its own, and
 * fails when apt got none (it exits 0 when its mirror cannot be reached, with warnings). The
 * lists are kept compressed (lz4, fetched as gzip), as Docker's official Debian images have apt keep
 * them (docker-gzip-indexes): 32 MB instead of 84 MB for bookworm, no xz to decompress, and less to
 * read out, put in place and save with a state. apt reads them so without being told; its next plain
 * `apt-get update` leaves them as they are until the mirror changes. Without the descriptions'
 * translations, as those images again (docker-no-languages): 19 MB instead of 32 MB, a fetch of
 * ~1.1 s instead of ~1.6 s; `apt show` prints the one-line description until a plain `apt-get update`.
 */
export const FETCH_FOR_RUN = `if ${HAS_LISTS}; then exit 3; fi; apt-get -q -o Acquire::GzipIndexes=true -o Acquire::CompressionTypes::Order::=gz -o Acquire::Languages=none update && ${HAS_LISTS}`;

/**
 * For a fresh container with no usable kept lists: the first of the run's machines of its base image
 * fetches (`fetch`, in its own container) and goes on while its lists are kept (`kept`: read before
 * anything removes them); the others wait and get them put in place as they are read out (or, arriving
 * after that began, once they are kept). A fetch that fails leaves each machine to fetch its own in its
 * package step.
 */
export async function fetchOnceForRun(
  docker: Docker,
  containerId: string,
  dir: string,
  baseImageId: string,
  maxAgeMs: number,
  machine: string,
  fetch: () => Promise<FetchOutcome>,
): Promise<SharedFetch> {
  const base = baseOf(baseImageId);
  const under = fetching.get(base);
  if (under) {
    // Checked while the fetch runs: a base image with lists of its own keeps using them.
    if ((await execToEnd(docker, containerId, ['sh', '-c', HAS_LISTS])) === 0) return { none: 'own lists' };
    const handed = under.waiting ? await new Promise<Handed>((settle) => under.waiting?.push({ containerId, settle })) : 'missed';
    if (handed === 'put') return { from: under.machine, seeded: { ageMs: 0, at: Date.now() } };
    if (handed !== 'missed') return { none: handed };
    const outcome = await under.done.catch((): FetchOutcome => 'failed');
    if (outcome !== 'fetched') return { none: outcome };
    return { from: under.machine, seeded: await seedAptLists(docker, containerId, dir, baseImageId, maxAgeMs) };
  }
  const waiting: Waiting[] = [];
  // `done` is set below, once `kept` exists; the copy's read closes `waiting`.
  const entry: Fetching = { machine, done: Promise.resolve<FetchOutcome>('failed'), waiting };
  const fetched = fetch();
  const kept = (async () => {
    let outcome: FetchOutcome = 'failed';
    try {
      outcome = await fetched;
      // From here on, a machine that arrives waits for the kept copy.
      entry.waiting = undefined;
      if (outcome === 'fetched') await captureAptLists(docker, containerId, dir, baseImageId, maxAgeMs, true, waiting);
    } finally {
      // Cancelled, failed, or not read out: those waiting are told (one whose copy is being put in is, when that ends).
      entry.waiting = undefined;
      for (const w of waiting) if (!w.taken) w.settle(outcome === 'fetched' ? 'missed' : outcome);
    }
  })();
  entry.done = kept.then(() => fetched);
  fetching.set(base, entry);
  const forget = () => {
    if (fetching.get(base) === entry) fetching.delete(base);
  };
  void entry.done.then(forget, forget);
  const outcome = await fetched;
  return outcome === 'fetched' ? { fetched: Date.now(), kept } : { none: outcome };
}

/** Puts lists (an archive of `lists/…`) into a container; lists half put in are taken out again. */
export async function putLists(docker: Docker, containerId: string, archive: NodeJS.ReadableStream): Promise<void> {
  try {
    await docker.getContainer(containerId).putArchive(archive, { path: path.posix.dirname(LISTS) });
  } catch (err) {
    await takeOutLists(docker, containerId).catch(() => undefined);
    throw err;
  }
}

const takeOutLists = (docker: Docker, containerId: string) => execToEnd(docker, containerId, ['find', LISTS, '-maxdepth', '1', '-type', 'f', '!', '-name', 'lock', '-delete']);

/**
 * Copies a stream to several, at the pace of the slowest. One that fails is dropped (its reader is
 * told by the error), the others go on; the source failing fails them all.
 */
export async function copyTo(src: NodeJS.ReadableStream, outs: Writable[], onChunk: (chunk: Buffer) => void): Promise<void> {
  let live = outs;
  try {
    for await (const chunk of src as AsyncIterable<Buffer>) {
      onChunk(chunk);
      live = live.filter((o) => !o.destroyed);
      await Promise.all(live.map((o) => (o.write(chunk) ? undefined : drainedOrClosed(o))));
    }
  } catch (err) {
    for (const o of live) o.destroy(err as Error);
    throw err;
  }
  for (const o of live) o.end();
}

/** Once the output takes more (or is gone); both listeners go again, as a copy waits hundreds of times. */
function drainedOrClosed(o: Writable): Promise<void> {
  return new Promise((go) => {
    const done = () => {
      o.off('drain', done);
      o.off('close', done);
      go();
    };
    o.on('drain', done);
    o.on('close', done);
  });
}

/** Whether the container's lists were fetched since `at` (the package step found the kept ones stale). */
export async function fetchedSince(docker: Docker, containerId: string, at: number): Promise<boolean> {
  const code = await execToEnd(docker, containerId, ['sh', '-c', `find ${LISTS} -maxdepth 1 -name '*Release' -newerct @${(at / 1000).toFixed(3)} | grep -q .`]);
  return code === 0;
}

/**
 * Keeps the container's lists (fetched by its first package step) unless usable ones are kept, or
 * `replace`: they were fetched because the kept ones were stale.
 */
export function captureAptLists(docker: Docker, containerId: string, dir: string, baseImageId: string, maxAgeMs: number, replace = false, waiting: readonly Waiting[] = []): Promise<void> {
  const base = baseOf(baseImageId);
  // Another machine of the run is at it: this one goes on (the run waits for that one at its end).
  if (capturing.has(base)) return Promise.resolve();
  const work = (async () => {
    const kept = await keptFile(dir, baseImageId);
    if (!replace && kept && usable(Date.now() - kept.mtimeMs, maxAgeMs)) return;
    // A removal-only step fetches nothing: there is nothing to keep (lists fetched again are there).
    if (!replace && (await execToEnd(docker, containerId, ['sh', '-c', HAS_LISTS])) !== 0) return;
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `${base}.${process.pid}.tmp`);
    try {
      const hash = createHash('sha256');
      const archive = (await docker.getContainer(containerId).getArchive({ path: LISTS })) as NodeJS.ReadableStream;
      // The machines waiting get the same bytes as they are read (a put that fails: that one waits for the kept copy).
      const copies = waiting.map((w) => {
        const copy = new PassThrough();
        w.taken = true;
        putLists(docker, w.containerId, copy).then(
          () => w.settle('put'),
          () => {
            copy.destroy();
            w.settle('missed');
          },
        );
        return copy;
      });
      const toFile = fs.createWriteStream(tmp, { mode: 0o600 });
      await Promise.all([copyTo(archive, [toFile, ...copies], (chunk) => hash.update(chunk)), finished(toFile)]);
      const file = path.join(dir, `${base}-${hash.digest('hex')}.tar`);
      await fsp.rename(tmp, file);
      // The older copies of this base image go.
      for (const n of await fsp.readdir(dir)) if (NAME.exec(n)?.[1] === base && path.join(dir, n) !== file) await fsp.rm(path.join(dir, n), { force: true });
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    await keepNewest(dir);
  })();
  capturing.set(base, work);
  // Forgotten once done: a later run in the same process (the agent) looks at the file again.
  void work.then(
    () => capturing.delete(base),
    () => capturing.delete(base),
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
