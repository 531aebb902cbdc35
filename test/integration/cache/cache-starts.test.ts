// Where a machine starts from when the cache cannot give it what a fresh build would: a state saved
// without apt's lists under a machine that has a command after it; named volumes waiting for packages
// that could not be saved; a state removed between the run's listing and the container's creation.
// Checked with dpkg and files in the containers, independently of Prodlike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTry, exec, purge, removeCacheImages, logLines, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-cstart');
// Part of the cache key (digits only: test 2's secret value must occur nowhere else).
const RUN = String(Math.random()).slice(2, 10);
const ENV = { PRODLIKE_NO_CACHE: '' };

let ws: Workspace;

beforeAll(async () => {
  ws = await workspace();
});

afterAll(() => {
  for (const p of ['lists', 'vols', 'gone', 'early']) {
    purge(`${NAME}-${p}`);
    removeCacheImages(`${NAME}-${p}`);
  }
}, 120_000);

/** A profile of one machine, m, on debian:bookworm; `more`: more of its docker settings; `resources`: its list, indented. */
const oneMachine = (name: string, more: string, resources: string) => `name: ${name}
machines:
  m:
    docker: { image: debian:bookworm, env: { TEST_RUN: "${RUN}" }${more} }
    resources:
${resources}`;

const installed = (container: string, pkg: string) => dockerTry('exec', container, 'dpkg-query', '-W', '-f=${Status}', pkg).out.trim() === 'install ok installed';

describe('starting from the cache only where it gives what a fresh build would', () => {
  it("a state saved without apt's lists is not where a machine with a later command installing a package starts", { timeout: 600_000 }, async () => {
    const name = `${NAME}-lists`;
    const v1 = oneMachine(name, '', `      - package: hello
`);
    const file = await ws.write('profiles/lists.yaml', v1);
    const first = await ws.run(['up', file, '--json'], { env: ENV });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // Saved as the last state of its list: nothing after it needs apt's lists, so they are not in it.
    const saved = docker('images', '--filter', `label=prodlike.cache-profile=${name}`, '--format', '{{.Repository}}:{{.Tag}}').split('\n')[0]!;
    expect(docker('run', '--rm', '--entrypoint', 'sh', saved, '-c', 'ls /var/lib/apt/lists | grep -c _Packages || true').trim()).toBe('0');
    expect((await ws.run(['destroy', file], { env: ENV })).code).toBe(0);

    await ws.write('profiles/lists.yaml', `${v1}      - command: apt-get install -y --no-install-recommends sl
        creates: /usr/games/sl
`);
    const second = await ws.run(['up', file, '--json'], { env: ENV });
    // Started from that state, apt-get would find no package sl; a fresh build finds it.
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(installed(`${name}-m`, 'sl')).toBe(true);
    expect(installed(`${name}-m`, 'hello')).toBe(true);
    // The state it saved after `hello` this time keeps the lists, under a key of its own.
    const withLists = docker('images', '--filter', `label=prodlike.cache-profile=${name}`, '--filter', 'label=prodlike.cache-prefix=1/2', '--format', '{{.Repository}}:{{.Tag}}').split('\n')[0]!;
    expect(withLists).not.toBe('');
    expect(Number(docker('run', '--rm', '--entrypoint', 'sh', withLists, '-c', 'ls /var/lib/apt/lists | grep -c _Packages || true').trim())).toBeGreaterThan(0);
  });

  it('packages installed before the volumes are mounted are installed again when their state could not be saved', { timeout: 600_000 }, async () => {
    const name = `${NAME}-vols`;
    // API_TOKEN's value is a package's name: that package holds a secret, so no state is saved past the
    // first package, while both are installed in one step before the volumes are mounted.
    const file = await ws.write(
      'profiles/vols.yaml',
      oneMachine(
        name,
        ', volumes: ["data:/srv/data"]',
        `      - package: hello
      - package: figlet
      - env: API_TOKEN
        value: \${env.API_TOKEN}
`,
      ),
    );
    const env = { ...ENV, API_TOKEN: 'figlet' };
    const cold = await ws.run(['up', file, '--json'], { env });
    expect(cold.code, cold.stdout + cold.stderr).toBe(0);
    expect((await ws.run(['destroy', file], { env })).code).toBe(0);
    expect(dockerTry('volume', 'inspect', `${name}_data`).code).toBe(0);

    const again = await ws.run(['up', file, '--no-cache', '--json'], { env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(logLines(again)).toContainEqual(expect.stringMatching(/^m: carries on with its volumes in a container from its base image .*applied again from the first/));
    // Both packages are there, not only reported: the container now runs from the base image.
    expect(installed(`${name}-m`, 'hello')).toBe(true);
    expect(installed(`${name}-m`, 'figlet')).toBe(true);
    expect(exec(`${name}-m`, 'grep -c "^API_TOKEN=" /etc/environment').trim()).toBe('1');
  });

  it('while the named volumes wait for the packages, a machine does not carry on in a container that has them', { timeout: 600_000 }, async () => {
    const name = `${NAME}-early`;
    // The volume is at figlet's documentation, and already holds a copyright file of its own: a
    // package installed while it is mounted would overwrite it there.
    const volume = ', volumes: ["docs:/usr/share/doc/figlet"]';
    const file = await ws.write(
      'profiles/early.yaml',
      oneMachine(
        name,
        volume,
        `      - package: hello
      - file: /usr/share/doc/figlet/copyright
        content: "mine"
`,
      ),
    );
    // Every saved layer is carried on over (the shop's are far over the 64 MB this lowers).
    const env = { ...ENV, PRODLIKE_CACHE_STACK_MIN_MB: '0' };
    expect((await ws.run(['up', file], { env })).code).toBe(0);
    expect((await ws.run(['destroy', file], { env })).code).toBe(0);
    const inVolume = () => docker('run', '--rm', '-v', `${name}_docs:/v`, 'debian:bookworm', 'cat', '/v/copyright').trim();
    expect(inVolume()).toBe('mine');

    // bash is in the base image: it splits the packages into two steps, with a save point between.
    await ws.write(
      'profiles/early.yaml',
      oneMachine(
        name,
        volume,
        `      - package: hello
      - package: bash
      - package: figlet
      - file: /etc/early
        content: "${RUN}"
`,
      ),
    );
    const r = await ws.run(['up', file, '--json'], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(installed(`${name}-m`, 'figlet')).toBe(true);
    // As an image is built: figlet was installed before the volume was mounted, so what the volume holds is untouched.
    expect(inVolume()).toBe('mine');
    expect(logLines(r).filter((l) => l.includes('carries on with its volumes'))).toHaveLength(1);
  });

  it('a cached state removed while the run waits for a dependency: the machine is started without it', { timeout: 600_000 }, async () => {
    const name = `${NAME}-gone`;
    const file = await ws.write(
      'profiles/gone.yaml',
      `name: ${name}
machines:
  web:
    docker:
      image: debian:bookworm
      env: { TEST_RUN: "${RUN}" }
      depends_on: { db: { condition: service_healthy } }
    resources:
      - directory: /srv/web
      - file: /srv/web/index.html
        content: "web ${RUN}"
  db:
    docker:
      image: debian:bookworm
      # healthy about 8 s after its start: web's start is planned then
      command: sh -c "sleep 8; touch /ready; exec sleep infinity"
      healthcheck: { test: test -f /ready, interval: 500ms, retries: 60 }
`,
    );
    const cold = await ws.run(['up', file, '--json'], { env: ENV });
    expect(cold.code, cold.stdout + cold.stderr).toBe(0);
    const webStates = () => docker('images', '--filter', `label=prodlike.cache-profile=${name}`, '--filter', 'label=prodlike.cache-machine=web', '--format', '{{.ID}}').split('\n').filter(Boolean);
    expect(webStates().length).toBeGreaterThan(0);
    expect((await ws.run(['destroy', file], { env: ENV })).code).toBe(0);

    ws.env.PRODLIKE_NO_CACHE = '';
    const child = ws.spawn(['up', file, '--json']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Once db's container exists the run has listed the cache; web's start is planned seconds later.
    for (let i = 0; i < 100 && dockerTry('inspect', `${name}-db`).code !== 0; i++) await new Promise((r) => setTimeout(r, 200));
    for (const id of webStates()) docker('rmi', '-f', id);
    expect(await exited, out).toBe(0);
    expect(out).toMatch(/web: the cached state [0-9a-f]{12} was removed while this run started/);
    expect(exec(`${name}-web`, 'cat /srv/web/index.html').trim()).toBe(`web ${RUN}`);
  });
});
