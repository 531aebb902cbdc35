// Production baselines end to end, through the built `prodlike` CLI: two real sshd containers, one
// playing production, one playing a developer's machine (an SSH VM). Everything Prodlike claims is
// checked with `docker exec` on the containers, independently of Prodlike.
//
//   production (web-1): tree installed, /etc/shop.conf root:www-data 0640, user app in shop + www-data,
//                       DB_PASSWORD=hunter2 in /etc/environment
//   local (web):        brought up from dev.yaml (tree, less, /etc/shop.conf 0644, user app in shop),
//                       then changed behind Prodlike's back

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport } from '../../../shared/report.js';
import { purge, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';
import { closedPort, startSshd, type Sshd } from '../../support/sshd.js';

const SHOP_CONF = 'server { listen 80; root /srv/www; }\n';
let prod: Sshd;
let local: Sshd;
let ws: Workspace;
let prodFile: string;
let devFile: string;
let baselineFile: string;

const sshBlock = (s: Sshd) => `    ssh: { host: 127.0.0.1, port: ${s.port}, user: root, identity: ${s.identity} }`;

const prodProfile = () => `
name: shop-prod
role: production
machines:
  web-1:
${sshBlock(prod)}
    resources:
      - package: tree
      - package: less
      - file: /etc/shop.conf
      - directory: /srv/www
      - user: app
      - group: shop
`;

const devProfile = (target: Sshd, name = 'shop-dev') => `
name: ${name}
role: dev
machines:
  web:
    mirrors: web-1
${sshBlock(target)}
    resources:
      - package: tree
      - package: less
      - group: shop
      - user: app
        groups: [shop]
      - directory: /srv/www
      - file: /etc/shop.conf
        content: ${JSON.stringify(SHOP_CONF)}
        mode: "0644"
`;

/**
 * What must not change on production: every path of the host's file system (kernel and runtime
 * folders aside) with its type, mode, owner, group, size and mtime, and the content of every regular
 * file outside /usr (/etc, /srv, /home, /root, /var, /tmp, /opt …). The only writes allowed are sshd's
 * own login records. A difference shows as the paths that changed.
 */
const fingerprintOf = async (s: Sshd) =>
  (
    await s.exec(`find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /var/log/wtmp -o -path /var/log/btmp -o -path /var/log/lastlog \\) -prune -o -printf '%p %y %m %u %g %s %T@\\n' | sort
      find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /usr -o -path /var/log/wtmp -o -path /var/log/btmp -o -path /var/log/lastlog \\) -prune -o -type f -print0 | sort -z | xargs -0 sha256sum`)
  ).split('\n');

const lastJson = (r: CliRun) => JSON.parse(r.stdout.trim().split('\n').pop()!) as { report: DriftReport };
const findings = (report: DriftReport) => report.findings.filter((f) => f.status !== 'in-sync').map((f) => `${f.status} ${f.resource.kind} ${f.resource.name}`);

function hostKeyFingerprint(s: Sshd): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(s.hostKey.base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

beforeAll(async () => {
  [prod, local, ws] = await Promise.all([startSshd(), startSshd(), workspace()]);
  // Never the developer's own ~/.ssh/known_hosts: trust comes from `prodlike trust` only.
  ws.env.HOME = mkdtempSync(path.join(tmpdir(), 'pl-home-'));
  await prod.exec(`set -e
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tree >/dev/null
    printf 'LANG=C.UTF-8\\nDB_PASSWORD=hunter2\\nSHOP_ENV=production\\n' > /etc/environment
    groupadd shop && useradd -m -s /bin/sh -G shop,www-data app
    mkdir -p /srv/www && chown www-data:www-data /srv/www && chmod 0755 /srv/www
    printf '${SHOP_CONF.replace(/\n/g, '\\n')}' > /etc/shop.conf && chown root:www-data /etc/shop.conf && chmod 0640 /etc/shop.conf`);
  prodFile = await ws.write('profiles/prod.yaml', prodProfile());
  devFile = await ws.write('profiles/dev.yaml', devProfile(local));
  baselineFile = path.join(ws.dir, 'baselines', 'prod.yaml');
  for (const s of [prod, local]) {
    const r = await ws.run(['trust', `127.0.0.1:${s.port}`]);
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  await Promise.all([prod?.stop(), local?.stop()]);
});

describe('prodlike capture', () => {
  it('writes the baseline and leaves production exactly as it was', async () => {
    const before = await fingerprintOf(prod);
    const r = await ws.run(['capture', prodFile, '--out', baselineFile]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/captured shop-prod: 1 host\(s\), read-only, written to .*prod\.yaml/);
    expect(await fingerprintOf(prod)).toEqual(before);
    console.log(`[measure] capture of 1 host through the CLI: ${r.ms} ms`);
  });

  it('records the OS, package versions and file hashes that the host itself reports, and no secret', async () => {
    const text = readFileSync(baselineFile, 'utf8');
    expect(text).not.toContain('hunter2');
    const { parse } = await import('yaml');
    const b = parse(text) as { format: string; hosts: Record<string, { address: string; os: { id: string; version_id: string }; packages: Record<string, string>; files: Record<string, { sha256: string; mode: string; owner: string; group: string }>; env: Record<string, string> }> };
    expect(b.format).toBe('prodlike-baseline/1');
    const h = b.hosts['web-1']!;
    expect(h.address).toBe(`127.0.0.1:${prod.port}`);
    expect(h.os).toMatchObject({ id: 'debian', version_id: (await prod.exec('. /etc/os-release; echo $VERSION_ID')).trim() });
    expect(h.packages.tree).toBe((await prod.exec("dpkg-query -W -f '${Version}' tree")).trim());
    expect(h.packages.less).toBeUndefined();
    expect(h.files['/etc/shop.conf']).toEqual({ sha256: (await prod.exec('sha256sum /etc/shop.conf')).split(' ')[0], mode: '0640', owner: 'root', group: 'www-data' });
    expect(h.env.DB_PASSWORD).toBe('<redacted>');
  });

  it('fails on an unreachable host, naming host:port, and writes no baseline', async () => {
    const port = await closedPort();
    const file = await ws.write('profiles/unreachable.yaml', prodProfile().replace(`port: ${prod.port}`, `port: ${port}`).replace('shop-prod', 'shop-prod-down'));
    const out = path.join(ws.dir, 'baselines', 'unreachable.yaml');
    const r = await ws.run(['capture', file, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain(`127.0.0.1:${port}`);
    expect(r.stdout + r.stderr).toContain('no baseline was written');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a host key nobody trusted, printing its fingerprint and the trust command', async () => {
    const out = path.join(ws.dir, 'baselines', 'untrusted.yaml');
    const r = await ws.run(['capture', prodFile, '--out', out], { env: { PRODLIKE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pl-data-')) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(hostKeyFingerprint(prod));
    expect(r.stderr).toContain(`prodlike trust 127.0.0.1:${prod.port}`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('prodlike drift --against and reconcile', () => {
  beforeAll(async () => {
    const up = await ws.run(['up', devFile]);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    // Behind Prodlike's back: tree goes, the config is edited, the web root is locked down.
    await local.exec(`set -e; dpkg -r tree >/dev/null; echo 'server { listen 8080; }' > /etc/shop.conf; chmod 0700 /srv/www`);
  });

  it('finds exactly the differences from production, and exits 2', async () => {
    const junit = path.join(ws.dir, 'drift.xml');
    const r = await ws.run(['drift', devFile, '--against', baselineFile, '--junit', junit]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('shop-dev drifted from baselines/prod.yaml');
    const json = await ws.run(['drift', devFile, '--against', baselineFile, '--json']);
    expect(json.code).toBe(2);
    const { report } = lastJson(json);
    expect(report.against).toBe(baselineFile);
    expect(findings(report)).toEqual(['missing package tree', 'extra package less', 'drifted file /etc/shop.conf', 'drifted directory /srv/www', 'drifted user app']);
    const conf = report.findings.find((f) => f.resource.name === '/etc/shop.conf')!;
    expect(conf.changes.map((c) => c.summary)).toEqual([expect.stringMatching(/^content differs \(sha256 [0-9a-f]{12}…→[0-9a-f]{12}…\)$/), 'mode 0644 → 0640', 'group root → www-data']);
    expect(report.findings.find((f) => f.resource.kind === 'os')).toMatchObject({ status: 'in-sync', against: 'web-1' });
    // One drift event per finding, as the report lists them.
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(events.filter((e) => e.type === 'drift')).toHaveLength(report.findings.length);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain(`tests="${report.findings.length}" failures="5" errors="0"`);
    expect(xml).toContain('<failure type="missing"');
    console.log(`[measure] drift --against of ${report.findings.length} items: ${report.durationMs} ms in the engine, ${json.ms} ms for the CLI`);
  });

  it('reconcile makes the machine match production through the apply path, then drift exits 0', async () => {
    const r = await ws.run(['reconcile', devFile, '--against', baselineFile]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/reconciled shop-dev/);
    // Independent checks: production's tree version, no less, production's mode and group.
    expect((await local.exec("dpkg-query -W -f '${Version}' tree")).trim()).toBe((await prod.exec("dpkg-query -W -f '${Version}' tree")).trim());
    expect((await local.exec("dpkg-query -W -f '${db:Status-Abbrev}' less 2>/dev/null || true")).trim()).not.toMatch(/^ii/);
    expect((await local.exec('stat -c "%a %U %G" /etc/shop.conf /srv/www')).trim().split('\n')).toEqual(['640 root www-data', '755 www-data www-data']);
    expect((await local.exec('id -nG app')).trim().split(' ').sort()).toEqual(['app', 'shop', 'www-data']);

    const again = await ws.run(['drift', devFile, '--against', baselineFile, '--json']);
    expect(findings(lastJson(again).report)).toEqual([]);
    expect(again.code).toBe(0);
    const text = await ws.run(['drift', devFile, '--against', baselineFile]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('shop-dev is in sync with baselines/prod.yaml');
  });

  it('names the machine without mirrors: and the unknown host, listing the baseline hosts; exit 1', async () => {
    const file = await ws.write('profiles/nomirror.yaml', devProfile(local, 'shop-nomirror').replace('    mirrors: web-1\n', '').replace('  web:\n', '  web:\n    mirrors: web-9\n').replace('machines:\n', `machines:\n  plain:\n${sshBlock(local)}\n    resources: []\n`));
    const r = await ws.run(['drift', file, '--against', baselineFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('machine plain does not say which production host it mirrors');
    expect(r.stderr).toContain('add `mirrors: <host>` to machine plain');
    expect(r.stderr).toContain('machine web mirrors web-9, which is not in the baseline baselines/prod.yaml; it has: web-1');
  });
});

describe('a Docker machine against production', () => {
  const name = unique('pl-it-mirror');
  afterAll(() => purge(name));

  it('is compared with the host it mirrors like an SSH machine', async () => {
    const file = await ws.write('profiles/container.yaml', `
name: ${name}
machines:
  web:
    mirrors: web-1
    docker: { image: debian:bookworm }
    resources:
      - directory: /srv/www
        owner: www-data
        group: www-data
        mode: "0755"
      - file: /etc/shop.conf
        content: ${JSON.stringify(SHOP_CONF)}
        group: www-data
        mode: "0640"
`);
    const up = await ws.run(['up', file]);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    const inSync = await ws.run(['drift', file, '--against', baselineFile, '--json']);
    expect(inSync.code, inSync.stdout).toBe(0);
    expect(lastJson(inSync).report.findings.map((f) => `${f.status} ${f.resource.kind} ${f.resource.name}`)).toEqual(['in-sync os os-release', 'in-sync file /etc/shop.conf', 'in-sync directory /srv/www']);
  });
});

describe('reading a baseline', () => {
  it('points at file:line:col of a malformed entry', async () => {
    const good = readFileSync(baselineFile, 'utf8');
    const bad = good.replace('package_manager: dpkg', 'package_manager: pacman');
    const line = bad.split('\n').findIndex((l) => l.includes('pacman')) + 1;
    const file = await ws.write('elsewhere/bad.yaml', bad);
    const r = await ws.run(['drift', devFile, '--against', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`bad\\.yaml:${line}:\\d+: hosts\\.web-1\\.package_manager: `));
  });

  it('says a newer format needs a newer Prodlike', async () => {
    const file = await ws.write('elsewhere/newer.yaml', readFileSync(baselineFile, 'utf8').replace('prodlike-baseline/1', 'prodlike-baseline/2'));
    const r = await ws.run(['drift', devFile, '--against', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/newer\.yaml:\d+:\d+: .*written by a newer Prodlike \(prodlike-baseline\/2\); upgrade Prodlike to read it/);
  });
});

describe('production is never written to', () => {
  it('refuses `up` of the production profile', async () => {
    const before = await fingerprintOf(prod);
    const r = await ws.run(['up', prodFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('role: production');
    expect(await fingerprintOf(prod)).toEqual(before);
  });

  it('refuses `up` of the three-line child of the production profile, even with --i-know-this-is-production', async () => {
    const child = await ws.write('profiles/child.yaml', 'name: shop-production\nextends: ./prod.yaml\nrole: dev\n');
    const before = await fingerprintOf(prod);
    for (const args of [['up', child], ['up', child, '--i-know-this-is-production'], ['reconcile', child, '--against', baselineFile]]) {
      const r = await ws.run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(`refusing to write to production: profile shop-production extends ${prodFile}, and it has role: production`);
    }
    expect(await fingerprintOf(prod)).toEqual(before);
    // Read-only runs stay allowed: plan connects and probes.
    const plan = await ws.run(['plan', child]);
    expect(plan.stderr).not.toContain('refusing');
    expect(await fingerprintOf(prod)).toEqual(before);
  });

  it("plan and drift run no shell of the profile's on production: a command's unless/onlyif are reported as not evaluated", async () => {
    // The guard would leave a trace if it ran; `creates` (Prodlike's own test -e) may still be checked.
    const guarded = (name: string, role: string, target: Sshd) => `name: ${name}
role: ${role}
machines:
  web:
${sshBlock(target)}
    resources:
      - package: tree
      - command: echo deploy
        unless: touch /tmp/pl-guard-ran; false
      - command: echo migrate
        onlyif: touch /tmp/pl-onlyif-ran
        creates: /srv/never-there
`;
    const prodGuarded = await ws.write('profiles/prod-guarded.yaml', guarded('shop-prod-guarded', 'production', prod));
    // A dev profile pointed at the production host: production by address.
    const devOnProd = await ws.write('profiles/dev-on-prod.yaml', guarded('shop-dev-on-prod', 'dev', prod));
    const before = await fingerprintOf(prod);
    for (const file of [prodGuarded, devOnProd]) {
      const plan = await ws.run(['plan', file]);
      expect(plan.stdout + plan.stderr, file).toContain('not evaluated');
      const drift = await ws.run(['drift', file, '--json']);
      const report = lastJson(drift).report;
      expect(report.findings.filter((f) => f.resource.kind === 'command').map((f) => f.status)).toEqual(['not-checked', 'not-checked']);
    }
    expect(await prod.exec('ls /tmp/pl-guard-ran /tmp/pl-onlyif-ran 2>&1 || true')).toMatch(/No such file[\s\S]*No such file/);
    expect(await fingerprintOf(prod)).toEqual(before);
    // The same profile on a host that is not production does evaluate its guards.
    const devLocal = await ws.write('profiles/dev-guarded.yaml', guarded('shop-dev-guarded', 'dev', local));
    await ws.run(['plan', devLocal]);
    expect((await local.exec('test -e /tmp/pl-guard-ran && echo ran')).trim()).toBe('ran');
  });

  it('refuses the production host however its address is spelt', async () => {
    const before = await fingerprintOf(prod);
    for (const host of ['localhost', '127.1', '2130706433', '0x7f.0.0.1', '::ffff:127.0.0.1', '127.0.0.2', '0.0.0.0']) {
      const file = await ws.write('profiles/spelt.yaml', devProfile(prod, 'shop-spelt').replace('host: 127.0.0.1,', `host: "${host}",`));
      const r = await ws.run(['up', file]);
      expect(r.code, host).toBe(1);
      expect(r.stderr, host).toMatch(new RegExp(`refusing to write to production: web \\(.*:${prod.port}\\) is production host web-1 in `));
    }
    expect(await fingerprintOf(prod)).toEqual(before);
  });

  it('finds the baseline beside the profile wherever the command runs, and refuses when a baseline cannot be read', async () => {
    // Another repository, another data folder (no record of the capture): only its baselines/ knows.
    const other = mkdtempSync(path.join(tmpdir(), 'pl-repo-'));
    mkdirSync(path.join(other, '.git'));
    mkdirSync(path.join(other, 'profiles', 'shop'), { recursive: true });
    mkdirSync(path.join(other, 'baselines'));
    copyFileSync(baselineFile, path.join(other, 'baselines', 'prod.yaml'));
    const oops = path.join(other, 'profiles', 'shop', 'oops.yaml');
    writeFileSync(oops, devProfile(prod, 'shop-oops-2'));
    const env = { PRODLIKE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pl-data-')) };
    const before = await fingerprintOf(prod);
    const r = await ws.run(['up', oops], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`is production host web-1 in ${path.join(other, 'baselines', 'prod.yaml')}`);

    // A baseline that cannot be read might list this very host: refuse, even for a machine elsewhere.
    const dev = path.join(other, 'profiles', 'shop', 'dev.yaml');
    writeFileSync(dev, devProfile(local, 'shop-dev-2'));
    symlinkSync(path.join(other, 'gone.yaml'), path.join(other, 'baselines', 'lost.yaml'));
    const refused = await ws.run(['up', dev], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`refusing to write: Prodlike cannot tell which hosts are production, because ${path.join(other, 'baselines', 'lost.yaml')} cannot be read (ENOENT)`);
    expect(await fingerprintOf(prod)).toEqual(before);
  });

  it('refuses `up` and `reconcile` of a dev profile pointed at a production host, unless told', async () => {
    const file = await ws.write('profiles/oops.yaml', devProfile(prod, 'shop-oops'));
    const before = await fingerprintOf(prod);
    for (const args of [['up', file], ['reconcile', file, '--against', baselineFile]]) {
      const r = await ws.run(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`refusing to write to production: web (127.0.0.1:${prod.port}) is production host web-1`);
      expect(r.stderr).toContain('--i-know-this-is-production');
    }
    expect(await fingerprintOf(prod)).toEqual(before);

    // The override works, and says so (this writes to the test's "production" container: keep it last).
    const forced = await ws.run(['up', file, '--i-know-this-is-production']);
    expect(forced.code, forced.stderr + forced.stdout).toBe(0);
    expect(forced.stdout).toContain('--i-know-this-is-production: writing to web');
  });
});
