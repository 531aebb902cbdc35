// Podman through its Docker-compatible API (`podman system service`): the core scenario (up → converge
// → up again keeps → a changed profile recreates → drift → down → destroy) with the real CLI, checked
// with the `podman` CLI. The service runs on a socket of the test's own, with a containers.conf of its own
// (see docs/engines.md: cgroupfs and file events where systemd is absent, ulimits a sandbox allows).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../../../support/cli.js';
import { uniqueProfile } from '../../../support/docker-profile.js';

const havePodman = (() => {
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!havePodman) console.warn('podman.test.ts skipped: the podman command is not installed (apt-get install podman; .ci/run does)');

const NAME = uniqueProfile('pl-podman');
let dir = '';
let sock = '';
let service: ChildProcess | undefined;
let ws: Workspace;
let file = '';
let podEnv: NodeJS.ProcessEnv = {};

const podman = (...args: string[]) => execFileSync('podman', args, { env: podEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const podmanTry = (...args: string[]) => {
  try {
    return { code: 0, out: podman(...args) };
  } catch (err) {
    return { code: 1, out: String((err as { stderr?: unknown }).stderr ?? err) };
  }
};

const profile = (env: string) => `name: ${NAME}
machines:
  web:
    docker:
      image: debian:bookworm
      ports: ["127.0.0.1::8000"]
      env: { APP_ENV: ${env} }
      volumes: ["data:/srv/data"]
    resources:
      - file: /etc/app.conf
        content: "hello from podman\\n"
        mode: "0640"
      - user: shop
      - command: touch /srv/data/made
        creates: /srv/data/made
  worker:
    docker:
      image: debian:bookworm
    resources:
      - directory: /srv/queue
        mode: "0750"
`;

beforeAll(async () => {
  if (!havePodman) return;
  dir = mkdtempSync(path.join(tmpdir(), 'pl-podman-'));
  sock = path.join(dir, 'podman.sock');
  const conf = path.join(dir, 'containers.conf');
  // cgroupfs and file events: no systemd here. Ulimits: Podman's defaults (nofile 1048576) exceed what
  // an unprivileged sandbox may set, and runc refuses to start the container.
  writeFileSync(conf, `[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n`);
  podEnv = { ...process.env, CONTAINERS_CONF: conf };
  // The base image: Podman has a store of its own; it takes the image Docker has.
  if (podmanTry('image', 'exists', 'docker.io/library/debian:bookworm').code !== 0) {
    execFileSync('sh', ['-c', 'docker save debian:bookworm | podman load && podman tag localhost/debian:bookworm docker.io/library/debian:bookworm 2>/dev/null || true'], { env: podEnv, stdio: 'ignore' });
  }
  service = spawn('podman', ['system', 'service', '--time=0', `unix://${sock}`], { env: podEnv, stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(sock)) throw new Error(`podman system service did not make ${sock}`);
  ws = await workspace();
  file = await ws.write('profiles/pod.yaml', profile('dev'));
}, 180_000);

afterAll(async () => {
  if (!havePodman) return;
  for (const kind of ['container', 'volume']) {
    const ids = podmanTry(kind === 'container' ? 'ps' : 'volume', ...(kind === 'container' ? ['-aq'] : ['ls', '-q']), '--filter', `label=prodlike.profile=${NAME}`).out;
    if (ids) podmanTry(...(kind === 'container' ? ['rm', '-f'] : ['volume', 'rm', '-f']), ...ids.split('\n'));
  }
  podmanTry('network', 'rm', '-f', `prodlike-${NAME}`);
  service?.kill('SIGTERM');
}, 60_000);

const cli = (args: string[]) => ws.run(args, { env: { DOCKER_HOST: `unix://${sock}`, CONTAINERS_CONF: podEnv.CONTAINERS_CONF! } });

describe.skipIf(!havePodman)('Podman through its Docker-compatible API', () => {
  let firstId = '';

  it('doctor names Podman as the engine, and why it is the one used', async () => {
    const r = await cli(['doctor']);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`Podman \\d+\\.\\d+\\.\\d+ at unix://${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, from DOCKER_HOST`));
  });

  it('up creates the machines, labelled and with their config hash, and converges them', async () => {
    const r = await cli(['up', file]);
    expect(r.stderr + r.stdout).not.toContain('failed');
    expect(r.code).toBe(0);
    const labels = JSON.parse(podman('inspect', '-f', '{{json .Config.Labels}}', `${NAME}-web`)) as Record<string, string>;
    expect(labels['prodlike.profile']).toBe(NAME);
    expect(labels['prodlike.machine']).toBe('web');
    expect(labels['prodlike.config-hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(podman('exec', `${NAME}-web`, 'cat', '/etc/app.conf')).toBe('hello from podman');
    expect(podman('exec', `${NAME}-web`, 'stat', '-c', '%a', '/etc/app.conf')).toBe('640');
    expect(podman('exec', `${NAME}-web`, 'id', '-un', 'shop')).toBe('shop');
    expect(podman('exec', `${NAME}-web`, 'ls', '/srv/data/made')).toBe('/srv/data/made');
    expect(podman('exec', `${NAME}-worker`, 'stat', '-c', '%a', '/srv/queue')).toBe('750');
    expect(podman('volume', 'inspect', '-f', '{{index .Labels "prodlike.profile"}}', `${NAME}_data`)).toBe(NAME);
    expect(podman('inspect', '-f', '{{.Config.Env}}', `${NAME}-web`)).toContain('APP_ENV=dev');
    firstId = podman('inspect', '-f', '{{.Id}}', `${NAME}-web`);
  });

  it('up again keeps the containers and changes nothing', async () => {
    const r = await cli(['up', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing to change');
    expect(podman('inspect', '-f', '{{.Id}}', `${NAME}-web`)).toBe(firstId);
  });

  it('a changed profile recreates the machine it changes (the config hash decides)', async () => {
    await ws.write('profiles/pod.yaml', profile('staging'));
    const r = await cli(['up', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/web: provision recreated/);
    expect(podman('inspect', '-f', '{{.Id}}', `${NAME}-web`)).not.toBe(firstId);
    expect(podman('inspect', '-f', '{{.Config.Env}}', `${NAME}-web`)).toContain('APP_ENV=staging');
    // The volume survived the recreate; the file was converged again.
    expect(podman('exec', `${NAME}-web`, 'cat', '/etc/app.conf')).toBe('hello from podman');
  });

  it('drift finds a change made behind Prodlike\'s back (exit 2)', async () => {
    podman('exec', `${NAME}-web`, 'sh', '-c', 'echo edited > /etc/app.conf');
    const r = await cli(['drift', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/drifted\s+web file \/etc\/app\.conf/);
  });

  it('down stops the machines at once and keeps them', async () => {
    const r = await cli(['down', file]);
    expect(r.code).toBe(0);
    // No 10 s SIGKILL wait: the init (or, without catatonit, the keep-alive shell) ends on SIGTERM.
    expect(r.ms).toBeLessThan(8000);
    expect(podman('inspect', '-f', '{{.State.Running}}', `${NAME}-web`)).toBe('false');
    expect(podman('inspect', '-f', '{{.State.Running}}', `${NAME}-worker`)).toBe('false');
  });

  it('destroy --volumes removes containers, network and volumes', async () => {
    const r = await cli(['destroy', '--volumes', file]);
    expect(r.code).toBe(0);
    expect(podman('ps', '-a', '--filter', `label=prodlike.profile=${NAME}`, '--format', '{{.Names}}')).toBe('');
    expect(podmanTry('volume', 'exists', `${NAME}_data`).code).toBe(1);
    expect(podmanTry('network', 'exists', `prodlike-${NAME}`).code).toBe(1);
  });
});
