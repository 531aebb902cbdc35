// `prodlike up` end to end against the real Docker engine, checked with the docker CLI.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerIdOf, containerNames, docker, dockerTry, exec, purge, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-up');

export const profileText = (name: string, opts: { webPort?: number; appImage?: string } = {}) => `
name: ${name}
description: integration test profile
vars:
  greeting: hello from ${name}
machines:
  web:
    docker:
      image: debian:bookworm
      ports: ["${opts.webPort ?? 18080}:80"]
      env: { SHOP_ENV: dev }
      volumes: ["data:/srv/data"]
    resources:
      - group: shop
      - user: shop
        groups: [shop]
      - directory: /srv/www
        owner: shop
        mode: "0755"
      - file: /srv/www/index.html
        content: |
          <h1>\${vars.greeting}</h1>
        mode: "0644"
        owner: shop
      - line: /etc/environment
        text: SHOP_ENV=dev
      - env: SHOP_REGION
        value: eu-1
      - command: echo built > /srv/www/built.txt
        creates: /srv/www/built.txt
  app:
    docker:
      image: ${opts.appImage ?? 'debian:bookworm'}
    resources:
      - file: /etc/app.conf
        content: "port=8000\\n"
      - directory: /var/log/app
        mode: "0750"
`;

let ws: Workspace;
let file: string;

beforeAll(async () => {
  ws = await workspace();
  file = await ws.write('profiles/app.yaml', profileText(NAME));
});

afterAll(() => purge(NAME));

describe('prodlike up', () => {
  it('creates the containers with their labels and applies every resource', async () => {
    const r = await ws.run(['up', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(containerNames(NAME)).toEqual([`${NAME}-app`, `${NAME}-web`]);
    const labels = JSON.parse(docker('inspect', '-f', '{{json .Config.Labels}}', `${NAME}-web`));
    expect(labels['prodlike.profile']).toBe(NAME);
    expect(labels['prodlike.machine']).toBe('web');
    expect(labels['prodlike.config-hash']).toMatch(/^[0-9a-f]{12,}$/);
    expect(docker('port', `${NAME}-web`, '80/tcp')).toBe('127.0.0.1:18080');
    expect(exec(`${NAME}-web`, 'cat /srv/www/index.html')).toBe(`<h1>hello from ${NAME}</h1>`);
    expect(exec(`${NAME}-web`, 'stat -c "%a %U" /srv/www /srv/www/index.html')).toBe('755 shop\n644 shop');
    expect(exec(`${NAME}-web`, 'id -nG shop')).toContain('shop');
    expect(exec(`${NAME}-web`, 'cat /etc/environment')).toContain('SHOP_ENV=dev');
    expect(exec(`${NAME}-web`, 'cat /etc/environment')).toMatch(/SHOP_REGION="?eu-1"?/);
    expect(exec(`${NAME}-web`, 'cat /srv/www/built.txt')).toBe('built');
    expect(exec(`${NAME}-web`, 'printenv SHOP_ENV')).toBe('dev');
    expect(exec(`${NAME}-app`, 'stat -c %a /var/log/app')).toBe('750');
  });

  it('re-running up on an unchanged profile changes nothing and says so', async () => {
    const ids = [containerIdOf(`${NAME}-web`), containerIdOf(`${NAME}-app`)];
    const r = await ws.run(['up', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/0 changed/);
    expect(r.stdout).toMatch(/nothing to change/);
    expect([containerIdOf(`${NAME}-web`), containerIdOf(`${NAME}-app`)]).toEqual(ids);
  });

  it('plan shows a file edited inside a container as a diff, exits 2, and up restores it', async () => {
    exec(`${NAME}-web`, 'echo "<h1>hacked</h1>" > /srv/www/index.html && chmod 600 /srv/www/index.html');
    const plan = await ws.run(['plan', file]);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('/srv/www/index.html');
    expect(plan.stdout).toContain('-<h1>hacked</h1>');
    expect(plan.stdout).toContain(`+<h1>hello from ${NAME}</h1>`);
    // plan is a dry run: the file is still the edited one
    expect(exec(`${NAME}-web`, 'cat /srv/www/index.html')).toBe('<h1>hacked</h1>');
    const up = await ws.run(['up', file]);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/1 changed/);
    expect(exec(`${NAME}-web`, 'cat /srv/www/index.html; stat -c %a /srv/www/index.html')).toBe(`<h1>hello from ${NAME}</h1>\n644`);
    expect((await ws.run(['plan', file])).code).toBe(0);
  });

  it('drift finds exactly the edited file, with its diff, and exits 2; JUnit shows it as a failure', async () => {
    exec(`${NAME}-app`, 'echo port=9999 > /etc/app.conf');
    const r = await ws.run(['drift', file, '--junit', 'drift.xml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/drifted\s+app file \/etc\/app\.conf/);
    expect(r.stdout).toContain('-port=9999');
    expect(r.stdout).toContain('+port=8000');
    expect(r.stdout).toMatch(/1 finding/);
    const junit = readFileSync(path.join(ws.dir, 'drift.xml'), 'utf8');
    expect(junit).toMatch(/failures="1"/);
    const json = await ws.run(['drift', file, '--json']);
    const report = JSON.parse(json.stdout.trim().split('\n').pop()!).report;
    expect(report.findings.filter((f: { status: string }) => f.status !== 'in-sync').map((f: { resource: { name: string } }) => f.resource.name)).toEqual(['/etc/app.conf']);
    expect((await ws.run(['up', file])).code).toBe(0);
    expect((await ws.run(['drift', file])).code).toBe(0);
  });

  it('a changed port recreates only that machine', async () => {
    const appId = containerIdOf(`${NAME}-app`);
    const webId = containerIdOf(`${NAME}-web`);
    await ws.write('profiles/app.yaml', profileText(NAME, { webPort: 18081 }));
    const r = await ws.run(['up', file]);
    expect(r.code).toBe(0);
    expect(containerIdOf(`${NAME}-app`)).toBe(appId);
    expect(containerIdOf(`${NAME}-web`)).not.toBe(webId);
    expect(docker('port', `${NAME}-web`, '80/tcp')).toBe('127.0.0.1:18081');
    // the recreated machine is configured again; the named volume kept its data
    expect(exec(`${NAME}-web`, 'cat /srv/www/index.html')).toBe(`<h1>hello from ${NAME}</h1>`);
  });

  it('a changed image recreates only that machine', async () => {
    docker('tag', 'debian:bookworm', 'pl-it/other:1');
    const webId = containerIdOf(`${NAME}-web`);
    await ws.write('profiles/app.yaml', profileText(NAME, { webPort: 18081, appImage: 'pl-it/other:1' }));
    const r = await ws.run(['up', file]);
    expect(r.code).toBe(0);
    expect(containerIdOf(`${NAME}-web`)).toBe(webId);
    expect(docker('inspect', '-f', '{{.Config.Image}}', `${NAME}-app`)).toBe('pl-it/other:1');
  });

  it('status lists machines, their state and ports', async () => {
    const r = await ws.run(['status', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/web\s+docker\s+running.*127\.0\.0\.1:18081->80\/tcp/);
    const j = JSON.parse((await ws.run(['status', file, '--json'])).stdout);
    expect(j.machines.map((m: { state: string }) => m.state)).toEqual(['running', 'running']);
    expect(j.lastRun.kind).toBe('up');
  });

  it('--json prints the event stream as NDJSON, ending with the result', async () => {
    const r = await ws.run(['up', file, '--json']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].type).toBe('run-start');
    expect(lines.some((l) => l.type === 'resource' && l.status === 'ok')).toBe(true);
    expect(lines[lines.length - 2].type).toBe('run-end');
    expect(lines[lines.length - 1].result.ok).toBe(true);
  });

  it('down stops the machines and keeps them; destroy leaves no object with the profile label but the volume', async () => {
    const down = await ws.run(['down', file]);
    expect(down.code).toBe(0);
    expect(containerNames(NAME, false)).toEqual([]);
    expect(containerNames(NAME, true).length).toBe(2);
    const destroy = await ws.run(['destroy', file]);
    expect(destroy.code).toBe(0);
    expect(containerNames(NAME)).toEqual([]);
    expect(docker('network', 'ls', '--filter', `label=prodlike.profile=${NAME}`, '-q')).toBe('');
    expect(docker('volume', 'ls', '--filter', `label=prodlike.profile=${NAME}`, '-q')).not.toBe('');
    expect((await ws.run(['destroy', file, '--volumes'])).code).toBe(0);
    expect(docker('volume', 'ls', '--filter', `label=prodlike.profile=${NAME}`, '-q')).toBe('');
    expect(dockerTry('inspect', `${NAME}-web`).code).not.toBe(0);
  });
});
