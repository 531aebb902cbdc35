// putLists (apt-lists.ts) against a real engine: the lists handed to a waiting machine are read out of
// the fetching container as they are put in, so the archive can break half-way (the engine or that
// container gone). Then the put fails at once (docker-modem ends the request when its body fails), and
// what the engine had unpacked is taken out again: the machine gets the kept copy or fetches its own,
// with no half list in its container. Checked with the docker CLI: what /var/lib/apt/lists holds.
//
// And fetchOnceForRun, the run's one fetch per base image, with three containers: the one that fetches
// (its "fetch" puts the fixture's lists in place, so no mirror is needed), one that waits while it
// fetches, and one that arrives once the fetch is over and its lists are being read out. The engine's
// puts are watched to tell the two ways apart: the waiting one gets the bytes as they are read, the
// late one the kept copy from the data folder. Neither fetches; each ends with the fetcher's lists
// (sha256sum in each container).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs, { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOnceForRun, putLists, type FetchOutcome } from '../../../electron/engine/backends/docker/apt-lists.js';
import { BASE_IMAGE, uniqueProfile } from '../../support/docker-profile.js';
import { APT_LISTS_SUMS, docker, dockerTry } from '../../support/docker.js';

const NAME = `${uniqueProfile('pl-aptput')}-box`;
/** The fetching, the waiting and the late machine of fetchOnceForRun's tests. */
const [A, B, C] = ['a', 'b', 'c'].map((m) => `${NAME}-${m}`) as [string, string, string];
const client = new Docker();
let archive: Buffer;

/** What the container's lists folder holds, besides apt's lock and partial/. */
const listsIn = () => docker('exec', NAME, 'sh', '-c', 'ls /var/lib/apt/lists | grep -v -e "^lock$" -e "^partial$" || true');
/** Takes the lists out of these containers (apt's lock stays). */
const emptyLists = (...cs: string[]) => {
  for (const c of cs) docker('exec', c, 'sh', '-c', 'find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock -delete');
};

beforeAll(() => {
  for (const n of [NAME, A, B, C]) docker('run', '-d', '--init', '--name', n, '--label', 'prodlike.test=aptput', BASE_IMAGE, 'sleep', 'infinity');
  // An archive shaped as the engine hands lists out (`lists/…`): two files of 4 MB that do not compress.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-aptput-'));
  mkdirSync(path.join(dir, 'lists'));
  for (const f of ['deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4', 'deb.debian.org_debian_dists_bookworm_InRelease']) {
    writeFileSync(path.join(dir, 'lists', f), randomBytes(4 << 20));
  }
  execFileSync('tar', ['-cf', path.join(dir, 'lists.tar'), '-C', dir, 'lists']);
  archive = readFileSync(path.join(dir, 'lists.tar'));
  rmSync(dir, { recursive: true, force: true });
});

afterAll(() => {
  dockerTry('rm', '-f', NAME, A, B, C);
});

describe('putLists: lists put into a waiting machine', () => {
  it('puts a whole archive in', async () => {
    await putLists(client, NAME, Readable.from([archive.subarray(0, 1 << 20), archive.subarray(1 << 20)]));
    expect(listsIn().split('\n').sort()).toEqual(['deb.debian.org_debian_dists_bookworm_InRelease', 'deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4']);
    emptyLists(NAME);
  });

  it('fails at once when the archive breaks half-way, and leaves no half-put lists behind', async () => {
    // Half of the first file, then the read out of the fetching container breaks.
    let sent = 0;
    const broken = new Readable({
      read() {
        if (sent >= 2 << 20) return void this.destroy(new Error('the fetching container went away'));
        this.push(archive.subarray(sent, sent + (256 << 10)));
        sent += 256 << 10;
      },
    });
    const t = Date.now();
    const outcome = await Promise.race([
      putLists(client, NAME, broken).then(
        () => 'put',
        (err: Error) => err.message,
      ),
      new Promise<string>((r) => setTimeout(() => r('still waiting after 20 s'), 20_000)),
    ]);
    expect(outcome).toBe('the fetching container went away');
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(listsIn()).toBe('');
  }, 60_000);
});

const HOUR = 3_600_000;
/** The checksums of the lists in a container, by file name. */
const sums = (c: string) => docker('exec', c, 'sh', '-c', APT_LISTS_SUMS);

/** The real engine, with each put into a container noted: which container, and whether from the kept file. */
function watched(puts: { container: string; fromKeptFile: boolean }[]): Docker {
  return new Proxy(client, {
    get(target, prop) {
      if (prop !== 'getContainer') return Reflect.get(target, prop) as unknown;
      return (id: string) => {
        const c = target.getContainer(id);
        const put = c.putArchive.bind(c);
        c.putArchive = ((file: NodeJS.ReadableStream, opts: object) => {
          puts.push({ container: id, fromKeptFile: file instanceof fs.ReadStream });
          return put(file, opts);
        }) as typeof c.putArchive;
        return c;
      };
    },
  });
}

/**
 * A fetch for the run that ends as `ends` says once `open` is called: 'fetched' puts the fixture's
 * lists into the container first; 'cancelled' rejects, as a Ctrl-C does. `fetchedIn`: the containers
 * whose fetch was started.
 */
function gatedFetch(ends: 'fetched' | 'failed' | 'cancelled') {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const fetchedIn: string[] = [];
  const fetchIn = (c: string) => async (): Promise<FetchOutcome> => {
    fetchedIn.push(c);
    await gate;
    if (ends === 'cancelled') throw new Error('cancelled (Ctrl-C)');
    if (ends === 'fetched') await putLists(client, c, Readable.from([archive]));
    return ends;
  };
  return { open, fetchedIn, fetchIn };
}

describe("fetchOnceForRun: the run's machines of one base image fetch once", () => {
  it('the machine waiting gets the lists as they are read out, the one arriving once the read began the kept copy; neither fetches', async () => {
    emptyLists(A, B, C);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-aptput-kept-'));
    const base = `sha256:${randomBytes(32).toString('hex')}`;
    const puts: { container: string; fromKeptFile: boolean }[] = [];
    const engine = watched(puts);
    const { open, fetchedIn, fetchIn } = gatedFetch('fetched');
    try {
      const a = fetchOnceForRun(engine, A, dir, base, HOUR, 'a', fetchIn(A));
      const b = fetchOnceForRun(engine, B, dir, base, HOUR, 'b', fetchIn(B));
      // b looks for lists of its own (one exec, ~0.1 s; the margin is for a busy engine), then waits for a's.
      await new Promise((r) => setTimeout(r, 5000));
      open();
      const fetched = await a;
      // a's fetch is over and the read out of its container has begun: c is too late for that copy.
      const c = fetchOnceForRun(engine, C, dir, base, HOUR, 'c', fetchIn(C));
      const [got, late] = await Promise.all([b, c]);
      expect(fetchedIn).toEqual([A]);
      expect(fetched).toMatchObject({ fetched: expect.any(Number) });
      if ('kept' in fetched) await fetched.kept;
      expect(got).toMatchObject({ from: 'a', seeded: { ageMs: 0 } });
      expect(late).toMatchObject({ from: 'a', seeded: { ageMs: expect.any(Number) } });
      expect(puts).toEqual([
        { container: B, fromKeptFile: false },
        { container: C, fromKeptFile: true },
      ]);
      expect(readdirSync(dir)).toEqual([expect.stringMatching(/^[0-9a-f]{32}-[0-9a-f]{64}\.tar$/)]);
      const lists = sums(A);
      expect(lists).toContain('_Packages.lz4');
      expect(sums(B)).toBe(lists);
      expect(sums(C)).toBe(lists);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a fetch that fails or is cancelled tells the machine waiting for it at once: it fetches its own, nothing is kept', async () => {
    for (const ends of ['failed', 'cancelled'] as const) {
      emptyLists(A, B);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-aptput-kept-'));
      const base = `sha256:${randomBytes(32).toString('hex')}`;
      const { open, fetchedIn, fetchIn } = gatedFetch(ends);
      try {
        const a = fetchOnceForRun(client, A, dir, base, HOUR, 'a', fetchIn(A)).catch((err: Error) => err.message);
        const b = fetchOnceForRun(client, B, dir, base, HOUR, 'b', fetchIn(B));
        await new Promise((r) => setTimeout(r, 5000));
        open();
        expect(await a).toEqual(ends === 'cancelled' ? 'cancelled (Ctrl-C)' : { none: 'failed' });
        const got = await Promise.race([b, new Promise<string>((r) => setTimeout(() => r('still waiting after 10 s'), 10_000))]);
        expect(got).toEqual({ none: 'failed' });
        expect(fetchedIn).toEqual([A]);
        expect(readdirSync(dir)).toEqual([]);
        expect(sums(B)).toBe('');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 120_000);
});
