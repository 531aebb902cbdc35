// A fleet's identical lists are parsed once and shared (shared-value.ts); what is written from them must
// be byte for byte what was written from each host's own copy, and a bad shared list must fail as before.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { yamlChunks, yamlMap } from '../../../electron/engine/baseline-yaml.js';
import { baselineChunks, baselineText, hostYaml, hostYamlChunks, parseCapturedHost, type BaselineHost } from '../../../electron/engine/baseline.js';
import { baselineHostSchema } from '../../../electron/engine/baseline-schema.js';
import { parseFacts } from '../../../electron/engine/facts/parse.js';
import { isShared, shareValue, sharedMemo } from '../../../electron/engine/shared-value.js';

const users = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`u${String(i).padStart(4, '0')}`, { uid: 1000 + i, gid: 1000 + i, home: `/home/u${i}`, shell: '/bin/sh', groups: i % 2 ? ['staff'] : [] }]));
const host = (u: BaselineHost['users']): BaselineHost => ({
  address: '10.0.0.1:22',
  os: { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
  arch: 'x86_64',
  kernel: '6.1.0',
  package_manager: 'dpkg',
  packages: { bash: '5.2.15-2+b2', 'libc6:i386': '2.36-9' },
  users: u,
  groups: { staff: { gid: 50, members: ['u0001'] } },
  services: { ssh: { state: 'running', enabled: true } },
  ports: [{ proto: 'tcp', address: '::', port: 22 }, { proto: 'tcp', address: '0.0.0.0', port: 22 }],
  env: {},
  files: { '/etc/a': { sha256: 'a'.repeat(64), mode: '0644', owner: 'root', group: 'root' } },
  directories: { '/srv': { absent: true } },
});

describe('shared values', () => {
  it('sharedMemo: one deep-frozen object per distinct text, the least recently used dropped', () => {
    let calls = 0;
    const memo = sharedMemo(2, (t) => (calls++, { t, inner: { list: [t] } }));
    const a = memo('a');
    expect(memo('a')).toBe(a);
    expect(calls).toBe(1);
    expect(Object.isFrozen(a.inner.list) && isShared(a.inner) && isShared(a.inner.list)).toBe(true);
    expect(() => (a.inner.list as string[]).push('x')).toThrow();
    memo('b');
    memo('a');
    memo('c'); // drops b, the least recently used
    expect(memo('a')).toBe(a);
    expect(calls).toBe(3);
    memo('b');
    expect(calls).toBe(4);
  });

  it('parseFacts hands the same account and package objects to hosts that printed the same lists', () => {
    const out = (kernel: string) => `@@system\nkernel_name=Linux\narch=x86_64\nkernel=${kernel}\n@@packages\nmanager=dpkg\nii \tbash\tamd64\t5.2\n@@passwd\nroot:x:0:0:root:/root:/bin/bash\n@@group\nroot:x:0:\n@@end\n`;
    const a = parseFacts(out('6.1'), 'a');
    const b = parseFacts(out('6.2'), 'b');
    expect(b.users).toBe(a.users);
    expect(b.packages).toBe(a.packages);
    expect(a.users.root).toEqual({ uid: 0, gid: 0, home: '/root', shell: '/bin/bash', groups: [] });
    const c = parseFacts(out('6.1').replace('/bin/bash', '/bin/sh'), 'c');
    expect(c.users).not.toBe(a.users);
    expect(c.users.root!.shell).toBe('/bin/sh');
  });

  it('a host with shared lists is written byte for byte as the same host with its own copies', () => {
    const own = host(users(300));
    const shared = host(shareValue(users(300)));
    shared.packages = shareValue({ ...own.packages });
    const text = hostYaml('h1', baselineHostSchema.parse(own));
    for (let i = 0; i < 2; i++) {
      expect(hostYaml('h1', parseCapturedHost(shared))).toBe(text);
      expect(hostYamlChunks('h1', parseCapturedHost(shared)).join('')).toBe(text);
    }
    // The shared users' text is one chunk, the very string for every host.
    const c1 = hostYamlChunks('h1', parseCapturedHost(shared));
    const c2 = hostYamlChunks('h2', parseCapturedHost({ ...shared, address: '10.0.0.2:22' }));
    expect(c1.find((c) => c.includes('u0299'))).toBe(c2.find((c) => c.includes('u0299')));
    expect(c1.length).toBeGreaterThan(1);
  });

  it('baselineChunks and yamlChunks add up to baselineText and yamlMap', () => {
    const hosts = new Map([
      ['b', hostYaml('b', host(users(3)))],
      ['a', hostYaml('a', host(shareValue(users(400))))],
    ]);
    const head = { format: 'prodlike-baseline/1', profile: 'p', captured_at: '2026-01-01T00:00:00.000Z', not_captured: { c: { address: 'c:22', reason: 'timed out' } } } as const;
    expect(baselineChunks(head, new Map([...hosts].map(([n, t]) => [n, [t.slice(0, 10), t.slice(10)]]))).join('')).toBe(baselineText(head, hosts));
    const m = { x: shareValue({ k: 'v'.repeat(5000), l: [{ a: '::' }] }), y: 1 };
    expect(yamlChunks(m, '  ').join('')).toBe(yamlMap(m, '  '));
    expect(yamlMap(m)).toBe(stringify(m, { lineWidth: 0, indent: 2 }));
  });

  it('a bad shared list fails with the error the whole schema gives, every time', () => {
    const bad = host(shareValue({ ...users(2), u9: { uid: Number('x'), gid: 1, home: '/', shell: '/bin/sh', groups: [] } }));
    const want = (() => {
      try {
        baselineHostSchema.parse(bad);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(want).toMatch(/users/);
    expect(() => parseCapturedHost(bad)).toThrow(want);
    expect(() => parseCapturedHost(bad)).toThrow(want);
  });
});
