// The profile's `cache: { from: <registry>/<repo> }` when the registry holds nothing for the machines
// (built as usual, nothing said) and when it cannot be asked (said once, built as usual, nothing more
// asked of it in the run), against a real registry and the real engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, purge, removeCacheImages, unique, workspace, type Workspace } from '../../support/cli.js';
import { startRegistry, type Registry } from '../../support/registry.js';

const NAME = unique('pl-it-cachereg');
// Part of every cache key: nothing saved before matches, so each machine asks the registry.
const RUN = Math.random().toString(36).slice(2, 10);
let ws: Workspace;
let registry: Registry;

const profileText = (from: string) => `name: ${NAME}
cache: { from: "${from}" }
machines:
${['a', 'b']
  .map(
    (m) => `  ${m}:
    docker: { image: debian:bookworm, env: { RUN: "${RUN}" } }
    resources:
      - command: echo built > /opt/built
        creates: /opt/built
      - file: /opt/page
        content: "${m}\\n"
`,
  )
  .join('')}`;

beforeAll(async () => {
  ws = await workspace();
  registry = await startRegistry();
}, 60_000);

afterAll(async () => {
  purge(NAME);
  removeCacheImages(NAME);
  await registry?.stop();
});

describe('cache.from', () => {
  it('a registry that holds nothing for the machines: built as usual, without a word about it', async () => {
    const file = await ws.write('profiles/reg.yaml', profileText(`${registry.address}/${NAME}`));
    const run = await ws.run(['up', file], { env: { PRODLIKE_NO_CACHE: '' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('could not be asked');
    for (const m of ['a', 'b']) expect(docker('exec', `${NAME}-${m}`, 'cat', '/opt/built')).toBe('built');
    expect((await ws.run(['destroy', file])).code).toBe(0);
    removeCacheImages(NAME);
  }, 180_000);

  it('a registry that cannot be asked: said once with the reason, and the machines built as usual', async () => {
    // Nothing listens on port 1 of this computer.
    const file = await ws.write('profiles/reg.yaml', profileText('127.0.0.1:1/nothing'));
    const run = await ws.run(['up', file], { env: { PRODLIKE_NO_CACHE: '' } });
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout + run.stderr;
    expect(out.match(/cache registry 127\.0\.0\.1:1\/nothing could not be asked/g)?.length).toBe(1);
    expect(out).toContain('connection refused');
    for (const m of ['a', 'b']) expect(docker('exec', `${NAME}-${m}`, 'cat', '/opt/page')).toBe(m);
  }, 180_000);
});
