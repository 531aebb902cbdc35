// The same resources with busybox's sh and applets first on PATH (stat, awk, sed, mktemp, base64, ...),
// the way they are on Alpine and other small images. Tools busybox lacks (useradd, getent) come after.

import { describe, expect, it } from 'vitest';
import type { ResourceSpec } from '../../../shared/profile.js';
import { probeAll } from '../../../electron/engine/resources/index.js';
import { useContainer } from '../../support/docker-cli-transport.js';
import { converge } from './converge.js';

const { t, sh } = useContainer({
  setup: (sh) => sh('apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -q -y install busybox >/dev/null && mkdir -p /bb && busybox --install -s /bb'),
  shell: ['env', 'PATH=/bb:/usr/sbin:/usr/bin:/sbin:/bin', '/bb/sh', '-c'],
});

describe('resources under busybox sh and applets', () => {
  it('runs the probe with busybox applets', async () => {
    const res = await t.exec('readlink -f "$(command -v stat)"; readlink -f "$(command -v awk)"');
    expect(res.stdout.trim().split('\n')).toEqual(['/usr/bin/busybox', '/usr/bin/busybox']);
  });

  const specs: ResourceSpec[] = [
    { id: 'file', kind: 'file', name: '/srv/bb/conf', content: "odd 'content'\n\\n $x\n", mode: '0600', owner: 'www-data', state: 'present' },
    { id: 'directory', kind: 'directory', name: '/srv/bb/data', mode: '0700', group: 'adm', state: 'present' },
    { id: 'line', kind: 'line', name: '/srv/bb/conf', text: 'port=1', match: '^port=', state: 'present' },
    { id: 'env', kind: 'env', name: 'BB', value: 'a b', state: 'present' },
    { id: 'group', kind: 'group', name: 'bbgroup', gid: 3000, system: false, state: 'present' },
    { id: 'user', kind: 'user', name: 'bbuser', groups: ['bbgroup'], system: false, state: 'present' },
    { id: 'command', kind: 'command', name: 'echo done > /srv/bb/cmd', creates: '/srv/bb/cmd', env: {} },
  ];
  it.each(specs.map((s) => [s.id, s] as const))('converges a %s', async (_id, spec) => {
    await converge(t, spec);
  });

  it('verifies what was applied, independently', () => {
    expect(sh('stat -c "%a %U" /srv/bb/conf; cat /srv/bb/conf')).toBe("600 www-data\nodd 'content'\n\\n $x\nport=1");
    expect(sh('stat -c "%a %G" /srv/bb/data')).toBe('700 adm');
    expect(sh('grep BB /etc/environment')).toBe('BB="a b"');
    expect(sh('id -Gn bbuser')).toContain('bbgroup');
    expect(sh('cat /srv/bb/cmd')).toBe('done');
  });

  it('probes everything again in one exec, all in sync', async () => {
    const out = await probeAll(t, specs);
    expect([...out.values()].filter((o) => o.error)).toEqual([]);
  });
});
