// The example profiles a new user opens first must load, and say what they promise.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineProvider } from '../../../../shared/profile.js';
import { listProfiles, loadProfile } from '../../../../electron/engine/profile/index.js';
import { profileError } from './fixture.js';

const SHOP = resolve('profiles/shop');
const env = {};

describe('the shop example profiles', () => {
  for (const name of ['dev', 'test', 'vms', 'production']) {
    it(`${name}.yaml loads`, async () => {
      const p = await loadProfile(`${SHOP}/${name}.yaml`, { env });
      expect(p.machines.length).toBeGreaterThanOrEqual(4);
      expect(p.file).toBe(`${SHOP}/${name}.yaml`);
    });
  }

  it('dev and test run on containers of a local image, bound to 127.0.0.1 on distinct host ports', async () => {
    const ports: string[] = [];
    for (const name of ['dev', 'test']) {
      const p = await loadProfile(`${SHOP}/${name}.yaml`, { env });
      for (const m of p.machines) {
        expect(machineProvider(m)).toBe('docker');
        expect(m.docker!.image).toBe('debian:bookworm');
        expect(m.mirrors).toMatch(/-1$/);
        for (const port of m.docker!.ports) {
          expect(port).toMatch(/^127\.0\.0\.1:/);
          ports.push(port.split(':')[1]!);
        }
      }
    }
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('dev inherits the shared resources from base.yaml, with its own variables', async () => {
    const p = await loadProfile(`${SHOP}/dev.yaml`, { env });
    expect(p.role).toBe('dev');
    expect(p.files).toEqual([`${SHOP}/dev.yaml`, `${SHOP}/base.yaml`]);
    const web = p.machines.find((m) => m.name === 'web')!;
    expect(web.resources.map((r) => r.id)).toContain('line:/etc/environment:SHOP_ENV=dev');
    const conf = web.resources.find((r) => r.id === 'file:/etc/nginx/sites-available/default');
    expect(conf).toMatchObject({ kind: 'file', src: `${SHOP}/files/nginx-shop.conf`, mode: '0644' });
    expect(conf && conf.kind === 'file' && conf.content).toContain('server {');
  });

  it('test overrides one inherited line by its match, keeping its place', async () => {
    const p = await loadProfile(`${SHOP}/test.yaml`, { env });
    const cache = p.machines.find((m) => m.name === 'cache')!;
    const lines = cache.resources.filter((r) => r.kind === 'line');
    expect(lines.map((r) => (r.kind === 'line' ? r.text : ''))).toEqual(['maxmemory 32mb', 'maxmemory-policy allkeys-lru']);
    expect(cache.resources[1]!.pos!.file).toBe(`${SHOP}/test.yaml`);
  });

  it('production is read-only SSH through the bastion', async () => {
    const p = await loadProfile(`${SHOP}/production.yaml`, { env });
    expect(p.role).toBe('production');
    expect(p.machines.map((m) => m.name)).toEqual(['web-1', 'app-1', 'db-1', 'cache-1']);
    for (const m of p.machines) {
      expect(m.ssh).toMatchObject({ host: `${m.name}.shop.internal`, user: 'deploy', become: true, connectTimeoutMs: 15_000 });
      expect(m.ssh!.jump).toMatchObject({ host: 'bastion.shop.internal', port: 22, user: 'deploy' });
    }
  });

  it('base.yaml is abstract: it cannot be loaded as a profile of its own', async () => {
    const err = await profileError(loadProfile(`${SHOP}/base.yaml`, { env }));
    expect(err.message).toMatch(/base\.yaml:\d+:1: abstract: this profile is abstract/);
  });

  it('listing the profiles folder shows the four profiles, not the abstract parent', async () => {
    const list = await listProfiles([resolve('profiles')], { env });
    expect(list.map((s) => s.name).sort()).toEqual(['shop-dev', 'shop-production', 'shop-test', 'shop-vms']);
    expect(list.every((s) => !s.error && s.folder === resolve('profiles'))).toBe(true);
    expect(list.find((s) => s.name === 'shop-dev')).toMatchObject({ role: 'dev', machines: 4, description: expect.any(String) });
  });
});
