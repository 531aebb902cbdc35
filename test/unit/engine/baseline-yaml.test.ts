import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { yamlMap } from '../../../electron/engine/baseline-yaml.js';
import { serializeBaseline, type Baseline } from '../../../electron/engine/baseline.js';

const library = (v: unknown) => stringify(v, { lineWidth: 0, indent: 2 });

const tricky = [
  '', ' ', 'plain', '12', '012', '1.5', '1e3', '.5', '-1', '+1', '0x1F', '0o17', '.inf', '-.inf', '.nan', 'true', 'True', 'FALSE', 'null', 'Null', '~',
  'yes', 'no', 'on', '-', '- x', '?', '? x', ':', 'a:', 'a: b', 'a:b', 'http://x:y@h/p', 'a #b', 'a#b', '#x', ' lead', 'trail ', 'two  spaces',
  'multi\nline', 'multi\nline\n', 'tab\there', "'q'", '"dq"', 'it\'s', '@at', '`tick', '%pct', '!bang', '&amp', '*star', '|pipe', '>gt', '[x]', '{x}', 'a,b',
  'café', 'Debian GNU/Linux 12 (bookworm)', '1.22.0-1+deb12u1', '1:2.3-4', '10.0.0.1:2201', '/srv/www', '/etc/nginx/conf.d/shop.conf', '<redacted>', 'x'.repeat(1100),
  '2026-01-01T00:00:00.000Z', 'a=b', '~/x', '(x)', 'x~',
];

describe('baseline YAML written directly', () => {
  it('writes every tricky scalar as a value exactly as yaml does', () => {
    for (const s of tricky) expect(yamlMap({ k: s, n: { v: s }, l: [s, 'x'] }), JSON.stringify(s)).toBe(library({ k: s, n: { v: s }, l: [s, 'x'] }));
  });

  it('writes every tricky string as a key exactly as yaml does', () => {
    for (const s of tricky) expect(yamlMap({ [s]: 'v', m: { [s]: { a: 1, b: [] } } }), JSON.stringify(s)).toBe(library({ [s]: 'v', m: { [s]: { a: 1, b: [] } } }));
  });

  it('writes numbers, booleans, null, empty and nested collections, and skips undefined, as yaml does', () => {
    const v = {
      a: 0, b: -3, c: 2.5, d: true, e: false, f: null, g: undefined, h: {}, i: [], j: { k: { l: [] } }, m: [{ proto: 'tcp', address: '::', port: 22 }, { x: undefined, y: 1 }],
      n: [[1, 2], [], {}, { p: [] }], o: { q: undefined },
    };
    expect(yamlMap(v)).toBe(library(v));
  });

  it('agrees with yaml on random strings made of YAML indicators', () => {
    const alphabet = ['a', 'Z', '0', '9', '.', '-', '+', ':', ' ', '#', '/', '_', '~', '(', ')', ',', '=', '@', '"', "'", '\n', 'é', 'e', 'x'];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 3000; i++) {
      const s = Array.from({ length: 1 + rnd(8) }, () => alphabet[rnd(alphabet.length)]).join('');
      const v = { [s]: s, list: [s] };
      expect(yamlMap(v), JSON.stringify(s)).toBe(library(v));
    }
  });

  it('a baseline reads the same as the yaml library wrote it before', () => {
    const host = {
      address: '10.0.0.5:22', os: { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' }, arch: 'x86_64', kernel: '6.1.0-13-amd64',
      package_manager: 'dpkg' as const, packages: { 'libc6:i386': '2.36-9', nginx: '1.22.1-9' },
      users: { root: { uid: 0, gid: 0, home: '/root', shell: '/bin/bash', groups: [] }, shop: { uid: 1000, gid: 1000, home: '', shell: '', groups: ['sudo', 'www-data'] }, ghost: { absent: true as const } },
      groups: { sudo: { gid: 27, members: ['shop'] }, 'no-one': { gid: 9, members: [] } },
      services: { nginx: { state: 'running' as const, enabled: true }, cron: { state: 'stopped' as const } },
      ports: [{ proto: 'udp' as const, address: '0.0.0.0', port: 68 }, { proto: 'tcp' as const, address: '::', port: 80 }, { proto: 'tcp' as const, address: '0.0.0.0', port: 80 }],
      env: { PATH: '/usr/bin', DB_PASSWORD: '<redacted>', EMPTY: '' },
      files: { '/etc/a b.conf': { mode: '0644', owner: 'root', group: 'root', sha256: 'a'.repeat(64) }, '/etc/gone': { absent: true as const }, '/etc/unread': { mode: '0600', owner: 'root', group: 'root', sha256: null } },
      directories: { '/srv/www': { mode: '0755', owner: 'www-data', group: 'www-data' }, '/srv/link': { type: 'symlink' as const, mode: '0777', owner: 'root', group: 'root', target: '/srv/www' } },
    };
    const b: Baseline = { format: 'prodlike-baseline/1', profile: 'shop-prod', captured_at: '2026-01-01T00:00:00.000Z', hosts: { 'web-2': host, 'web-10': { ...host, address: 'web-10:22' } }, not_captured: { 'db-1': { address: 'db-1:22', reason: 'connection refused: "x"' } } };
    // What serializeBaseline wrote with yaml's stringify (maps sorted, ports ordered), before it wrote text directly.
    // (The two hosts share objects here, which yaml would write as anchors; captured and parsed hosts never do.)
    const sortedHost = (h: typeof host) => ({ ...h, packages: h.packages, users: { ghost: h.users.ghost, root: h.users.root, shop: h.users.shop }, groups: { 'no-one': h.groups['no-one'], sudo: h.groups.sudo },
      services: { cron: h.services.cron, nginx: h.services.nginx }, ports: [h.ports[2], h.ports[1], h.ports[0]], env: { DB_PASSWORD: '<redacted>', EMPTY: '', PATH: '/usr/bin' },
      files: { '/etc/a b.conf': h.files['/etc/a b.conf'], '/etc/gone': h.files['/etc/gone'], '/etc/unread': h.files['/etc/unread'] }, directories: { '/srv/link': h.directories['/srv/link'], '/srv/www': h.directories['/srv/www'] } });
    const expected = `# Prodlike baseline: production as captured by \`prodlike capture\` (read-only). Keep it in git.\n${stringify({ format: b.format, profile: b.profile, captured_at: b.captured_at, hosts: { 'web-10': sortedHost({ ...host, address: 'web-10:22' }), 'web-2': sortedHost(host) }, not_captured: b.not_captured }, { lineWidth: 0, indent: 2, aliasDuplicateObjects: false })}`;
    expect(serializeBaseline(b)).toBe(expected);
  });
});
