// A production host as a baseline records it, and a local machine's facts that differ from it.

import type { BaselineHost } from '../../../../electron/engine/baseline-schema.js';
import type { HostFacts } from '../../../../electron/engine/facts/index.js';

export function prodHost(over: Partial<BaselineHost> = {}): BaselineHost {
  return {
    address: 'web-1.example:22',
    os: { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
    arch: 'x86_64',
    kernel: '6.1.0',
    package_manager: 'dpkg',
    packages: { nginx: '1.22.1-9', tree: '2.1.0-1', bash: '5.2.15-2+b2' },
    users: { root: { uid: 0, gid: 0, home: '/root', shell: '/bin/bash', groups: [] }, shop: { uid: 1001, gid: 1001, home: '/srv/shop', shell: '/bin/sh', groups: ['shop', 'www-data'] }, ghost: { absent: true } },
    groups: { shop: { gid: 1001, members: ['shop'] }, 'www-data': { gid: 33, members: ['shop'] }, legacy: { absent: true } },
    services: { nginx: { state: 'running', enabled: true }, cron: { state: 'running' } },
    ports: [],
    env: { SHOP_ENV: 'prod', DB_PASSWORD: '<redacted>' },
    files: {
      '/etc/shop.conf': { sha256: 'a'.repeat(64), mode: '640', owner: 'root', group: 'shop' },
      '/etc/gone.conf': { absent: true },
      '/etc/only-prod.conf': { sha256: 'c'.repeat(64), mode: '644', owner: 'root', group: 'root' },
    },
    directories: { '/srv/www': { mode: '755', owner: 'www-data', group: 'www-data' } },
    ...over,
  };
}

export function localFacts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', kernelName: 'Linux' },
    arch: 'x86_64',
    kernel: '6.8.0',
    packageManager: 'dpkg',
    packages: { nginx: '1.22.1-9', bash: '5.2.15-2+b2', less: '590-2' },
    users: { root: { uid: 0, gid: 0, home: '/root', shell: '/bin/bash', groups: [] }, shop: { uid: 1001, gid: 1001, home: '/srv/shop', shell: '/bin/sh', groups: ['shop'] } },
    groups: { shop: { gid: 1001, members: ['shop'] } },
    serviceManager: 'sysvinit',
    services: { nginx: { state: 'stopped' } },
    ports: [],
    portsSource: 'proc',
    env: { SHOP_ENV: 'dev', DB_PASSWORD: '<redacted>' },
    paths: {
      '/etc/shop.conf': { type: 'file', sha256: 'b'.repeat(64), mode: '644', owner: 'root', group: 'root' },
      '/etc/gone.conf': { type: 'absent' },
      '/etc/only-prod.conf': { type: 'absent' },
      '/srv/www': { type: 'directory', mode: '755', owner: 'www-data', group: 'www-data' },
    },
    ...over,
  };
}
