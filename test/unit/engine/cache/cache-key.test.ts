// The cache's keys and choices, without an engine: what invalidates a cached prefix, where states are
// saved, where a secret stops saving, and which state a new machine starts from.
import { describe, expect, it } from 'vitest';
import { containsSecret, leadingPackagesSavePoint, longestMatch, machineKeys, resourceFingerprint, savePoints, type MachineKeyInput } from '../../../../electron/engine/cache/cache-key.js';
import type { ResourceSpec } from '../../../../shared/profile.js';

const pkg = (name: string, version?: string): ResourceSpec => ({ id: `package:${name}`, kind: 'package', name, state: 'present', ...(version ? { version } : {}) });
const file = (name: string, content: string, extra: Partial<ResourceSpec> = {}): ResourceSpec => ({ id: `file:${name}`, kind: 'file', name, content, state: 'present', ...extra }) as ResourceSpec;
// Guarded, as commands in a cached prefix must be (an unguarded one runs on every up).
const cmd = (name: string): ResourceSpec => ({ id: `command:${name}`, kind: 'command', name, env: {}, creates: `/var/lib/done-${name.length}` });
const svc = (name: string): ResourceSpec => ({ id: `service:${name}`, kind: 'service', name, state: 'running' });

const input = (resources: ResourceSpec[], over: Partial<MachineKeyInput> = {}): MachineKeyInput => ({
  baseImageId: 'sha256:base',
  docker: { env: { A: '1' }, volumes: [], privileged: false },
  machine: 'web',
  resources,
  isSecret: () => false,
  ...over,
});

const shop = [pkg('nginx'), file('/srv/www/index.html', 'hi'), cmd('make'), file('/etc/x', 'x'), svc('nginx')];

describe('cache keys', () => {
  it('the same machine gives the same keys, one per prefix plus the base', () => {
    const a = machineKeys(input(shop));
    expect(a.keys).toHaveLength(shop.length + 1);
    expect(machineKeys(input(shop)).keys).toEqual(a.keys);
    expect(new Set(a.keys).size).toBe(a.keys.length);
  });

  it('changing one resource keeps the keys before it and changes every key from it on', () => {
    const a = machineKeys(input(shop)).keys;
    const changed = [...shop];
    changed[3] = file('/etc/x', 'y');
    const b = machineKeys(input(changed)).keys;
    expect(b.slice(0, 4)).toEqual(a.slice(0, 4));
    for (let k = 4; k < a.length; k++) expect(b[k]).not.toBe(a[k]);
  });

  it('a different package list invalidates from the first resource', () => {
    const a = machineKeys(input(shop)).keys;
    const b = machineKeys(input([pkg('nginx', '1.22.*'), ...shop.slice(1)])).keys;
    expect(b[0]).toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
  });

  it('the base image, the env commands see and the hostname are part of every key', () => {
    const a = machineKeys(input(shop)).keys;
    expect(machineKeys(input(shop, { baseImageId: 'sha256:other' })).keys[0]).not.toBe(a[0]);
    expect(machineKeys(input(shop, { docker: { env: { A: '2' }, volumes: [], privileged: false } })).keys[0]).not.toBe(a[0]);
    expect(machineKeys(input(shop, { docker: { env: { A: '1' }, volumes: [], privileged: false, hostname: 'x' } })).keys[0]).not.toBe(a[0]);
  });

  it('the working directory and the container\'s own process are part of every key; unset, they leave the key as before', () => {
    const a = machineKeys(input(shop)).keys;
    const unset = { env: { A: '1' }, volumes: [], privileged: false, workingDir: undefined, user: undefined, command: undefined, entrypoint: undefined, keepAlive: true };
    expect(machineKeys(input(shop, { docker: unset })).keys).toEqual(a);
    for (const over of [{ workingDir: '/srv' }, { command: ['redis-server'] }, { entrypoint: ['/init'] }, { keepAlive: false }]) {
      const b = machineKeys(input(shop, { docker: { ...unset, ...over } })).keys;
      b.forEach((k, i) => expect(k, JSON.stringify(over)).not.toBe(a[i]));
    }
    // The user counts where the container's own process is not Prodlike's keep-alive: it writes then.
    expect(machineKeys(input(shop, { docker: { ...unset, user: 'redis' } })).keys).toEqual(a);
    const own = machineKeys(input(shop, { docker: { ...unset, keepAlive: false } })).keys;
    machineKeys(input(shop, { docker: { ...unset, keepAlive: false, user: 'redis' } })).keys.forEach((k, i) => expect(k).not.toBe(own[i]));
    const cmd = machineKeys(input(shop, { docker: { ...unset, command: ['redis-server'] } })).keys;
    machineKeys(input(shop, { docker: { ...unset, command: ['redis-server'], user: 'redis' } })).keys.forEach((k, i) => expect(k).not.toBe(cmd[i]));
  });

  it('where a resource was written and where its src file lives do not matter; its content does', () => {
    const f = file('/etc/x', 'x');
    const moved = file('/etc/x', 'x', { pos: { file: '/a.yaml', line: 9, col: 3 }, src: '/elsewhere/x' } as Partial<ResourceSpec>);
    expect(resourceFingerprint(moved)).toBe(resourceFingerprint(f));
    expect(resourceFingerprint(file('/etc/x', 'x '))).not.toBe(resourceFingerprint(f));
    expect(resourceFingerprint(file('/etc/x', 'x', { mode: '0600' } as Partial<ResourceSpec>))).not.toBe(resourceFingerprint(f));
  });
});

describe('save points', () => {
  it('stop before the first command without a guard (it runs on every up: a machine started past it would run it twice)', () => {
    const unguarded: ResourceSpec = { id: 'command:useradd app', kind: 'command', name: 'useradd app', env: {} };
    const k = machineKeys(input([pkg('nginx'), unguarded, pkg('curl')]));
    expect(k.limit).toBe(1);
    expect(k.savePoints).toEqual([1]);
  });

  it('after each package and command, and after the last resource', () => {
    expect(savePoints(shop, shop.length)).toEqual([1, 3, 5]);
  });

  it('stop before the first secret-bearing resource', () => {
    const keys = machineKeys(input(shop, { isSecret: (r) => r.name === '/etc/x' }));
    expect(keys.limit).toBe(3);
    expect(keys.savePoints).toEqual([1, 3]);
    expect(machineKeys(input(shop, { isSecret: (r) => r.kind === 'package' })).savePoints).toEqual([]);
  });

  it('a secret in the last resource keeps every earlier save point but not the full state', () => {
    const keys = machineKeys(input(shop, { isSecret: (r) => r.kind === 'service' }));
    expect(keys.savePoints).toEqual([1, 3]);
  });
});

describe('choosing where to start', () => {
  const keys = machineKeys(input(shop));
  it('takes the longest cached save point', () => {
    const have = new Set([keys.keys[1], keys.keys[3]]);
    expect(longestMatch(keys, (k) => have.has(k))).toBe(3);
    expect(longestMatch(keys, (k) => k === keys.keys[5])).toBe(5);
  });
  it('takes a state at any prefix up to the limit: one saved as the last of a shorter list of resources', () => {
    // [pkg, file] saved at 2, its last resource; with more resources after, 2 is no save point but the same state.
    const shorter = machineKeys(input(shop.slice(0, 2)));
    expect(shorter.savePoints).toContain(2);
    expect(keys.savePoints).not.toContain(2);
    expect(shorter.keys[2]).toBe(keys.keys[2]);
    expect(longestMatch(keys, (k) => k === shorter.keys[2] || k === keys.keys[1])).toBe(2);
    expect(longestMatch(keys, (k) => k === keys.keys[4])).toBe(4);
    expect(longestMatch(keys, () => false)).toBe(0);
  });

  it('never takes a state past the limit (a secret-bearing resource)', () => {
    const secret = machineKeys(input(shop, { isSecret: (r) => r.id === 'file:/etc/x' }));
    expect(secret.limit).toBe(3);
    expect(longestMatch(secret, (k) => k === secret.keys[4] || k === secret.keys[5])).toBe(0);
    expect(longestMatch(secret, (k) => k === secret.keys[4] || k === secret.keys[3])).toBe(3);
  });
});

describe('secret-bearing resources', () => {
  it('are found by value anywhere in the resource', () => {
    expect(containsSecret(file('/etc/app.env', 'PASSWORD=hunter22\n'), ['hunter22'])).toBe(true);
    expect(containsSecret({ id: 'c', kind: 'command', name: 'x', env: { P: 'hunter22' } }, ['hunter22'])).toBe(true);
    expect(containsSecret(file('/etc/app.env', 'PASSWORD=\n'), ['hunter22'])).toBe(false);
    expect(containsSecret(file('/etc/app.env', 'hunter22'), [])).toBe(false);
  });
});

describe('the save point a machine with data in its volumes mounts them at', () => {
  it('is the last save point that only packages come before', () => {
    const r = [pkg('postgresql-15'), pkg('cron'), file('/etc/x', 'x'), cmd('make')];
    expect(leadingPackagesSavePoint(r, savePoints(r, r.length))).toBe(2);
    // Batched packages report their prefix at the end of the batch: the point is where they end.
    expect(leadingPackagesSavePoint(r, [1, 4])).toBe(1);
    expect(leadingPackagesSavePoint([pkg('a'), pkg('b')], [1, 2])).toBe(2);
  });

  it('is none when something else comes first, or no save point is among the packages', () => {
    expect(leadingPackagesSavePoint([file('/etc/x', 'x'), pkg('a')], [2])).toBe(0);
    expect(leadingPackagesSavePoint([pkg('a'), file('/etc/x', 'x')], [])).toBe(0);
    expect(leadingPackagesSavePoint([], [])).toBe(0);
  });
});
