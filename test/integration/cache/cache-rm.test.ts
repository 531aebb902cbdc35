// `cache rm <key>...` against the real engine, through the built CLI: the state named goes (docker says
// its image is gone), the others stay; a state a container uses stays, with why, and the command fails
// as `docker rmi` of such an image does; a key no state has removes nothing. Only this file's states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTry, purge, removeCacheImages, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-cacherm');
const ENV = { PRODLIKE_NO_CACHE: '' };
let ws: Workspace;
let file: string;

/** This profile's states, by the engine's labels: prefix ("1/2") → image ID. */
function states(): Map<string, string> {
  const ids = [...new Set(docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '-q', '--no-trunc').split('\n').filter(Boolean))];
  return new Map(ids.map((id) => [docker('image', 'inspect', '-f', '{{index .Config.Labels "prodlike.cache-prefix"}}', id), id]));
}
const keyOf = (id: string) => docker('image', 'inspect', '-f', '{{index .Config.Labels "prodlike.cache-key"}}', id);

beforeAll(async () => {
  ws = await workspace();
  file = await ws.write(
    'profiles/rm.yaml',
    `name: ${NAME}
machines:
  m:
    docker: { image: debian:bookworm }
    resources:
      - package: tree
      - file: /etc/cache-rm
        content: "${NAME}\\n"
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

describe('cache rm', () => {
  it('removes the state its key starts, as cache ls prints it, and no other', { timeout: 120_000 }, async () => {
    const before = states();
    expect([...before.keys()].sort()).toEqual(['1/2', '2/2']);
    const key = keyOf(before.get('2/2')!);
    const rm = await ws.run(['cache', 'rm', key.slice(0, 12)], { env: ENV });
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toMatch(new RegExp(`^removed ${key.slice(0, 12)}  ${NAME}/m +2/2 `, 'm'));
    expect(rm.stdout).toMatch(/^1 state\(s\) removed, [\d.]+ (B|kB|MB|GB) freed$/m);
    expect(dockerTry('image', 'inspect', before.get('2/2')!).code).not.toBe(0);
    expect([...states().keys()]).toEqual(['1/2']);
  });

  it('a key no state has: an error, nothing removed', { timeout: 60_000 }, async () => {
    const before = states();
    const rm = await ws.run(['cache', 'rm', 'nokey0123'], { env: ENV });
    expect(rm.code).toBe(1);
    expect(rm.stderr).toMatch(/no cached state has the key "nokey0123"/);
    expect(rm.stderr).toMatch(/prodlike cache ls lists the keys/);
    expect(states()).toEqual(before);
    // No key at all: the usage.
    const none = await ws.run(['cache', 'rm'], { env: ENV });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/cache rm needs the key of a cached state/);
  });

  it('a state a container uses stays, says why, and the command fails', { timeout: 300_000 }, async () => {
    // The next up starts from the package state (1/2), the one left: its container's image is that state.
    const up = await ws.run(['up', file], { env: ENV });
    expect(up.code, up.stderr).toBe(0);
    const used = docker('inspect', '-f', '{{.Image}}', `${NAME}-m`);
    expect(states().get('1/2')).toBe(used);
    const rm = await ws.run(['cache', 'rm', keyOf(used), '--json'], { env: ENV });
    expect(rm.code).toBe(1);
    const res = JSON.parse(rm.stdout) as { removed: unknown[]; kept: { entry: { key: string }; why: string }[] };
    expect(res.removed).toEqual([]);
    expect(res.kept).toEqual([{ entry: expect.objectContaining({ key: keyOf(used) }), why: 'a container uses it' }]);
    expect(docker('image', 'inspect', '-f', '{{.Id}}', used)).toBe(used);
    // The machine gone, 1/2 still stays: the 2/2 that up saved again is built on it (docker's layers say
    // so), and removing 1/2 alone would free nothing.
    expect((await ws.run(['destroy', file], { env: ENV })).code).toBe(0);
    const child = states().get('2/2')!;
    const layers = (id: string) => JSON.parse(docker('image', 'inspect', '-f', '{{json .RootFS.Layers}}', id)) as string[];
    expect(layers(child).slice(0, layers(used).length)).toEqual(layers(used));
    const parent = await ws.run(['cache', 'rm', keyOf(used)], { env: ENV });
    expect(parent.code).toBe(1);
    expect(parent.stdout).toMatch(/^kept .* \(a cached state that stays is built on it\)$/m);
    expect(docker('image', 'inspect', '-f', '{{.Id}}', used)).toBe(used);
    // Both named: the child goes first, then the parent.
    const both = await ws.run(['cache', 'rm', keyOf(used), keyOf(child), '--json'], { env: ENV });
    expect(both.code, both.stderr).toBe(0);
    expect((JSON.parse(both.stdout) as { removed: { prefix: number }[] }).removed.map((e) => e.prefix)).toEqual([2, 1]);
    expect(dockerTry('image', 'inspect', used).code).not.toBe(0);
    expect(dockerTry('image', 'inspect', child).code).not.toBe(0);
    expect(states().size).toBe(0);
  });
});
