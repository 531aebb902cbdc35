// The symlink kind on a real Docker machine: one resource through probe → diff → apply → probe, and the
// whole path through the built `prodlike` CLI (up, a dry run, drift, drift against a baseline,
// reconcile). Every result is checked with `docker exec readlink`, not through Prodlike.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport } from '../../../shared/report.js';
import type { SymlinkResource } from '../../../electron/engine/resources/symlink-resource.js';
import { useContainer } from '../../support/docker-cli-transport.js';
import { exec, purge, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';
import { applyExpectingFailure, converge, probeOne } from './converge.js';

const { t, sh } = useContainer();

const link = (name: string, extra: Partial<SymlinkResource> = {}): SymlinkResource => ({ id: `symlink:${name}`, kind: 'symlink', name, target: '/srv/app/v1', force: false, state: 'present', ...extra });

describe('symlink on a container', () => {
  it('creates a link in a missing folder, then repoints it; readlink shows each target', async () => {
    sh('mkdir -p /srv/app/v1 /srv/app/v2');
    await converge(t, link('/opt/new/current'), ['state']);
    expect(sh('readlink /opt/new/current')).toBe('/srv/app/v1');
    const changes = await converge(t, link('/opt/new/current', { target: '/srv/app/v2' }), ['target']);
    expect(changes[0]!.summary).toBe('/opt/new/current points to /srv/app/v1, not /srv/app/v2');
    expect(sh('readlink /opt/new/current')).toBe('/srv/app/v2');
    // A link to a directory is replaced, not given a link inside the directory.
    expect(sh('ls -A /srv/app/v1')).toBe('');
  });

  it('keeps a relative target as written and replaces a regular file in the way', async () => {
    sh('echo old > /etc/app.conf');
    await converge(t, link('/etc/app.conf', { target: '../srv/app/v1/app.conf' }), ['state']);
    expect(sh('readlink /etc/app.conf')).toBe('../srv/app/v1/app.conf');
  });

  it('refuses a directory unless force: true, and then replaces it', async () => {
    sh('mkdir -p /var/www && touch /var/www/index.html');
    expect(await applyExpectingFailure(t, link('/var/www'))).toBe('prodlike: symlink /var/www: is a directory, not replacing it (force: true replaces it and its content)');
    expect(sh('ls /var/www')).toBe('index.html');
    await converge(t, link('/var/www', { force: true }));
    expect(sh('readlink /var/www')).toBe('/srv/app/v1');
  });

  it('removes a link when absent and leaves its target alone', async () => {
    await converge(t, link('/opt/new/current', { state: 'absent', target: '' }));
    expect(sh('test -e /opt/new/current || test -L /opt/new/current && echo there || echo gone')).toBe('gone');
    expect(sh('test -d /srv/app/v2 && echo kept')).toBe('kept');
    expect((await probeOne(t, link('/opt/new/current', { state: 'absent', target: '' }))).changes).toEqual([]);
  });
});

describe('symlink through the prodlike CLI', () => {
  const NAME = unique('pl-sym');
  const web = `${NAME}-web`;
  let ws: Workspace;
  let file: string;
  let baselineFile: string;
  const readlink = (p: string) => exec(web, `readlink ${p}`);
  const lastJson = (r: CliRun) => JSON.parse(r.stdout.trim().split('\n').pop()!) as { report: DriftReport };
  const drifted = (r: CliRun) => lastJson(r).report.findings.filter((f) => f.status !== 'in-sync').map((f) => `${f.status} ${f.resource.kind} ${f.resource.name}`);

  beforeAll(async () => {
    ws = await workspace();
    file = await ws.write(
      'profiles/sym.yaml',
      `name: ${NAME}
machines:
  web:
    mirrors: web-1
    docker: { image: debian:bookworm }
    resources:
      - directory: /srv/app/v1
      - directory: /srv/app/v2
      - symlink: /srv/app/current
        target: /srv/app/v1
      - symlink: /etc/app-root
        target: ../srv/app/current
`,
    );
    baselineFile = await ws.write(
      'baselines/prod.yaml',
      `format: prodlike-baseline/1
profile: shop-production
captured_at: "2026-01-01T00:00:00.000Z"
hosts:
  web-1:
    address: web-1.example:22
    os: { id: debian, version_id: "12", pretty_name: "Debian GNU/Linux 12 (bookworm)" }
    arch: x86_64
    kernel: 6.1.0
    package_manager: dpkg
    packages: {}
    users: {}
    groups: {}
    services: {}
    ports: []
    env: {}
    files:
      /srv/app/current: { type: symlink, target: /srv/app/v2, mode: "777", owner: root, group: root }
    directories: {}
`,
    );
  }, 120_000);
  afterAll(() => purge(NAME));

  it('up creates the links; readlink on the machine shows their targets', async () => {
    const up = await ws.run(['up', file]);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    expect(readlink('/srv/app/current')).toBe('/srv/app/v1');
    expect(readlink('/etc/app-root')).toBe('../srv/app/current');
    expect((await ws.run(['plan', file])).code).toBe(0);
  });

  it('a dry run shows a link repointed behind its back, and changes nothing; drift exits 2; up repoints it', async () => {
    exec(web, 'ln -sfn /srv/app/v2 /srv/app/current');
    const plan = await ws.run(['plan', file]);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('/srv/app/current points to /srv/app/v2, not /srv/app/v1');
    expect(readlink('/srv/app/current')).toBe('/srv/app/v2');
    const drift = await ws.run(['drift', file, '--json']);
    expect(drift.code).toBe(2);
    expect(drifted(drift)).toEqual(['drifted symlink /srv/app/current']);
    const up = await ws.run(['up', file]);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    expect(readlink('/srv/app/current')).toBe('/srv/app/v1');
  });

  it('drift against a baseline compares the target with production, and reconcile pins it there', async () => {
    const drift = await ws.run(['drift', file, '--against', baselineFile, '--json']);
    expect(drift.code, drift.stderr).toBe(2);
    expect(drifted(drift)).toEqual(['drifted symlink /srv/app/current']);
    expect(lastJson(drift).report.findings.find((f) => f.resource.kind === 'symlink')!.changes).toEqual([
      { field: 'target', summary: 'target /srv/app/v1 → /srv/app/v2 (production)', before: '/srv/app/v1', after: '/srv/app/v2' },
    ]);
    const reconcile = await ws.run(['reconcile', file, '--against', baselineFile]);
    expect(reconcile.code, reconcile.stderr + reconcile.stdout).toBe(0);
    expect(readlink('/srv/app/current')).toBe('/srv/app/v2');
    const again = await ws.run(['drift', file, '--against', baselineFile, '--json']);
    expect(drifted(again)).toEqual([]);
    expect(again.code).toBe(0);
  });
});
