// Facts and baselines over real SSH, checked against independent `docker exec` reads of the host,
// and the proof that capturing production never writes to it.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../shared/events.js';
import type { Profile, ResourceSpec } from '../../../shared/profile.js';
import { captureBaseline, readBaseline, serializeBaseline, writeBaseline } from '../../../electron/engine/baseline.js';
import { gatherFacts } from '../../../electron/engine/facts/index.js';
import { SshProvider } from '../../../electron/engine/backends/ssh/provider.js';
import { SshTransport } from '../../../electron/engine/backends/ssh/transport.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { keySources, specFor, trust, type KeySources } from '../backends/ssh/helpers.js';

const SECRET = 'hunter2-do-not-leak';
let sshd: Sshd;
let src: KeySources;

beforeAll(async () => {
  sshd = await startSshd();
  src = keySources();
  await trust(src, sshd);
  // Some state worth capturing, set up behind Prodlike's back.
  await sshd.exec(`set -e
    printf 'LANG=C.UTF-8\\nDB_PASSWORD="${SECRET}"\\nApi_Token=${SECRET}\\nDATABASE_URL=postgres://app:${SECRET}@db/app\\nSHOP_ENV=prod\\n' > /etc/environment
    mkdir -p /srv/www && chown www-data:www-data /srv/www && chmod 2750 /srv/www
    printf 'server { listen 80; }\\n' > /etc/shop.conf && chown deploy:pwsudo /etc/shop.conf && chmod 0640 /etc/shop.conf
    groupadd -f shop && usermod -aG shop,sudo deploy`);
});
afterAll(async () => {
  await sshd?.stop();
});

const res = (r: Partial<ResourceSpec> & Pick<ResourceSpec, 'kind' | 'name'>) => ({ id: `${r.kind}:${r.name}`, ...r }) as ResourceSpec;

function prodProfile(): Profile {
  return {
    name: 'shop-prod',
    role: 'production',
    vars: {},
    file: '/tmp/shop-prod.yaml',
    files: ['/tmp/shop-prod.yaml'],
    machines: [
      {
        name: 'web-1',
        ssh: specFor(sshd, { user: 'deploy', become: true }),
        resources: [
          res({ kind: 'package', name: 'openssh-server', state: 'present' }),
          res({ kind: 'file', name: '/etc/shop.conf', state: 'present' }),
          res({ kind: 'file', name: '/etc/not-there.conf', state: 'present' }),
          res({ kind: 'line', name: '/etc/environment', text: 'SHOP_ENV=prod', state: 'present' }),
          res({ kind: 'directory', name: '/srv/www', state: 'present' }),
          res({ kind: 'user', name: 'deploy', groups: ['shop'], system: false, state: 'present' }),
          res({ kind: 'user', name: 'ghost', groups: [], system: false, state: 'present' }),
          res({ kind: 'group', name: 'shop', system: false, state: 'present' }),
          res({ kind: 'service', name: 'ssh', state: 'running' }),
          res({ kind: 'command', name: 'touch /should-never-run', env: {} } as Partial<ResourceSpec> & Pick<ResourceSpec, 'kind' | 'name'>),
        ],
      },
    ],
  };
}

describe('facts over SSH', () => {
  it('match what the host says through docker exec', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd), pool);
    try {
      await t.exec('true');
      const start = performance.now();
      const f = await gatherFacts(t, ['/etc/ssh/sshd_config', '/etc/shop.conf', '/srv/www', '/etc/mtab', '/nope']);
      console.log(`[measure] facts gathering over SSH (connected, ${Object.keys(f.packages).length} packages): ${(performance.now() - start).toFixed(0)} ms`);

      expect(f.os).toMatchObject({ id: 'debian', versionId: '12', kernelName: 'Linux' });
      expect(f.os.prettyName).toContain('bookworm');
      expect(f.arch).toBe((await sshd.exec('uname -m')).trim());
      expect(f.kernel).toBe((await sshd.exec('uname -r')).trim());
      expect(f.packageManager).toBe('dpkg');
      expect(f.packages['openssh-server']).toBe(await sshd.exec(`dpkg-query -W -f='\${Version}' openssh-server`));
      expect(Object.keys(f.packages).length).toBe(Number((await sshd.exec(`dpkg-query -W -f='\${db:Status-Abbrev}\\n' | grep -c '^.i'`)).trim()));

      const sha = (await sshd.exec('sha256sum /etc/ssh/sshd_config')).split(' ')[0];
      expect(f.paths['/etc/ssh/sshd_config']).toEqual({ type: 'file', sha256: sha, mode: '0644', owner: 'root', group: 'root' });
      expect(f.paths['/etc/shop.conf']).toMatchObject({ type: 'file', mode: '0640', owner: 'deploy', group: 'pwsudo' });
      expect(f.paths['/srv/www']).toEqual({ type: 'directory', mode: '2750', owner: 'www-data', group: 'www-data' });
      expect(f.paths['/etc/mtab']).toMatchObject({ type: 'symlink', target: '/proc/mounts' });
      expect(f.paths['/nope']).toEqual({ type: 'absent' });

      expect(f.users.deploy).toEqual({
        uid: Number(await sshd.exec('id -u deploy')),
        gid: Number(await sshd.exec('id -g deploy')),
        home: '/home/deploy',
        shell: '/bin/bash',
        groups: ['shop', 'sudo'],
      });
      expect(f.groups.shop?.members).toEqual(['deploy']);
      expect(f.services.ssh).toEqual({ state: 'running', enabled: true });
      expect(f.ports).toContainEqual({ proto: 'tcp', address: '0.0.0.0', port: 22 });

      expect(f.env).toEqual({
        Api_Token: '<redacted>',
        DATABASE_URL: '<redacted>',
        DB_PASSWORD: '<redacted>',
        LANG: 'C.UTF-8',
        SHOP_ENV: 'prod',
      });
      expect(JSON.stringify(f)).not.toContain(SECRET);
    } finally {
      await pool.close();
    }
  });

  it('reads root-only files with become, and says it could not without', async () => {
    const pool = src.pool();
    try {
      const asRoot = await gatherFacts(new SshTransport(specFor(sshd, { user: 'deploy', become: true }), pool), ['/etc/shadow']);
      const plain = await gatherFacts(new SshTransport(specFor(sshd, { user: 'deploy' }), pool), ['/etc/shadow']);
      expect(asRoot.paths['/etc/shadow']).toMatchObject({ type: 'file', sha256: (await sshd.exec('sha256sum /etc/shadow')).split(' ')[0] });
      expect(plain.paths['/etc/shadow']).toMatchObject({ type: 'file', sha256: null, mode: '0640' });
    } finally {
      await pool.close();
    }
  });
});

describe('baselines', () => {
  it('capture never writes to the host: /etc and the dpkg database are byte-identical before and after', async () => {
    const fingerprintHost = () =>
      sshd.exec(`sha256sum /var/lib/dpkg/status
        find /etc -type f -print0 | sort -z | xargs -0 sha256sum
        find /etc -printf '%p %y %m %u %g %s %T@\\n' | sort`);
    const before = await fingerprintHost();
    const provider = new SshProvider({ dataDir: src.dataDir, knownHostsFiles: [src.knownHosts], agentSocket: '' });
    const events: RunEvent[] = [];
    try {
      const profile = prodProfile();
      const transports = await provider.up(profile, profile.machines, { runId: 'cap', emit: (e) => events.push(e) });
      const baseline = await captureBaseline(profile, transports, (e) => events.push(e), { runId: 'cap' });
      expect(Object.keys(baseline.hosts)).toEqual(['web-1']);
    } finally {
      await provider.close();
    }
    const after = await fingerprintHost();
    expect(after).toBe(before);
    expect(before.split('\n').length).toBeGreaterThan(100);
    expect(await sshd.exec('test -e /should-never-run && echo yes || echo no')).toBe('no\n');
    expect(events.filter((e) => e.type === 'machine' && e.phase === 'probe').map((e) => e.type === 'machine' && e.status)).toEqual(['start', 'done']);
  });

  it('writes stable YAML without secrets and reads it back', async () => {
    const provider = new SshProvider({ dataDir: src.dataDir, knownHostsFiles: [src.knownHosts], agentSocket: '' });
    const dir = mkdtempSync(join(tmpdir(), 'prodlike-baseline-'));
    const file = join(dir, 'shop-prod.baseline.yaml');
    try {
      const profile = prodProfile();
      const transports = await provider.up(profile, profile.machines, { runId: 'cap', emit: () => undefined });
      const now = new Date('2025-01-02T03:04:05.000Z');
      const b1 = await captureBaseline(profile, transports, () => undefined, { now });
      const b2 = await captureBaseline(profile, transports, () => undefined, { now });
      expect(serializeBaseline(b2)).toBe(serializeBaseline(b1));

      await writeBaseline(file, b1);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text).toMatch(/^# Prodlike baseline/);
      expect(text.split('\n').slice(1, 4)).toEqual(['format: prodlike-baseline/1', 'profile: shop-prod', 'captured_at: 2025-01-02T03:04:05.000Z']);
      expect(await readBaseline(file)).toEqual(b1);

      const host = b1.hosts['web-1']!;
      expect(host.address).toBe(`127.0.0.1:${sshd.port}`);
      expect(host.os).toEqual({ id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' });
      expect(host.packages['openssh-server']).toBe(await sshd.exec(`dpkg-query -W -f='\${Version}' openssh-server`));
      expect(Object.keys(host.packages)).toEqual(Object.keys(host.packages).sort());
      expect(host.files).toEqual({
        '/etc/environment': expect.objectContaining({ mode: '0644', owner: 'root' }),
        '/etc/not-there.conf': { absent: true },
        '/etc/shop.conf': { sha256: (await sshd.exec('sha256sum /etc/shop.conf')).split(' ')[0], mode: '0640', owner: 'deploy', group: 'pwsudo' },
      });
      expect(host.directories).toEqual({ '/srv/www': { mode: '2750', owner: 'www-data', group: 'www-data' } });
      expect(host.users.ghost).toEqual({ absent: true });
      expect(host.users.deploy).toMatchObject({ groups: ['shop', 'sudo'] });
      expect(host.services.ssh).toEqual({ state: 'running', enabled: true });
      expect(host.env.DB_PASSWORD).toBe('<redacted>');
    } finally {
      await provider.close();
    }
  });

  it('reports malformed and newer-format baselines with file:line:col', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodlike-baseline-'));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'format: prodlike-baseline/1\nprofile: x\nhosts: {a: [1, 2}\n');
    await expect(readBaseline(broken)).rejects.toThrow(new RegExp(`^${broken}:3:\\d+: the baseline is not valid YAML`));

    const newer = join(dir, 'newer.yaml');
    writeFileSync(newer, '# from the future\nformat: prodlike-baseline/2\nprofile: x\n');
    await expect(readBaseline(newer)).rejects.toThrow(`${newer}:2:9: ${newer} was written by a newer Prodlike (prodlike-baseline/2); upgrade Prodlike to read it`);
  });
});
