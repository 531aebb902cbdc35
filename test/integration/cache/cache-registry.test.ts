// The profile's `cache: { from: <registry>/<repo> }` when the registry holds nothing for the machines
// (built as usual, nothing said), when it cannot be asked (said once, built as usual, nothing more
// asked of it in the run), and when it wants credentials (the Docker CLI's, after `docker login`: bake
// pushes with them and up pulls with them), against real registries and the real engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, purge, removeCacheImages, unique, workspace, type Workspace } from '../../support/cli.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registryTags, startRegistry, type Registry, type RegistryLogin } from '../../support/registry.js';

const NAME = unique('pl-it-cachereg');
// Part of every cache key: nothing saved before matches, so each machine asks the registry.
const RUN = Math.random().toString(36).slice(2, 10);
let ws: Workspace;
let registry: Registry;
let locked: Registry;
const LOGIN: RegistryLogin = { user: 'pl', password: `pw-${Math.random().toString(36).slice(2, 10)}` };

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
  locked = await startRegistry({ auth: LOGIN });
}, 60_000);

afterAll(async () => {
  purge(NAME);
  removeCacheImages(NAME);
  await registry?.stop();
  await locked?.stop();
  const pulled = docker('images', '--filter', `reference=${locked?.address}/*`, '-q');
  if (pulled) docker('rmi', '-f', ...new Set(pulled.split('\n')));
});

/** A Docker CLI config folder, as `docker login` leaves it (auths: base64 user:password). */
async function cliConfig(auths: Record<string, { auth: string }>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-dockercfg-'));
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

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
    expect((await ws.run(['destroy', file])).code).toBe(0);
    removeCacheImages(NAME);
  }, 180_000);

  it('a registry that wants credentials: bake pushes and up pulls with the Docker CLI\'s; without them, bake says to log in', async () => {
    const repo = `${locked.address}/${NAME}`;
    const file = await ws.write('profiles/reg.yaml', profileText(repo));
    const none = await cliConfig({});
    const refused = await ws.run(['bake', file, '--push', repo], { env: { PRODLIKE_NO_CACHE: '', DOCKER_CONFIG: none } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`docker login ${locked.address}`);
    expect(refused.stderr).not.toContain(LOGIN.password);
    removeCacheImages(NAME);

    const loggedIn = await cliConfig({ [locked.address]: { auth: Buffer.from(`${LOGIN.user}:${LOGIN.password}`).toString('base64') } });
    const env = { PRODLIKE_NO_CACHE: '', DOCKER_CONFIG: loggedIn };
    const bake = await ws.run(['bake', file, '--push', repo], { env });
    expect(bake.code, bake.stdout + bake.stderr).toBe(0);
    expect(bake.stdout + bake.stderr).not.toContain(LOGIN.password);
    // Asked of the registry itself, with the credentials: a state of each machine is there.
    expect((await registryTags(locked.address, NAME, LOGIN)).length).toBeGreaterThanOrEqual(2);

    // Nothing of it on this engine any more: up pulls the baked states with the same credentials.
    removeCacheImages(NAME);
    const pushed = docker('images', '--filter', `reference=${repo}`, '-q');
    if (pushed) docker('rmi', '-f', ...new Set(pushed.split('\n')));
    const up = await ws.run(['up', file, '--json'], { env });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).not.toContain('could not be asked');
    expect(up.stdout.match(new RegExp(`pulled from ${repo.replace(/[.]/g, '\\.')}`, 'g'))?.length).toBe(2);
    for (const m of ['a', 'b']) expect(docker('exec', `${NAME}-${m}`, 'cat', '/opt/page')).toBe(m);
  }, 300_000);
});
