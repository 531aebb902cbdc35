// Baseline validation: every problem points at file:line:col.

import { describe, expect, it } from 'vitest';
import { parseBaseline, serializeBaseline, type Baseline } from '../../../electron/engine/baseline.js';

const host = {
  address: '10.0.0.5:22',
  os: { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
  arch: 'x86_64',
  kernel: '6.1.0',
  package_manager: 'dpkg' as const,
  packages: { zlib1g: '1:1.2.13', nginx: '1.22.1-9' },
  users: { root: { uid: 0, gid: 0, home: '/root', shell: '/bin/bash', groups: [] }, ghost: { absent: true as const } },
  groups: { root: { gid: 0, members: [] } },
  services: { nginx: { state: 'running' as const, enabled: true } },
  ports: [{ proto: 'tcp' as const, address: '0.0.0.0', port: 80 }],
  env: { LANG: 'C.UTF-8', DB_PASSWORD: '<redacted>' },
  files: { '/etc/nginx/nginx.conf': { sha256: 'b'.repeat(64), mode: '0644', owner: 'root', group: 'root' }, '/etc/gone': { absent: true as const } },
  directories: { '/srv/www': { mode: '0755', owner: 'www-data', group: 'www-data' } },
};
const baseline: Baseline = { format: 'prodlike-baseline/1', profile: 'shop-prod', captured_at: '2025-01-02T03:04:05.000Z', hosts: { 'web-1': host } };

describe('baseline files', () => {
  it('round-trips, with sorted keys and quoted strings that look like numbers', () => {
    const text = serializeBaseline(baseline);
    expect(parseBaseline(text, 'b.yaml')).toEqual(baseline);
    expect(text).toContain('version_id: "12"');
    expect(text).toContain('mode: "0644"');
    expect(text.indexOf('nginx: 1.22.1-9')).toBeLessThan(text.indexOf('zlib1g:'));
    expect(text.indexOf('DB_PASSWORD')).toBeLessThan(text.indexOf('LANG'));
  });

  it('names file:line:col of a wrong value', () => {
    const text = serializeBaseline(baseline).replace('port: 80', 'port: eighty');
    const line = text.split('\n').findIndex((l) => l.includes('port: eighty')) + 1;
    expect(() => parseBaseline(text, 'prod.yaml')).toThrow(new RegExp(`^prod\\.yaml:${line}:\\d+: hosts\\.web-1\\.ports\\.0\\.port: `));
  });

  it('names the parent map when a required key is missing', () => {
    const text = serializeBaseline(baseline).replace(/^ {4}kernel: .*\n/m, '');
    expect(() => parseBaseline(text, 'prod.yaml')).toThrow(/^prod\.yaml:\d+:5: hosts\.web-1\.kernel: /);
  });

  it('says a newer format needs a newer Prodlike, and a foreign file is not a baseline', () => {
    expect(() => parseBaseline('format: prodlike-baseline/2\n', 'n.yaml')).toThrow('n.yaml:1:9: n.yaml was written by a newer Prodlike (prodlike-baseline/2); upgrade');
    expect(() => parseBaseline('name: shop-dev\nmachines: {}\n', 'p.yaml')).toThrow('p.yaml:1:1: not a Prodlike baseline: expected format: prodlike-baseline/1, found no format');
  });

  it('reports YAML syntax errors with their position', () => {
    expect(() => parseBaseline('format: prodlike-baseline/1\nhosts:\n  a: [1, 2\n', 'x.yaml')).toThrow(/^x\.yaml:\d+:\d+: the baseline is not valid YAML/);
    expect(() => parseBaseline('format: prodlike-baseline/1\nprofile: a\nprofile: b\n', 'd.yaml')).toThrow(/^d\.yaml:3:1: .*[Uu]nique/);
  });
});
