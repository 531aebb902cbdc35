// `cache prune --all` at a terminal says what goes and asks first, as `docker image prune -a` does; `--yes`
// and scripts (no terminal) are not asked. The terminal is a real pseudo-terminal (util-linux `script`),
// the CLI the built one. The engine these tests share keeps every cached state: "y" and --yes are given
// with DOCKER_HOST pointing nowhere, so only what is on this computer (apt's kept lists, in this
// workspace's data folder) can go; "n" with the engine only where it is the tests' own (were the question
// gone, that prune would empty a developer's cache), and everywhere without an engine.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, purge, removeCacheImages, skippedOnSharedEngine, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-pruneask');
const ENV = { PRODLIKE_NO_CACHE: '' };
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/prodlike-test-docker.sock' };
let ws: Workspace;

const statesOf = () => docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '-q', '--no-trunc').split('\n').filter(Boolean).sort();
const allStates = () => docker('images', '--filter', 'label=prodlike.cache-key', '-q', '--no-trunc').split('\n').filter(Boolean).sort();
const listsDir = () => path.join(ws.dataDir, 'cache', 'apt-lists');
async function keepLists(): Promise<void> {
  await mkdir(listsDir(), { recursive: true });
  await writeFile(path.join(listsDir(), 'lists-of-a-base.tar'), 'x'.repeat(2000));
}

beforeAll(async () => {
  ws = await workspace();
  // One state of this file's own (a command is a save point; no package to fetch).
  const file = await ws.write(
    'profiles/ask.yaml',
    `name: ${NAME}
machines:
  m:
    docker: { image: debian:bookworm }
    resources:
      - command: echo ${NAME} > /etc/prune-ask
        unless: test -e /etc/prune-ask
`,
  );
  const up = await ws.run(['up', file], { env: ENV });
  expect(up.code, up.stderr).toBe(0);
  expect((await ws.run(['destroy', file], { env: ENV })).code).toBe(0);
}, 300_000);

afterAll(() => {
  purge(NAME);
  removeCacheImages(NAME);
});

describe('cache prune --all at a terminal', () => {
  it.skipIf(skippedOnSharedEngine('cache prune --all answered "n" with an engine', "were its question gone, it would empty the Docker engine's whole cache"))('says what goes and asks; "n" removes nothing and fails', { timeout: 120_000 }, async () => {
    const mine = statesOf();
    expect(mine).toHaveLength(1);
    const before = allStates();
    const r = await ws.atTerminal(['cache', 'prune', '--all'], 'n\n', { env: ENV });
    expect(r.code, r.stdout).toBe(1);
    // Every profile's states, this file's among them, and how many: as `cache ls` counts them.
    expect(r.stdout).toMatch(new RegExp(`This removes \\d+ cached state\\(s\\), [\\d.]+ (B|kB|MB|GB), of every profile: .*${NAME}`));
    expect(r.stdout).toMatch(/apt's package lists kept between runs; the next `up` of those profiles builds without the cache\.\nRemove all\? \[y\/N\] n\n/);
    expect(r.stdout).toMatch(/nothing removed/);
    expect(r.stdout).not.toMatch(/state\(s\) removed/);
    expect(allStates()).toEqual(before);
  });

  it('"n" without an engine: nothing removed from this computer either', { timeout: 120_000 }, async () => {
    await keepLists();
    const r = await ws.atTerminal(['cache', 'prune', '--all'], 'no\n', { env: { ...ENV, ...NO_ENGINE } });
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/Remove all\? \[y\/N\] no\nnothing removed\n/);
    expect(await readdir(listsDir())).toEqual(['lists-of-a-base.tar']);
  });

  it('"y" prunes; without an engine only what is on this computer goes, and it says why', { timeout: 120_000 }, async () => {
    const before = allStates();
    await keepLists();
    const r = await ws.atTerminal(['cache', 'prune', '--all'], 'y\n', { env: { ...ENV, ...NO_ENGINE } });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/This removes what is cached on this computer \(the containers' states could not be listed: Docker engine not running at .*nonexistent/);
    expect(r.stdout).toMatch(/Remove all\? \[y\/N\] y\n/);
    expect(r.stdout).toMatch(/apt lists kept between runs removed, 2\.0 kB freed/);
    expect(await readdir(listsDir())).toEqual([]);
    expect(allStates()).toEqual(before);
  });

  it('--yes, or no terminal: not asked', { timeout: 120_000 }, async () => {
    await keepLists();
    const yes = await ws.atTerminal(['cache', 'prune', '--all', '--yes'], '', { env: { ...ENV, ...NO_ENGINE } });
    expect(yes.code, yes.stdout).toBe(0);
    expect(yes.stdout).not.toMatch(/\[y\/N\]/);
    expect(yes.stdout).toMatch(/apt lists kept between runs removed, 2\.0 kB freed/);
    // A script's prune (stdin and stdout not a terminal) is not asked either.
    await keepLists();
    const script = await ws.run(['cache', 'prune', '--all'], { env: NO_ENGINE });
    expect(script.code, script.stderr).toBe(0);
    expect(script.stderr + script.stdout).not.toMatch(/\[y\/N\]/);
    expect(script.stdout).toMatch(/apt lists kept between runs removed, 2\.0 kB freed/);
    // --yes is cache prune's and doctor --fix's: anywhere else it is refused.
    const other = await ws.run(['cache', 'ls', '--yes']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/cache ls does not take --yes/);
  });
});
