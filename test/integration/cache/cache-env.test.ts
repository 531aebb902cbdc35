// The cache's environment variables as docs/cache.md has them, read as a user sets them: a value that
// is not a size is said (as PRODLIKE_APT_LISTS_MAX_AGE's is) instead of being passed over, and
// PRODLIKE_NO_CACHE=0 leaves the cache on. Against the real engine, checked with docker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, purge, removeCacheImages, logLines, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-cacheenv');
// Part of the key: nothing saved before matches.
const RUN = Math.random().toString(36).slice(2, 10);
let ws: Workspace;
let file: string;

const logText = (r: CliRun) => logLines(r).join('\n');
const states = () => docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '-q');

beforeAll(async () => {
  ws = await workspace();
  file = await ws.write(
    'profiles/env.yaml',
    `name: ${NAME}
machines:
  m:
    docker: { image: debian:bookworm, env: { RUN: "${RUN}" } }
    resources:
      - command: echo built > /opt/built
        creates: /opt/built
`,
  );
});

afterAll(() => {
  purge(NAME);
  removeCacheImages(NAME);
});

describe('the cache environment variables', () => {
  it('PRODLIKE_CACHE_STACK_MIN_MB that is not a size: said, and the default used', async () => {
    const run = await ws.run(['up', file, '--json'], { env: { PRODLIKE_NO_CACHE: '', PRODLIKE_CACHE_STACK_MIN_MB: 'lots' } });
    expect(run.code, run.stderr).toBe(0);
    expect(logText(run)).toContain('PRODLIKE_CACHE_STACK_MIN_MB=lots is not a number of MB (0 or more): layers of 64 MB or more are carried on over');
    expect((await ws.run(['destroy', file])).code).toBe(0);
    removeCacheImages(NAME);
  }, 120_000);

  it('PRODLIKE_NO_CACHE=0 leaves the cache on: the machine is saved', async () => {
    removeCacheImages(NAME);
    expect(states()).toBe('');
    const run = await ws.run(['up', file], { env: { PRODLIKE_NO_CACHE: '0' } });
    expect(run.code, run.stderr).toBe(0);
    expect(states()).not.toBe('');
    expect((await ws.run(['destroy', file])).code).toBe(0);
    removeCacheImages(NAME);
  }, 120_000);
});
