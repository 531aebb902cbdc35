// Words the cache's commands do not take are refused before anything runs, with the command's usage:
// `cache prune <profile> --all` removed every profile's states (the profile was dropped without a word),
// and `bake <profile> <machine>` baked every machine. Run through the built CLI, as a user types it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, purge, removeCacheImages, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-cachewords');
let ws: Workspace;
let file: string;

beforeAll(async () => {
  ws = await workspace();
  file = await ws.write('profiles/w.yaml', `name: ${NAME}\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n`);
});

afterAll(() => {
  purge(NAME);
  removeCacheImages(NAME);
});

describe('words a cache command does not take', () => {
  it.each([
    // --older-than 5000w: nothing on the engine is that old, so the run before the fix removed nothing either.
    [['cache', 'prune', NAME, '--older-than', '5000w'], /cache prune does not take "pl-it-cachewords-\w+" \(the cache is every profile's/],
    [['cache', 'ls', NAME], /cache ls does not take/],
    [['snapshot', 'ls', NAME, 'extra'], /snapshot ls does not take "extra"/],
    [['bake', NAME, 'web'], /bake does not take "web"/],
    [['up', NAME, 'web'], /up does not take "web" \(a run works on every machine of the profile\)/],
  ])('%j: a usage error, nothing done', async (args, message) => {
    const run = await ws.run(args.map((a) => (a === NAME && args[0] !== 'cache' ? file : a)), { env: { PRODLIKE_NO_CACHE: '' } });
    expect(run.code, run.stdout).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/→ prodlike \w+/);
    expect(docker('ps', '-a', '--filter', `label=prodlike.profile=${NAME}`, '-q')).toBe('');
  }, 120_000);
});
