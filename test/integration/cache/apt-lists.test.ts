// apt's package lists kept between runs (apt-lists.ts): a first fetch is kept; a fresh container of the
// same base image gets those lists and runs no `apt-get update` while they are younger than the maximum
// age; lists stale for what a step asks are fetched then and kept instead; damaged ones are not used;
// with none kept, one machine of a run fetches (keeping them lz4-compressed) and the others get its
// lists; a fetch that gets nothing leaves each machine to fetch its own; Ctrl-C during that fetch ends
// the run at once, with apt stopped in the container and nothing kept.
// Checked independently of Prodlike: the lists' change times and contents in the saved states (docker),
// and what dpkg says is installed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTry, exec, purge, removeCacheImages, logLines, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';
import { APT_LISTS_SUMS } from '../../support/docker.js';
import { waitFor } from '../../support/wait.js';

const NAME = unique('pl-it-aptlists');
const CONTAINER = `${NAME}-m`;
const ENV = { PRODLIKE_NO_CACHE: '' };

// A package after the file: the lists stay in the state saved after the first package (a save drops
// them only when no package follows).
const profile = (run: string) => `name: ${NAME}
machines:
  m:
    docker: { image: debian:bookworm, env: { TEST_RUN: "${run}" } }
    resources:
      - package: tree
      - file: /etc/marker
        content: "x\\n"
      - package: file
`;

let ws: Workspace;
const store = () => path.join(ws.dataDir, 'cache', 'apt-lists');
const kept = () => readdirSync(store()).filter((n) => n.endsWith('.tar'));
const logText = (r: CliRun) => logLines(r).join('\n');
const up = async (run: string, env: NodeJS.ProcessEnv = {}, flags: string[] = []): Promise<CliRun> => {
  const file = await ws.write('profiles/apt.yaml', profile(run));
  await ws.run(['destroy', file, '--volumes'], { env: ENV });
  return ws.run(['up', file, '--json', ...flags], { env: { ...ENV, ...env } });
};
/** The state saved after the first package by the last run (each run has a key of its own; its lists are in it). */
const afterFirstPackage = () => docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '--filter', 'label=prodlike.cache-prefix=1/3', '--format', '{{.ID}}').split('\n')[0]!;
/** The lists' checksums in an image. */
const listsOf = (image: string) => docker('run', '--rm', '--entrypoint', 'sh', image, '-c', APT_LISTS_SUMS);
const installed = () => exec(CONTAINER, "dpkg-query -W -f='${Status};' tree file");

/** Rewrites the kept archive with `edit` applied to its files; `sameName`: keeps its name (its checksum no longer matches). */
function editKept(edit: (listsDir: string) => void, sameName: boolean): void {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pl-aptlists-'));
  const tar = path.join(store(), kept()[0]!);
  execFileSync('tar', ['-xf', tar, '-C', tmp]);
  edit(path.join(tmp, 'lists'));
  rmSync(tar);
  const out = sameName ? tar : path.join(store(), 'rewritten.tar');
  execFileSync('tar', ['-cf', out, '-C', tmp, 'lists']);
  if (!sameName) {
    const sum = execFileSync('sha256sum', [out], { encoding: 'utf8' }).split(' ')[0]!;
    execFileSync('mv', [out, tar.replace(/-[0-9a-f]{64}\.tar$/, `-${sum}.tar`)]);
  }
  rmSync(tmp, { recursive: true, force: true });
}

/** A base image made from debian:bookworm by `script` (run as root in it); its name. */
function baseImageWith(repo: string, script: string): string {
  const image = `pl-test/${repo}:${NAME.split('-').pop()}`;
  const tmp = `${NAME}-mk-${repo}`;
  docker('run', '--name', tmp, '--entrypoint', 'sh', 'debian:bookworm', '-c', script);
  docker('commit', tmp, image);
  docker('rm', '-f', tmp);
  return image;
}

/** A profile of machines of `image`, each installing `tree` only. */
const treeMachines = (name: string, image: string, machines: string[]) => `name: ${name}\nmachines:\n${machines.map((m) => `  ${m}:\n    docker: { image: ${image} }\n    resources:\n      - package: tree\n`).join('')}`;

beforeAll(async () => {
  ws = await workspace();
});

afterAll(() => {
  purge(NAME);
  removeCacheImages(NAME);
});

describe('apt lists kept between runs', () => {
  it('a first fetch is kept, and a fresh container of the same base image gets it without apt-get update', { timeout: 300_000 }, async () => {
    const first = await up('a');
    expect(first.code, first.stderr).toBe(0);
    expect(logText(first)).not.toMatch(/apt lists fetched/);
    expect(kept()).toHaveLength(1);
    expect(kept()[0]).toMatch(/^[0-9a-f]{32}-[0-9a-f]{64}\.tar$/);
    const fetched = listsOf(afterFirstPackage());

    const second = await up('b');
    expect(second.code, second.stderr).toBe(0);
    expect(logText(second)).toMatch(/m: apt lists fetched \d+s ago put in place, no apt-get update \(kept up to 1h: PRODLIKE_APT_LISTS_MAX_AGE\)/);
    expect(installed()).toBe('install ok installed;install ok installed;');
    // The same lists, put in place: apt printed no fetch of an index (apt-get update's Get/Hit lines).
    expect(listsOf(afterFirstPackage())).toBe(fetched);
    const update = /^(Get|Hit|Ign):\d+ .* InRelease/m;
    expect(logText(first)).toMatch(update);
    expect(logText(second)).not.toMatch(update);
  });

  it('lists stale for a step (a package they do not know) are fetched then, and kept instead', { timeout: 300_000 }, async () => {
    // As after the mirror published a new release: the kept lists lack `tree` and their Release files
    // differ from the mirror's, so the fetch brings them up to date.
    editKept((dir) => {
      for (const f of readdirSync(dir)) {
        if (f.endsWith('Release')) rmSync(path.join(dir, f));
        // The run's fetch keeps them lz4-compressed: written back without `tree`, uncompressed (apt reads either).
        if (/_Packages(\.lz4)?$/.test(f)) {
          const text = f.endsWith('.lz4') ? execFileSync('/usr/lib/apt/apt-helper', ['cat-file', path.join(dir, f)], { encoding: 'utf8', maxBuffer: 256 << 20 }) : readFileSync(path.join(dir, f), 'utf8');
          rmSync(path.join(dir, f));
          writeFileSync(path.join(dir, f.replace(/\.lz4$/, '')), text.replace(/^Package: tree\n[\s\S]*?\n\n/m, ''));
        }
      }
    }, false);
    const before = kept()[0];
    const r = await up('c');
    expect(r.code, r.stderr).toBe(0);
    expect(logText(r)).toMatch(/apt lists fetched \d+s ago put in place/);
    expect(logText(r)).toMatch(/E: Package 'tree' has no installation candidate[\s\S]*Get:\d+ .* InRelease/);
    expect(installed()).toBe('install ok installed;install ok installed;');
    expect(kept()).toHaveLength(1);
    expect(kept()[0]).not.toBe(before);
    expect(execFileSync('tar', ['-xOf', path.join(store(), kept()[0]!), '--wildcards', 'lists/*bookworm_main_binary-amd64_Packages'], { encoding: 'utf8', maxBuffer: 256 << 20 })).toMatch(/^Package: tree$/m);
  });

  it('damaged lists are not used; too old ones neither; --no-cache uses none; cache prune --all removes them, with no engine too', { timeout: 400_000 }, async () => {
    editKept((dir) => {
      for (const f of readdirSync(dir)) if (/_Packages(\.lz4)?$/.test(f)) writeFileSync(path.join(dir, f), '');
    }, true);
    const damaged = await up('d');
    expect(damaged.code, damaged.stderr).toBe(0);
    expect(logText(damaged)).toMatch(/m: apt lists kept from an earlier fetch did not match their checksum: removed, and this machine fetches its own/);
    expect(installed()).toBe('install ok installed;install ok installed;');
    // Its own fetch is kept in their place.
    expect(kept()).toHaveLength(1);
    expect(listsOf(afterFirstPackage())).toMatch(/[0-9a-f]{64} {2}.*bookworm_main_binary-amd64_Packages/);

    const old = await up('e', { PRODLIKE_APT_LISTS_MAX_AGE: '0' });
    expect(old.code, old.stderr).toBe(0);
    expect(logText(old)).not.toMatch(/apt lists fetched/);
    const keptBefore = kept()[0];
    const noCache = await up('f', {}, ['--no-cache']);
    expect(noCache.code, noCache.stderr).toBe(0);
    expect(logText(noCache)).not.toMatch(/apt lists fetched/);
    expect(kept()).toEqual([keptBefore]);

    const bad = await ws.run(['up', path.join(ws.dir, 'profiles/apt.yaml'), '--json'], { env: { ...ENV, PRODLIKE_APT_LISTS_MAX_AGE: 'soon' } });
    expect(bad.code, bad.stderr).toBe(0);
    expect(logText(bad)).toMatch(/PRODLIKE_APT_LISTS_MAX_AGE=soon is not a number of seconds \(0 or more\): apt lists are kept for 3600 s/);

    // `cache prune --all` with no Docker engine to reach (DOCKER_HOST points nowhere): the engine these
    // tests share keeps every cached state, a developer's own among them; apt's lists, files of this
    // computer, go all the same, and the run says why the states were not pruned.
    const states = () => docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '-q');
    const statesBefore = states();
    expect(statesBefore).not.toBe('');
    const prune = await ws.run(['cache', 'prune', '--all'], { env: { ...ENV, DOCKER_HOST: 'unix:///nonexistent/prodlike-test-docker.sock' } });
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stdout).toMatch(/apt lists kept between runs removed, \d+(\.\d+)? MB freed/);
    expect(prune.stderr).toMatch(/warning: cached container states not pruned: .*nonexistent/);
    expect(kept()).toEqual([]);
    expect(states()).toBe(statesBefore);
  });

  it("with none kept, the run's fresh machines of one base image fetch once: the first fetches, the others get its lists", { timeout: 400_000 }, async () => {
    rmSync(store(), { recursive: true, force: true });
    const machines = ['a', 'b', 'c'];
    const file = await ws.write('profiles/apt3.yaml', `name: ${NAME}\nmachines:\n${machines.map((m) => profile(`g-${m}`).split('machines:\n')[1]!.replace(/^ {2}m:/m, `  ${m}:`)).join('')}`);
    const r = await ws.run(['up', file, '--json'], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
    const logOf = (m: string) =>
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes('"type":"log"'))
        .map((l) => JSON.parse(l) as { machine?: string; text: string })
        .filter((e) => e.machine === m)
        .map((e) => e.text)
        .join('\n');
    // apt's own output: exactly one machine ran apt-get update.
    const fetchers = machines.filter((m) => /^(Get|Hit):\d+ .* InRelease/m.test(logOf(m)));
    expect(fetchers).toHaveLength(1);
    for (const m of machines.filter((x) => x !== fetchers[0])) {
      expect(logOf(m)).toMatch(new RegExp(`^${m}: apt lists fetched by ${fetchers[0]} in this run put in place, no apt-get update$`, 'm'));
    }
    for (const m of machines) expect(exec(`${NAME}-${m}`, "dpkg-query -W -f='${Status};' tree file")).toBe('install ok installed;install ok installed;');
    // The same lists in every machine's state after its first package (checked in the images).
    const stateOf = (m: string) => docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '--filter', `label=prodlike.cache-machine=${m}`, '--filter', 'label=prodlike.cache-prefix=1/3', '--format', '{{.ID}}').split('\n')[0]!;
    const lists = machines.map((m) => listsOf(stateOf(m)));
    expect(lists[0]).toMatch(/[0-9a-f]{64} {2}.*bookworm_main_binary-amd64_Packages/);
    expect(new Set(lists).size).toBe(1);
    // Kept compressed, as Docker's own Debian images keep them: lz4 files, the archive well under the
    // 84 MB apt writes uncompressed (the installs above read them as they are).
    expect(lists[0]).toMatch(/bookworm_main_binary-amd64_Packages\.lz4$/m);
    // And without the descriptions' translations (Acquire::Languages "none", as those images again).
    expect(lists[0]).not.toMatch(/Translation/);
    // That fetch is kept for the next run.
    expect(kept()).toHaveLength(1);
    expect(statSync(path.join(store(), kept()[0]!)).size).toBeLessThan(50 << 20);
    await ws.run(['destroy', file, '--volumes'], { env: ENV });
  });

  it('a fetch for the run that gets nothing (the mirror refuses) leaves each machine to fetch its own: each says why it failed, nothing is kept', { timeout: 400_000 }, async () => {
    // A base image whose only apt source is a closed port on the container's own loopback.
    const image = baseImageWith('apt-refused', 'rm -f /etc/apt/sources.list.d/*; echo "deb http://127.0.0.1:9/debian bookworm main" > /etc/apt/sources.list');
    try {
      rmSync(store(), { recursive: true, force: true });
      const machines = ['a', 'b', 'c'];
      const file = await ws.write('profiles/refused.yaml', treeMachines(`${NAME}-refused`, image, machines));
      const r = await ws.run(['up', file, '--json'], { env: ENV });
      expect(r.code).toBe(1);
      // Each machine fails with apt's words (none waits forever on the shared fetch).
      for (const m of machines) {
        const failed = r.stdout.split('\n').find((l) => l.includes('"type":"resource"') && l.includes(`"machine":"${m}"`) && l.includes('"failed"'));
        expect(failed, `machine ${m}`).toMatch(/Could not connect to 127\.0\.0\.1:9|Unable to locate package tree/);
      }
      expect(logText(r)).not.toMatch(/put in place/);
      expect(existsSync(store()) ? kept() : []).toEqual([]);
      await ws.run(['destroy', file], { env: ENV });
      purge(`${NAME}-refused`);
    } finally {
      dockerTry('rmi', '-f', image);
    }
  });

  it('a fetch for the run cancelled half-way (Ctrl-C): up ends at once, the fetch is stopped in its container, none waits, nothing is kept', { timeout: 300_000 }, async () => {
    // A base image whose apt fetches at 8 kB/s (the real mirror, slowed by apt's own limit): the fetch
    // is still under way whenever it is looked at.
    const image = baseImageWith('apt-slow', 'echo \'Acquire::http::Dl-Limit "8";\' > /etc/apt/apt.conf.d/99slow');
    const name = `${NAME}-cancel`;
    try {
      rmSync(store(), { recursive: true, force: true });
      const machines = ['a', 'b', 'c'];
      const file = await ws.write('profiles/cancel.yaml', treeMachines(name, image, machines));
      const child = ws.spawn(['up', file, '--json'], { env: ENV });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
      // apt's processes in a machine's container (`docker top`, ps as the engine sees it).
      const aptIn = (m: string) => dockerTry('top', `${name}-${m}`, '-eo', 'pid,args').out.split('\n').filter((l) => /apt-get|methods\/http/.test(l));
      const fetcher = await waitFor('the run\'s fetch to be under way', () => machines.find((m) => aptIn(m).some((l) => l.includes('apt-get -q -o Acquire::GzipIndexes=true'))), 120_000, () => out);
      // The others run no apt of their own (they wait for this fetch, or have not got to it yet).
      for (const m of machines.filter((x) => x !== fetcher)) expect(aptIn(m), `machine ${m}`).toEqual([]);
      const t = Date.now();
      child.kill('SIGINT');
      // An exec left open (the kill's own, before 2026-12-05) kept the process alive after the run had ended.
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running 30 s after Ctrl-C'), 30_000))]);
      if (typeof code === 'string') child.kill('SIGKILL');
      expect(code, out).toBe(1);
      expect(Date.now() - t, out).toBeLessThan(20_000);
      expect(out).toMatch(/was cancelled/);
      // Stopped in its container, not left downloading, and no apt anywhere else either.
      await waitFor('apt to be stopped in the containers', () => machines.every((m) => aptIn(m).length === 0), 15_000, () => machines.map((m) => `${m}: ${aptIn(m).join('; ')}`).join('\n'));
      expect(out).not.toMatch(/put in place|apt lists not put in place|apt lists not kept/);
      // Nothing kept, not even half an archive.
      expect(existsSync(store()) ? readdirSync(store()) : []).toEqual([]);
      for (const m of machines) expect(exec(`${name}-${m}`, "dpkg-query -W -f='${Status}' tree 2>/dev/null || echo none")).not.toMatch(/install ok installed/);
    } finally {
      await ws.run(['destroy', path.join(ws.dir, 'profiles/cancel.yaml')], { env: ENV });
      purge(name);
      dockerTry('rmi', '-f', image);
    }
  });
});
