// A registry repository that Docker would refuse (uppercase, a tag, a digest) is one clear error before
// anything runs: in a profile's `cache: { from: }` at its file:line:col, and in `bake --push` as a
// usage error naming the flag, with no container or image made for the profile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, purge, removeCacheImages, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-refs');
let ws: Workspace;

const profile = (cache = '') => `name: ${NAME}
${cache}machines:
  a:
    docker: { image: debian:bookworm }
    resources:
      - command: echo built > /opt/built
        creates: /opt/built
`;

/** Everything on the engine of this profile: its containers (a bake's are named after it too) and images. */
function leftovers(): string {
  return [
    docker('ps', '-a', '--filter', `label=prodlike.profile=${NAME}`, '-q'),
    docker('ps', '-a', '--filter', `name=${NAME}`, '-q'),
    docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '-q'),
    docker('images', '--filter', 'reference=127.0.0.1:5391/*', '-q'),
  ]
    .filter(Boolean)
    .join('\n');
}

beforeAll(async () => {
  ws = await workspace();
});

afterAll(() => {
  for (const id of docker('ps', '-a', '--filter', `name=${NAME}`, '-q').split('\n').filter(Boolean)) docker('rm', '-f', '-v', id);
  purge(NAME);
  removeCacheImages(NAME);
});

describe('registry repositories', () => {
  it('validate refuses a cache.from with uppercase or a tag at its file:line:col, saying what to write', async () => {
    const upper = await ws.write('profiles/upper.yaml', profile('cache: { from: "127.0.0.1:5391/RhTwoB" }\n'));
    const r = await ws.run(['validate', upper]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toContain(`error: profiles/upper.yaml:2:16: cache.from: expected a registry repository without a tag or digest, in lowercase, such as 127.0.0.1:5000/shop-cache ("RhTwoB" has uppercase letters`);
    const tagged = await ws.write('profiles/tagged.yaml', profile('cache:\n  from: 127.0.0.1:5391/rhtwob:v1\n'));
    const t = await ws.run(['validate', tagged]);
    expect(t.code, t.stdout).toBe(1);
    expect(t.stderr).toContain(`error: profiles/tagged.yaml:3:9: cache.from: expected a registry repository`);
    expect(t.stderr).toContain('":v1" is a tag');
    const good = await ws.write('profiles/good.yaml', profile('cache: { from: 127.0.0.1:5391/team/shop-cache }\n'));
    const g = await ws.run(['validate', good]);
    expect(g.code, g.stderr).toBe(0);
  });

  it('bake --push with uppercase or a tag is a usage error before anything is built or tagged', async () => {
    const file = await ws.write('profiles/bake.yaml', profile());
    for (const [bad, why] of [
      ['127.0.0.1:5391/RHUP', '"RHUP" has uppercase letters'],
      ['127.0.0.1:5391/rhtag:v1', '":v1" is a tag'],
    ]) {
      const r = await ws.run(['bake', file, '--push', bad!], { env: { PRODLIKE_NO_CACHE: '' } });
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toContain(`error: --push ${bad}: expected a registry repository without a tag or digest, in lowercase, such as 127.0.0.1:5000/shop-cache (${why}`);
      expect(r.stderr).not.toContain('HTTP code');
      expect(leftovers()).toBe('');
    }
  }, 120_000);
});
