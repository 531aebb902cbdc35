// `prodlike import compose|devcontainer` on real example files (test/fixtures/import, vendored with their
// licenses): each is imported, validated and brought up, and what Prodlike made is compared with what
// `docker compose` (v2) makes of the same files, through `docker inspect` — not through Prodlike.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, docker, dockerTry, purge, unique, workspace, type Workspace } from '../../support/cli.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'import');
const COMPOSE = '/opt/prodlike-bench/compose-v2/usr/libexec/docker/cli-plugins/docker-compose';
const haveCompose = existsSync(COMPOSE);
if (!haveCompose) console.warn(`import tests: ${COMPOSE} not found (run scripts/fetch-compose-v2.sh): the docker compose comparisons are skipped`);

const STUB = `${unique('pl-import-stub')}:1`;
const STANDIN_DOCKERFILE = `FROM debian:bookworm AS builder
RUN printf '#!/bin/sh\\nexit 0\\n' > /usr/local/bin/pg_isready && chmod +x /usr/local/bin/pg_isready
CMD ["sleep", "infinity"]
FROM builder AS dev-envs
`;

const profilesMade: string[] = [];
const composeProjects: { dir: string; project: string }[] = [];

beforeAll(() => {
  const dir = execFileSync('mktemp', ['-d']).toString().trim();
  writeFileSync(path.join(dir, 'Dockerfile'), `FROM debian:bookworm
RUN useradd -m postgres && printf '#!/bin/sh\\nexit 0\\n' > /usr/local/bin/pg_isready && chmod +x /usr/local/bin/pg_isready
CMD ["sleep", "infinity"]
`);
  docker('build', '-q', '-t', STUB, dir);
}, 300_000);

afterAll(() => {
  for (const c of composeProjects) compose(c.dir, c.project, 'down', '-v', '--rmi', 'local', '--timeout', '1');
  for (const p of profilesMade) {
    purge(p);
    for (const img of docker('images', '--filter', `reference=prodlike/${p}-*`, '--format', '{{.Repository}}:{{.Tag}}').split('\n').filter(Boolean)) dockerTry('rmi', '-f', img);
  }
  dockerTry('rmi', '-f', STUB);
}, 180_000);

function compose(dir: string, project: string, ...args: string[]): string {
  return execFileSync(COMPOSE, ['-p', project, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Copies a fixture into the workspace, with the substitutions its README lists. */
async function copyFixture(ws: Workspace, rel: string): Promise<Map<string, number>> {
  await cp(path.join(FIXTURES, rel), ws.dir, { recursive: true });
  const ports = new Map<string, number>();
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? (n === 'profiles' || n.startsWith('.data') ? [] : walk(path.join(d, n))) : [path.join(d, n)]));
  for (const file of walk(ws.dir)) {
    const base = path.basename(file);
    if (base === 'Dockerfile') await writeFile(file, STANDIN_DOCKERFILE);
    if (!/\.(ya?ml|json)$/.test(base)) continue;
    let text = await readFile(file, 'utf8');
    text = text.replace(/^(\s*(?:"image":|image:)\s*)"?(?:postgres|nginx|redislabs\/redismod|dpage\/pgadmin4|mcr\.microsoft\.com\/[^\s"]+)[^\s"]*"?/gm, `$1${STUB}`);
    text = text.replace(/\$\{templateOption:[^}]+\}/g, 'bookworm');
    // Published host ports → free ones (the engine is shared with other tests).
    for (const m of text.matchAll(/(['"]?)(\d{2,5}):(\d{2,5})\1/g)) {
      if (!ports.has(m[2]!)) ports.set(m[2]!, await freePort());
    }
    text = text.replace(/(['"]?)(\d{2,5}):(\d{2,5})\1/g, (_, q: string, host: string, target: string) => `${q}${ports.get(host)}:${target}${q}`);
    await writeFile(file, text);
  }
  return ports;
}

interface Inspected {
  Id: string;
  Name: string;
  Config: { Env: string[]; Cmd: string[] | null; Entrypoint: string[] | null; User: string; WorkingDir: string; Healthcheck?: unknown };
  HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null };
  Mounts: { Type: string; Source: string; Destination: string; RW: boolean }[];
  State: { StartedAt: string; Health?: { Status: string } };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
}

const inspect = (name: string): Inspected => (JSON.parse(docker('inspect', name)) as Inspected[])[0]!;

/** What must be the same whoever made the container. */
function comparable(c: Inspected) {
  return {
    env: [...c.Config.Env].sort(),
    cmd: c.Config.Cmd,
    entrypoint: c.Config.Entrypoint,
    user: c.Config.User,
    workdir: c.Config.WorkingDir,
    healthcheck: c.Config.Healthcheck ?? null,
    ports: Object.entries(c.HostConfig.PortBindings ?? {}).flatMap(([k, bs]) => bs.map((b) => `${b.HostPort}->${k}`)).sort(),
    // Volume names carry the project's (or profile's) name; bind sources must be the same paths.
    mounts: c.Mounts.map((m) => `${m.Type}:${m.Type === 'bind' ? m.Source : ''}:${m.Destination}:${m.RW ? 'rw' : 'ro'}`).sort(),
  };
}

async function importAndUp(ws: Workspace, args: string[], env: NodeJS.ProcessEnv = {}) {
  const imported = await ws.run(['import', ...args], { env });
  expect(imported.stderr).toBe('');
  expect(imported.code).toBe(0);
  const file = /wrote (\S+):/.exec(imported.stdout)![1]!;
  const name = /profile (\S+),/.exec(imported.stdout)![1]!;
  profilesMade.push(name);
  const validated = await ws.run(['validate', file], { env });
  expect(validated.stdout).toContain('ok:');
  const up = await ws.run(['up', file], { env, timeoutMs: 400_000 });
  expect(up.code, up.stdout + up.stderr).toBe(0);
  return { file, name, text: readFileSync(path.join(ws.dir, file), 'utf8'), stdout: imported.stdout };
}

describe('import compose: awesome-compose examples, compared with docker compose', () => {
  it.skipIf(!haveCompose)('postgresql-pgadmin: .env interpolation, environment, ports; container_name and restart listed', async () => {
    const ws = await workspace();
    const ports = await copyFixture(ws, 'awesome-compose/postgresql-pgadmin');
    // PGADMIN_PW and POSTGRES_PW look secret: the profile references them, so up needs them set.
    const env = { POSTGRES_PW: 'changeit', PGADMIN_PW: 'changeit' };
    const { name, text, stdout } = await importAndUp(ws, ['compose', 'compose.yaml'], env);
    expect(stdout).toMatch(/compose\.yaml:3:5: services\.postgres\.container_name/);
    expect(text).toMatch(/# .*compose\.yaml:\d+:\d+: services\.pgadmin\.restart/);
    expect(text).toContain('POSTGRES_PASSWORD: ${env.POSTGRES_PW}');
    expect(text).not.toContain('changeit');

    const project = unique('pl-import-c');
    composeProjects.push({ dir: ws.dir, project });
    // Prodlike's containers hold the same host ports: the original comes up after they are down.
    expect((await ws.run(['down', `profiles/${name}/dev.yaml`], { env })).code).toBe(0);
    compose(ws.dir, project, 'up', '-d');
    for (const svc of ['postgres', 'pgadmin']) {
      const ours = inspect(`${name}-${svc}`);
      const theirs = inspect(svc); // container_name in the original
      // Compose publishes on every address; Prodlike on 127.0.0.1 only (docs/import.md).
      expect(Object.values(ours.HostConfig.PortBindings ?? {}).flat().map((b) => b.HostIp)).toEqual(['127.0.0.1']);
      expect(comparable(ours)).toEqual(comparable(theirs));
    }
    compose(ws.dir, project, 'down', '-v', '--timeout', '1');
    expect(inspect(`${name}-postgres`).Config.Env).toContain('POSTGRES_USER=yourUser');
    expect(ports.size).toBe(2);
  }, 600_000);

  it.skipIf(!haveCompose)('nginx-golang-postgres: build target, user, healthcheck, service_healthy start order, bind and named volumes', async () => {
    const ws = await workspace();
    await copyFixture(ws, 'awesome-compose/nginx-golang-postgres');
    const { name, text } = await importAndUp(ws, ['compose']);
    expect(text).toMatch(/services\.backend\.secrets/);
    expect(text).toMatch(/services\.db\.expose/);
    expect(text).toContain('target: builder');

    // Prodlike waited for db's health check before starting backend (interval 10s: the first check
    // runs 10 s after db starts).
    const db = inspect(`${name}-db`);
    const backend = inspect(`${name}-backend`);
    expect(db.State.Health?.Status).toBe('healthy');
    expect(Date.parse(backend.State.StartedAt) - Date.parse(db.State.StartedAt)).toBeGreaterThan(9_000);

    const project = unique('pl-import-c');
    composeProjects.push({ dir: ws.dir, project });
    // Prodlike's containers hold the same host ports: the original comes up after they are down.
    expect((await ws.run(['down', `profiles/${name}/dev.yaml`])).code).toBe(0);
    compose(ws.dir, project, 'up', '-d', '--wait');
    for (const svc of ['db', 'backend', 'proxy']) {
      const theirs = inspect(`${project}-${svc}-1`);
      const ours = inspect(`${name}-${svc}`);
      const a = comparable(ours);
      const b = comparable(theirs);
      // Compose mounts its secrets under /run/secrets; Prodlike lists them as not imported.
      b.mounts = b.mounts.filter((m) => !m.includes(':/run/secrets/'));
      expect(a).toEqual(b);
    }
  }, 600_000);

  it.skipIf(!haveCompose)('flask-redis: depends_on list, build target, a bind of the project folder; stop_signal listed', async () => {
    const ws = await workspace();
    await copyFixture(ws, 'awesome-compose/flask-redis');
    const { name, text } = await importAndUp(ws, ['compose']);
    expect(text).toMatch(/services\.web\.stop_signal/);
    expect(text).toContain('- ../..:/code');
    const project = unique('pl-import-c');
    composeProjects.push({ dir: ws.dir, project });
    expect((await ws.run(['down', `profiles/${name}/dev.yaml`])).code).toBe(0);
    compose(ws.dir, project, 'up', '-d');
    for (const svc of ['redis', 'web']) expect(comparable(inspect(`${name}-${svc}`))).toEqual(comparable(inspect(`${project}-${svc}-1`)));
  }, 600_000);
});

describe('import devcontainer', () => {
  it('docker-existing-dockerfile template: build with context .., the workspace mounted at /workspaces/<folder>', async () => {
    const ws = await workspace();
    await copyFixture(ws, 'devcontainers/docker-existing-dockerfile');
    // The template builds "Dockerfile" next to devcontainer.json (paths there are relative to it).
    await writeFile(path.join(ws.dir, '.devcontainer', 'Dockerfile'), STANDIN_DOCKERFILE);
    const { name } = await importAndUp(ws, ['devcontainer']);
    const c = inspect(`${name}-dev`);
    const folder = path.basename(ws.dir);
    expect(c.Mounts.find((m) => m.Destination === `/workspaces/${folder}`)?.Source).toBe(ws.dir);
    expect(c.Config.WorkingDir).toBe(`/workspaces/${folder}`);
  }, 600_000);

  it('postgres template (dockerComposeFile) goes through the Compose import; network_mode and the cached option are listed; brought up as compose does', async () => {
    const ws = await workspace();
    await copyFixture(ws, 'devcontainers/postgres');
    const r = await ws.run(['import', 'devcontainer']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/docker-compose\.yml:\d+:\d+: services\.app\.network_mode/);
    expect(r.stdout).toMatch(/volume option "cached"/);
    const file = /wrote (\S+):/.exec(r.stdout)![1]!;
    const text = readFileSync(path.join(ws.dir, file), 'utf8');
    expect(text).toContain('name: python-3-postgresql');
    expect(text).toMatch(/# the dev container of .*devcontainer\.json\n\s+app:/);
    expect((await ws.run(['validate', file])).code).toBe(0);
    const name = /profile (\S+),/.exec(r.stdout)![1]!;
    profilesMade.push(name);

    // The template mounts the workspace's parent (../..), outside the project: up needs an allow first.
    const refused = await ws.run(['up', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('prodlike allow');
    expect((await ws.run(['allow', file])).code).toBe(0);
    const up = await ws.run(['up', file], { timeoutMs: 400_000 });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    if (!haveCompose) return;
    const project = unique('pl-import-c');
    const composeDir = path.join(ws.dir, '.devcontainer');
    composeProjects.push({ dir: composeDir, project });
    compose(composeDir, project, 'up', '-d');
    for (const svc of ['app', 'db']) expect(comparable(inspect(`${name}-${svc}`))).toEqual(comparable(inspect(`${project}-${svc}-1`)));
  }, 600_000);

  it('lifecycle commands: postCreateCommand runs once, postStartCommand on each start, as remoteUser; remoteEnv, containerEnv, forwardPorts; features listed', async () => {
    const ws = await workspace();
    const port = await freePort();
    // The build context is .devcontainer/ alone: the workspace also holds Prodlike's data folder, which
    // changes at every run and would rebuild (and recreate) the machine each time.
    await ws.write('.devcontainer/Dockerfile', `FROM debian:bookworm\nRUN useradd -m vscode\n`);
    await ws.write(
      '.devcontainer/devcontainer.json',
      `// written for this test (JSON with comments, trailing commas)
{
  "name": "${unique('pl-dc')}",
  "build": { "dockerfile": "Dockerfile" },
  "forwardPorts": [${port}],
  "containerEnv": { "APP_MODE": "dev" },
  "remoteEnv": { "EDITOR": "vi" },
  /* run as the image's user */
  "remoteUser": "vscode",
  "features": { "ghcr.io/devcontainers/features/node:1": {} },
  "postCreateCommand": "echo created >> /tmp/created.log && id -un > /tmp/created-by",
  "postStartCommand": ["sh", "-c", "echo started >> /tmp/started.log"],
}
`,
    );
    const { name, file, stdout } = await importAndUp(ws, ['devcontainer']);
    expect(stdout).toMatch(/devcontainer\.json:10:3: features: Dev Container features are not supported/);
    const c = `${name}-dev`;
    const sh = (cmd: string) => docker('exec', c, 'sh', '-c', cmd);
    expect(sh('cat /tmp/created.log')).toBe('created');
    expect(sh('cat /tmp/created-by')).toBe('vscode');
    expect(sh('cat /tmp/started.log')).toBe('started');
    expect(sh('grep EDITOR /etc/environment')).toBe('EDITOR=vi');
    expect(sh('echo $APP_MODE')).toBe('dev');
    expect(inspect(c).HostConfig.PortBindings?.[`${port}/tcp`]?.[0]?.HostPort).toBe(String(port));

    // Up again: nothing runs again. Restart the container: only postStartCommand runs again.
    const id = inspect(c).Id;
    expect((await ws.run(['up', file])).code).toBe(0);
    expect(sh('cat /tmp/started.log')).toBe('started');
    docker('restart', '-t', '1', c);
    expect((await ws.run(['up', file])).code).toBe(0);
    expect(sh('cat /tmp/created.log')).toBe('created');
    expect(sh('cat /tmp/started.log')).toBe('started\nstarted');
    expect(inspect(c).Id).toBe(id);
  }, 600_000);
});

describe('import: bad input is one located error, and nothing is written', () => {
  const cases: { what: string; files: Record<string, string>; where: RegExp }[] = [
    { what: 'a YAML error', files: { 'compose.yaml': 'services:\n  web:\n    image: [debian\n' }, where: /compose\.yaml:\d+:\d+: invalid YAML/ },
    { what: 'an unknown top-level key', files: { 'compose.yaml': 'services:\n  web:\n    image: debian:bookworm\nservice:\n  x: {}\n' }, where: /compose\.yaml:4:1: service: unknown top-level key "service" \(did you mean "services"\?\)/ },
    {
      what: 'an extends of a missing file',
      files: { 'compose.yaml': 'services:\n  web:\n    extends:\n      file: base.yaml\n      service: web\n' },
      where: /compose\.yaml:4:13: services\.web\.extends\.file: .*base\.yaml does not exist/,
    },
    { what: 'a variable without a value', files: { 'compose.yaml': 'services:\n  web:\n    image: "debian:${TAG}"\n' }, where: /compose\.yaml:3:12: variable TAG is not set/ },
    { what: 'a ${VAR?error} variable without a value', files: { 'compose.yaml': 'services:\n  web:\n    image: debian\n    environment:\n      A: ${NEEDED?set NEEDED first}\n' }, where: /compose\.yaml:5:10: variable NEEDED is not set: set NEEDED first/ },
  ];
  for (const c of cases) {
    it(`${c.what}`, async () => {
      const ws = await workspace();
      for (const [f, t] of Object.entries(c.files)) await ws.write(f, t);
      const r = await ws.run(['import', 'compose', '--out', 'profiles/x/dev.yaml'], { env: { TAG: undefined, NEEDED: undefined } });
      expect(r.code).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:') || /^\S+:\d+:\d+:/.test(l));
      expect(errors.length, r.stderr).toBe(1);
      expect(r.stderr).toMatch(c.where);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(path.join(ws.dir, 'profiles', 'x'))).toBe(false);
    });
  }
});

describe('import: the output file', () => {
  it('an existing profile is not replaced without --force; --json reports the profile and the notes', async () => {
    const ws = await workspace();
    await ws.write('compose.yaml', 'services:\n  web:\n    image: debian:bookworm\n    restart: always\n');
    const first = await ws.run(['import', 'compose', '--out', 'profiles/web/dev.yaml', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as { ok: boolean; name: string; machines: string[]; notes: { key: string; service: string; text: string }[] };
    expect(result).toMatchObject({ ok: true, machines: ['web'], notes: [{ key: 'restart', service: 'web', text: expect.stringMatching(/^compose\.yaml:4:5: services\.web\.restart: /) }] });
    const file = path.join(ws.dir, 'profiles', 'web', 'dev.yaml');
    await writeFile(file, readFileSync(file, 'utf8') + '# edited by hand\n');
    const again = await ws.run(['import', 'compose', '--out', 'profiles/web/dev.yaml']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('profiles/web/dev.yaml exists already');
    expect(readFileSync(file, 'utf8')).toContain('# edited by hand');
    expect((await ws.run(['import', 'compose', '--out', 'profiles/web/dev.yaml', '--force'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain('# edited by hand');
  });
});
