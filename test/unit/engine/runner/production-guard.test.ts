// The production guard: writing runs refuse a profile built on a production profile, and SSH machines
// whose connection would reach a production host, however the host is spelt. Names resolve through an
// injected resolver here (no DNS, no /etc/hosts): the table below is "the network".

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineSpec, Profile, SshMachineSpec } from '../../../../shared/profile.js';
import { findBaselines, serializeBaseline, type Baseline } from '../../../../electron/engine/baseline.js';
import type { ProdlikeError } from '../../../../electron/engine/errors.js';
import { loadProfile } from '../../../../electron/engine/profile/load.js';
import { addressKey, guardProductionHosts, registerProductionHosts, type GuardOptions, type Resolver } from '../../../../electron/engine/runner/production-guard.js';
import { prodHost } from './drift-fixtures.js';

const ssh = (host: string, port = 22, jump?: { host: string; port?: number }): SshMachineSpec => ({
  host,
  port,
  user: 'root',
  agent: false,
  become: false,
  connectTimeoutMs: 1000,
  commandTimeoutMs: 1000,
  ...(jump ? { jump: { host: jump.host, port: jump.port ?? 22, user: 'root' } } : {}),
});

/** A repository in a temp folder (it has .git), with these files; returns its path. */
function repo(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-guard-'));
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, 'profiles'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

function profile(machines: MachineSpec[], dir = repo()): Profile {
  const file = join(dir, 'profiles', 'dev.yaml');
  return { name: 'dev', role: 'dev', vars: {}, machines, file, files: [file] };
}

const machine = (name: string, spec: SshMachineSpec): MachineSpec => ({ name, ssh: spec, resources: [] });

const baseline = (address: string, host = 'web-1'): Baseline => ({ format: 'prodlike-baseline/1', profile: 'prod', captured_at: '2025-01-01T00:00:00.000Z', hosts: { [host]: prodHost({ address }) } });

/** "The network": what names resolve to. Anything else does not resolve. */
const NETWORK: Record<string, string[]> = {
  'web-1.shop.internal': ['10.0.0.5'],
  'shop-web': ['10.0.0.5'],
  'dual.shop.internal': ['2001:db8::7', '10.0.0.5'],
  'web-1.dev.internal': ['10.1.0.5'],
  'dev-box': ['127.0.0.1'],
};
const resolver: Resolver = async (name) => NETWORK[name] ?? [];
const nothingResolves: Resolver = async () => [];

function opts(dir: string, over: Partial<GuardOptions> = {}): GuardOptions {
  return { dataDir: join(dir, '.data'), folders: [], allowProductionHosts: false, resolve: resolver, ...over };
}

async function refusal(p: Promise<unknown>): Promise<ProdlikeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!err) throw new Error('the guard let it through');
  return err as ProdlikeError;
}

describe('role by inheritance', () => {
  const PROD = 'name: shop-prod\nrole: production\nmachines:\n  web-1:\n    ssh: { host: web-1.shop.internal, user: deploy }\n';
  const CHILD = 'name: shop-production\nextends: ./prod.yaml\nrole: dev\n';

  it('refuses the three-line child of a production profile, naming the parent, even with --i-know-this-is-production', async () => {
    const dir = repo({ 'profiles/prod.yaml': PROD, 'profiles/child.yaml': CHILD });
    const child = await loadProfile(join(dir, 'profiles', 'child.yaml'));
    expect(child.role).toBe('dev');
    for (const allowProductionHosts of [false, true]) {
      const err = await refusal(guardProductionHosts(child, opts(dir, { allowProductionHosts, resolve: nothingResolves })));
      expect(err.name).toBe('RefusedError');
      expect(err.message).toBe(
        `refusing to write to production: profile shop-production extends ${join(dir, 'profiles', 'prod.yaml')}, and it has role: production; a profile built on a production profile is production, whatever its own role: says (it says dev)`,
      );
      expect(err.hint).toContain('--i-know-this-is-production does not apply');
    }
  });

  it('refuses a grandchild and a child that moved every machine elsewhere', async () => {
    const dir = repo({
      'profiles/prod.yaml': PROD,
      'profiles/mid.yaml': 'name: mid\nextends: ./prod.yaml\nrole: test\n',
      'profiles/grand.yaml': 'name: grand\nextends: [./other.yaml, ./mid.yaml]\nmachines:\n  web-1:\n    ssh: { host: 127.0.0.1, port: 2999, user: root }\n',
      'profiles/other.yaml': 'name: other\nabstract: true\n',
    });
    const grand = await loadProfile(join(dir, 'profiles', 'grand.yaml'));
    expect(grand.machines.map((m) => m.ssh?.host)).toEqual(['127.0.0.1']);
    const err = await refusal(guardProductionHosts(grand, opts(dir)));
    expect(err.message).toContain(`extends ${join(dir, 'profiles', 'prod.yaml')}, and it has role: production`);
  });

  it('refuses a parent whose role is not written as dev or test', async () => {
    const dir = repo({ 'profiles/base.yaml': 'name: base\nrole: ${vars.r}\nvars: { r: production }\n', 'profiles/c.yaml': 'name: c\nextends: ./base.yaml\nvars: { r: dev }\nmachines: { a: { docker: { image: x } } }\n' });
    const err = await refusal(guardProductionHosts(await loadProfile(join(dir, 'profiles', 'c.yaml')), opts(dir)));
    expect(err.message).toContain('its role: is "${vars.r}", not a plain dev or test');
  });

  it('lets a child of dev and test parents through', async () => {
    const dir = repo({
      'profiles/base.yaml': 'name: base\nabstract: true\n',
      'profiles/test.yaml': 'name: t\nrole: test\nextends: ./base.yaml\nmachines: { a: { docker: { image: x } } }\n',
      'profiles/c.yaml': 'name: c\nextends: ./test.yaml\n',
    });
    await guardProductionHosts(await loadProfile(join(dir, 'profiles', 'c.yaml')), opts(dir));
  });
});

describe('addresses are compared by what they reach', () => {
  // The baseline names the host; the resolver says where that name goes.
  const byName = () => repo({ 'baselines/prod.yaml': serializeBaseline(baseline('web-1.shop.internal:22')) });
  // The baseline has the address itself.
  const byAddress = () => repo({ 'baselines/prod.yaml': serializeBaseline(baseline('10.0.0.5:22')) });

  it.each([
    ['web-1.shop.internal', 'by name', ''],
    ['WEB-1.shop.internal', 'by name', ' (WEB-1.shop.internal is the name web-1.shop.internal)'],
    ['web-1.shop.internal.', 'by name', ' (web-1.shop.internal. is the name web-1.shop.internal)'],
    ['web-1', 'by name', ' (web-1 is the short name of web-1.shop.internal)'],
    ['10.0.0.5', 'by name', ' (web-1.shop.internal resolves to 10.0.0.5)'],
    ['shop-web', 'by name', ' (shop-web resolves to 10.0.0.5, as web-1.shop.internal does)'],
    ['dual.shop.internal', 'by name', ' (dual.shop.internal resolves to 10.0.0.5, as web-1.shop.internal does)'],
    ['10.5', 'by address', ' (10.5 is the address 10.0.0.5)'],
    ['0x0a.0.0.5', 'by address', ' (0x0a.0.0.5 is the address 10.0.0.5)'],
    ['167772165', 'by address', ' (167772165 is the address 10.0.0.5)'],
    ['::ffff:10.0.0.5', 'by address', ' (::ffff:10.0.0.5 is the address 10.0.0.5)'],
    ['::ffff:a00:5', 'by address', ' (::ffff:a00:5 is the address 10.0.0.5)'],
    ['10.5', 'by name', ' (10.5 is the address 10.0.0.5, and web-1.shop.internal resolves to 10.0.0.5)'],
    ['::ffff:10.0.0.5', 'by name', ' (::ffff:10.0.0.5 is the address 10.0.0.5, and web-1.shop.internal resolves to 10.0.0.5)'],
    ['shop-web', 'by address', ' (shop-web resolves to 10.0.0.5, the production address)'],
  ])('refuses %s (baseline %s), saying why', async (host, where, why) => {
    const dir = where === 'by name' ? byName() : byAddress();
    const err = await refusal(guardProductionHosts(profile([machine('db', ssh(host))], dir), opts(dir)));
    expect(err.message).toBe(`refusing to write to production: db (${host.includes(':') ? `[${host}]` : host}:22) is production host web-1 in ${join(dir, 'baselines', 'prod.yaml')}${why}`);
    expect(err.hint).toContain('--i-know-this-is-production');
    expect(err.details).toEqual({ machines: ['db'] });
  });

  it.each(['web-1.dev.internal', 'web-10', 'web', '10.0.0.6', '10.6', '::ffff:10.0.0.6', 'dev-box', 'unknown.example', '2001:db8::7'])('lets %s through', async (host) => {
    for (const where of [byName, byAddress]) {
      const dir = where();
      await guardProductionHosts(profile([machine('db', ssh(host))], dir), opts(dir));
    }
  });

  it('compares ports: the same host on another port is another sshd', async () => {
    const dir = byName();
    await guardProductionHosts(profile([machine('db', ssh('web-1.shop.internal', 2222))], dir), opts(dir));
  });

  it('a short name in the baseline matches the full name in the profile', async () => {
    const dir = repo({ 'baselines/prod.yaml': serializeBaseline(baseline('web-1:22')) });
    await expect(guardProductionHosts(profile([machine('db', ssh('web-1.shop.internal'))], dir), opts(dir, { resolve: nothingResolves }))).rejects.toThrow('(web-1 is the short name of web-1.shop.internal)');
  });

  it('every loopback address is one place: localhost, 127.1, ::1, ::ffff:127.0.0.1 and 0.0.0.0 reach 127.0.0.1:2222', async () => {
    const dir = repo();
    await registerProductionHosts(join(dir, '.data'), baseline('127.0.0.1:2222'), '/repo/baselines/prod.yaml');
    for (const host of ['localhost', '127.1', '::1', '::ffff:127.0.0.1', '0.0.0.0', '127.0.0.2', 'dev-box']) {
      const err = await refusal(guardProductionHosts(profile([machine('db', ssh(host, 2222))], dir), opts(dir)));
      expect(err.message, host).toContain(`db (${host.includes(':') ? `[${host}]` : host}:2222) is production host web-1 in /repo/baselines/prod.yaml (`);
    }
    await guardProductionHosts(profile([machine('db', ssh('localhost', 2223))], dir), opts(dir));
  });

  it('checks the jump host target, not the jump host; a loopback target through a jump host is the jump host', async () => {
    const dir = byName();
    await expect(guardProductionHosts(profile([machine('db', ssh('web-1', 22, { host: 'bastion.dev' }))], dir), opts(dir))).rejects.toThrow('db (web-1:22 via bastion.dev:22) is production host web-1');
    await guardProductionHosts(profile([machine('db', ssh('web-1.dev.internal', 22, { host: 'web-1.shop.internal' }))], dir), opts(dir));
    await expect(guardProductionHosts(profile([machine('db', ssh('127.0.0.1', 22, { host: 'web-1.shop.internal' }))], dir), opts(dir))).rejects.toThrow(
      'is production host web-1 in', // the target 127.0.0.1:22 on the jump host is the jump host's own sshd
    );
  });

  it('lets --i-know-this-is-production through, with one warning per machine', async () => {
    const dir = repo();
    await registerProductionHosts(join(dir, '.data'), baseline('127.0.0.1:2222'), 'b.yaml');
    const warnings: string[] = [];
    const guard = await guardProductionHosts(profile([machine('db', ssh('127.0.0.1', 2222))], dir), opts(dir, { allowProductionHosts: true, warn: (t) => warnings.push(t) }));
    guard({ host: '127.0.0.1', port: 2222, addresses: ['127.0.0.1'] });
    expect(warnings).toEqual(['--i-know-this-is-production: writing to db (127.0.0.1:2222) is production host web-1 in b.yaml']);
  });

  it('lets Docker machines and unknown addresses through', async () => {
    const dir = repo();
    await registerProductionHosts(join(dir, '.data'), baseline('127.0.0.1:2222'), 'b.yaml');
    await guardProductionHosts(profile([machine('db', ssh('127.0.0.1', 2200)), { name: 'c', docker: { image: 'x', ports: [], env: {}, volumes: [], privileged: false }, resources: [] }], dir), opts(dir));
  });
});

describe('the connect guard judges the address ssh2 is about to connect to', () => {
  it('refuses a name that now resolves to a production address (it did not when the run started)', async () => {
    const dir = repo({ 'baselines/prod.yaml': serializeBaseline(baseline('web-1.shop.internal:22')) });
    const guard = await guardProductionHosts(profile([machine('db', ssh('db.dev'))], dir), opts(dir));
    expect(() => guard({ host: 'db.dev', port: 22, addresses: ['10.1.0.9'] })).not.toThrow();
    expect(() => guard({ host: 'db.dev', port: 22, addresses: ['10.1.0.9', '10.0.0.5'] })).toThrow(
      `refusing to write to production: db.dev:22, resolved to 10.1.0.9, 10.0.0.5 just before connecting, is production host web-1 in ${join(dir, 'baselines', 'prod.yaml')} (db.dev resolves to 10.0.0.5, as web-1.shop.internal does)`,
    );
    expect(() => guard({ host: 'db.dev', port: 2222, addresses: ['10.0.0.5'] })).not.toThrow();
    expect(() => guard({ host: 'x', port: 22, addresses: ['10.1.0.9'], via: { host: 'bastion', port: 22, addresses: [] } })).not.toThrow();
    expect(() => guard({ host: 'web-1', port: 22, addresses: [], via: { host: 'bastion', port: 22, addresses: [] } })).toThrow('is production host web-1');
    expect(() => guard({ host: 'localhost', port: 22, addresses: ['127.0.0.1'], via: { host: 'bastion', port: 22, addresses: ['10.0.0.5'] } })).toThrow('is production host web-1');
  });
});

describe('where production hosts are known from', () => {
  it('the baselines of the profile tree, wherever the command runs: baselines/ at the repository root', async () => {
    const dir = repo({ 'baselines/prod.yaml': serializeBaseline(baseline('db.internal:22')) });
    mkdirSync(join(dir, 'profiles', 'shop'));
    const p = profile([machine('db', ssh('DB.internal'))], dir);
    p.file = join(dir, 'profiles', 'shop', 'dev.yaml');
    p.files = [p.file];
    await expect(guardProductionHosts(p, opts(dir))).rejects.toThrow(/db \(DB.internal:22\) is production host web-1/);
  });

  it('the folder of a parent profile, and baselines/ beside the profile folders', async () => {
    const dir = repo({ 'shared/prod-base.yaml': 'name: base\nabstract: true\n', 'shared/prod.yaml': serializeBaseline(baseline('db.internal:22')) });
    const p = profile([machine('db', ssh('db.internal'))], dir);
    p.files = [p.file, join(dir, 'shared', 'prod-base.yaml')];
    await expect(guardProductionHosts(p, opts(dir))).rejects.toThrow(`in ${join(dir, 'shared', 'prod.yaml')}`);
    const other = repo({ 'baselines/prod.yaml': serializeBaseline(baseline('db.internal:22')) });
    const q = profile([machine('db', ssh('db.internal'))]);
    await expect(guardProductionHosts(q, opts(dir, { folders: [join(other, 'profiles')] }))).rejects.toThrow(`in ${join(other, 'baselines', 'prod.yaml')}`);
  });

  it('production profiles in the tree: a profile that names a host a production profile names (or its jump host)', async () => {
    const dir = repo({ 'profiles/prod.yaml': 'name: p\nrole: production\nmachines:\n  app-1:\n    ssh: { host: app-1.shop.internal, user: deploy, jump: { host: "${env.BASTION}", user: deploy } }\n  db-1:\n    ssh: { host: "${env.UNSET_PROD_HOST}", user: deploy }\n' });
    const env = { BASTION: 'bastion.shop.internal' };
    await expect(guardProductionHosts(profile([machine('db', ssh('app-1.shop.internal.'))], dir), opts(dir, { env }))).rejects.toThrow(`db (app-1.shop.internal.:22) is production host app-1 in ${join(dir, 'profiles', 'prod.yaml')}`);
    await expect(guardProductionHosts(profile([machine('db', ssh('bastion'))], dir), opts(dir, { env }))).rejects.toThrow("is production host app-1's jump host");
    // An unset variable hides only the host built from it.
    await guardProductionHosts(profile([machine('db', ssh('db-1'))], dir), opts(dir, { env }));
  });

  it('refuses when a production profile in the tree does not load', async () => {
    const dir = repo({ 'profiles/prod.yaml': 'name: p\nrole: production\nmachines:\n  web-1:\n    ssh: { host: web-1.shop.internal, user: deploy }\n    resources:\n      - file: /x\n        src: missing.txt\n' });
    const err = await refusal(guardProductionHosts(profile([machine('db', ssh('db.dev'))], dir), opts(dir)));
    expect(err.message).toMatch(/^refusing to write: Prodlike cannot tell which hosts are production, because the production profile .*prod\.yaml does not load: /);
  });

  it('refuses when a baseline cannot be read (a dangling link), and names it', async () => {
    const dir = repo();
    mkdirSync(join(dir, 'baselines'));
    symlinkSync(join(dir, 'nowhere.yaml'), join(dir, 'baselines', 'prod.yaml'));
    const err = await refusal(guardProductionHosts(profile([machine('db', ssh('db.dev'))], dir), opts(dir)));
    expect(err.name).toBe('RefusedError');
    expect(err.message).toBe(`refusing to write: Prodlike cannot tell which hosts are production, because ${join(dir, 'baselines', 'prod.yaml')} cannot be read (ENOENT)`);
    expect(err.where).toBe(join(dir, 'baselines', 'prod.yaml'));
    expect(err.hint).toContain('make it readable and valid');
  });

  it('refuses when a baseline does not parse', async () => {
    const dir = repo({ 'baselines/broken.yaml': 'format: prodlike-baseline/1\nhosts: [' });
    const err = await refusal(guardProductionHosts(profile([machine('db', ssh('db.dev'))], dir), opts(dir)));
    expect(err.message).toMatch(/because the baseline .*broken\.yaml does not parse: .*broken\.yaml:2:\d+: the baseline is not valid YAML/);
  });

  it('refuses when the record of earlier captures is corrupt', async () => {
    const dir = repo();
    mkdirSync(join(dir, '.data'));
    writeFileSync(join(dir, '.data', 'production-hosts.json'), '{"hosts": ');
    await expect(guardProductionHosts(profile([machine('db', ssh('db.dev'))], dir), opts(dir))).rejects.toThrow('production-hosts.json (the production hosts of earlier captures) is not valid');
  });

  it('the baseline the run was given (reconcile --against), wherever it is; one that cannot be read refuses', async () => {
    const dir = repo();
    const elsewhere = repo({ 'b.yaml': serializeBaseline(baseline('db.internal:22')) });
    const p = profile([machine('db', ssh('db.internal'))], dir);
    await guardProductionHosts(p, opts(dir));
    await expect(guardProductionHosts(p, opts(dir, { baselineFile: join(elsewhere, 'b.yaml') }))).rejects.toThrow(`is production host web-1 in ${join(elsewhere, 'b.yaml')}`);
    await expect(guardProductionHosts(p, opts(dir, { baselineFile: join(elsewhere, 'gone.yaml') }))).rejects.toThrow('cannot read the baseline');
  });

  it('keeps the registry key readable', () => {
    expect(addressKey('[Web-1.Example]', 22)).toBe('web-1.example:22');
  });

  it('lists the same baselines for the app: the valid ones, with their hosts', async () => {
    const root = repo({ 'baselines/prod.yaml': serializeBaseline(baseline('db.internal:22')), 'baselines/broken.yaml': 'format: prodlike-baseline/1\nhosts: [', 'profiles/dev.yaml': 'name: dev\nmachines: {}\n' });
    const found = await findBaselines([join(root, 'profiles')]);
    expect(found.map((b) => [b.file, Object.keys(b.baseline.hosts)])).toEqual([[join(root, 'baselines', 'prod.yaml'), ['web-1']]]);
  });
});
