// putLists (apt-lists.ts) against a real engine: the lists handed to a waiting machine are read out of
// the fetching container as they are put in, so the archive can break half-way (the engine or that
// container gone). Then the put fails at once (docker-modem ends the request when its body fails), and
// what the engine had unpacked is taken out again: the machine gets the kept copy or fetches its own,
// with no half list in its container. Checked with the docker CLI: what /var/lib/apt/lists holds.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putLists } from '../../../electron/engine/backends/docker/apt-lists.js';
import { BASE_IMAGE, uniqueProfile } from '../../support/docker-profile.js';
import { docker, dockerTry } from '../../support/docker.js';

const NAME = `${uniqueProfile('pl-aptput')}-box`;
const client = new Docker();
let archive: Buffer;

/** What the container's lists folder holds, besides apt's lock and partial/. */
const listsIn = () => docker('exec', NAME, 'sh', '-c', 'ls /var/lib/apt/lists | grep -v -e "^lock$" -e "^partial$" || true');

beforeAll(() => {
  docker('run', '-d', '--init', '--name', NAME, '--label', 'prodlike.test=aptput', BASE_IMAGE, 'sleep', 'infinity');
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
  dockerTry('rm', '-f', NAME);
});

describe('putLists: lists put into a waiting machine', () => {
  it('puts a whole archive in', async () => {
    await putLists(client, NAME, Readable.from([archive.subarray(0, 1 << 20), archive.subarray(1 << 20)]));
    expect(listsIn().split('\n').sort()).toEqual(['deb.debian.org_debian_dists_bookworm_InRelease', 'deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4']);
    docker('exec', NAME, 'sh', '-c', 'find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock -delete');
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
