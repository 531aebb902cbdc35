// The production guard: writing runs refuse SSH machines that point at a production host.

import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineSpec, Profile, SshMachineSpec } from '../../../shared/profile.js';
import { findBaselines, serializeBaseline, type Baseline } from '../../../electron/engine/baseline.js';
import { addressKey, guardProductionHosts, registerProductionHosts } from '../../../electron/engine/runner/production-guard.js';
import { prodHost } from './fixtures.js';

const ssh = (host: string, port: number): SshMachineSpec => ({ host, port, user: 'root', agent: false, become: false, connectTimeoutMs: 1000, commandTimeoutMs: 1000 });

function profile(machines: MachineSpec[]): Profile {
  return { name: 'dev', role: 'dev', vars: {}, machines, file: '/tmp/dev.yaml', files: ['/tmp/dev.yaml'] };
}

const baseline = (address: string): Baseline => ({ format: 'prodlike-baseline/1', profile: 'prod', captured_at: '2025-01-01T00:00:00.000Z', hosts: { 'web-1': prodHost({ address }) } });

describe('production guard', () => {
  it('normalizes addresses: case, brackets', () => {
    expect(addressKey('[Web-1.Example]', 22)).toBe('web-1.example:22');
  });

  it('refuses a machine whose address a captured production baseline lists, naming it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pl-guard-'));
    await registerProductionHosts(dataDir, baseline('127.0.0.1:2222'), '/repo/baselines/prod.yaml');
    const p = profile([{ name: 'db', ssh: ssh('127.0.0.1', 2222), resources: [] }, { name: 'web', ssh: ssh('127.0.0.1', 2223), resources: [] }]);
    await expect(guardProductionHosts(p, { dataDir, folders: [], allowProductionHosts: false })).rejects.toThrow(
      'refusing to write to production: db (127.0.0.1:2222) is production host web-1 in /repo/baselines/prod.yaml',
    );
  });

  it('lets --i-know-this-is-production through, with a warning', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pl-guard-'));
    await registerProductionHosts(dataDir, baseline('127.0.0.1:2222'), 'b.yaml');
    const warnings: string[] = [];
    await guardProductionHosts(profile([{ name: 'db', ssh: ssh('127.0.0.1', 2222), resources: [] }]), { dataDir, folders: [], allowProductionHosts: true, warn: (t) => warnings.push(t) });
    expect(warnings).toEqual(['--i-know-this-is-production: writing to db (127.0.0.1:2222) is production host web-1 in b.yaml']);
  });

  it('finds baselines kept in the profile folders and in baselines/ beside them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pl-guard-'));
    mkdirSync(join(root, 'profiles'));
    mkdirSync(join(root, 'baselines'));
    writeFileSync(join(root, 'baselines', 'prod.yaml'), serializeBaseline(baseline('db.internal:22')));
    writeFileSync(join(root, 'baselines', 'broken.yaml'), 'format: prodlike-baseline/1\nhosts: [');
    const p = profile([{ name: 'db', ssh: ssh('DB.internal', 22), resources: [] }]);
    await expect(guardProductionHosts(p, { dataDir: join(root, '.data'), folders: [join(root, 'profiles')], allowProductionHosts: false })).rejects.toThrow(/db \(DB.internal:22\) is production host web-1/);
  });

  it('lists the same baselines for the app: the valid ones, with their hosts', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pl-guard-'));
    mkdirSync(join(root, 'profiles'));
    mkdirSync(join(root, 'baselines'));
    writeFileSync(join(root, 'baselines', 'prod.yaml'), serializeBaseline(baseline('db.internal:22')));
    writeFileSync(join(root, 'baselines', 'broken.yaml'), 'format: prodlike-baseline/1\nhosts: [');
    writeFileSync(join(root, 'profiles', 'dev.yaml'), 'name: dev\nmachines: {}\n');
    const found = await findBaselines([join(root, 'profiles')]);
    expect(found.map((b) => [b.file, Object.keys(b.baseline.hosts)])).toEqual([[join(root, 'baselines', 'prod.yaml'), ['web-1']]]);
  });

  it('lets Docker machines and unknown addresses through', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pl-guard-'));
    await registerProductionHosts(dataDir, baseline('127.0.0.1:2222'), 'b.yaml');
    await guardProductionHosts(profile([{ name: 'db', ssh: ssh('127.0.0.1', 2200), resources: [] }]), { dataDir, folders: [], allowProductionHosts: false });
  });
});
