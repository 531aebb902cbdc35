// The probe's output formats, one tool at a time: dpkg, rpm, apk, ss, netstat, /proc/net, systemd, sysv.

import { describe, expect, it } from 'vitest';
import {
  parseAccounts,
  parseEnv,
  parseFacts,
  parsePackages,
  parsePaths,
  parsePorts,
  parseSystemd,
  parseSysv,
  procAddress,
} from '../../../../electron/engine/facts/parse.js';
import { probeScript } from '../../../../electron/engine/facts/facts-script.js';

describe('packages', () => {
  it('dpkg: only installed ones; a second architecture gets name:arch', () => {
    const r = parsePackages(['manager=dpkg', 'ii \tnginx\tamd64\t1.22.1-9', 'rc \told\tamd64\t1.0', 'ii \tlibc6\tamd64\t2.36-9', 'ii \tlibc6\ti386\t2.36-9', 'hi \theld\tall\t3']);
    expect(r).toEqual({ manager: 'dpkg', packages: { held: '3', libc6: '2.36-9', 'libc6:i386': '2.36-9', nginx: '1.22.1-9' } });
  });
  it('rpm: epoch when there is one, no gpg-pubkey', () => {
    const r = parsePackages(['manager=rpm', 'bash\tx86_64\t(none)\t5.1.8-6.el9', 'openssl\tx86_64\t1\t3.0.7-24.el9', 'gpg-pubkey\t(none)\t(none)\tabc-def']);
    expect(r.packages).toEqual({ bash: '5.1.8-6.el9', openssl: '1:3.0.7-24.el9' });
  });
  it('apk: splits name and version at the version', () => {
    const r = parsePackages(['manager=apk', 'musl-1.2.4-r2', 'ca-certificates-bundle-20230506-r0', 'py3-foo-bar-1.0_rc1-r3']);
    expect(r.packages).toEqual({ 'ca-certificates-bundle': '20230506-r0', musl: '1.2.4-r2', 'py3-foo-bar': '1.0_rc1-r3' });
  });
});

describe('ports', () => {
  it('ss', () => {
    const r = parsePorts([
      'tool=ss',
      'Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process',
      'udp   UNCONN 0      0      127.0.0.53%lo:53        0.0.0.0:*',
      'tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*',
      'tcp   LISTEN 0      128             [::]:22           [::]:*',
      'tcp   LISTEN 0      511                *:80              *:*',
    ]);
    expect(r.ports).toEqual([
      { proto: 'tcp', address: '0.0.0.0', port: 22 },
      { proto: 'tcp', address: '::', port: 22 },
      { proto: 'tcp', address: '::', port: 80 },
      { proto: 'udp', address: '127.0.0.53', port: 53 },
    ]);
  });
  it('netstat', () => {
    const r = parsePorts([
      'tool=netstat',
      'Active Internet connections (only servers)',
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State',
      'tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN',
      'tcp6       0      0 :::22                   :::*                    LISTEN',
      'udp        0      0 0.0.0.0:68              0.0.0.0:*',
    ]);
    expect(r.ports).toEqual([
      { proto: 'tcp', address: '0.0.0.0', port: 22 },
      { proto: 'tcp', address: '::', port: 22 },
      { proto: 'udp', address: '0.0.0.0', port: 68 },
    ]);
  });
  it('/proc/net: LISTEN tcp and unconnected udp only, addresses decoded', () => {
    const r = parsePorts([
      'tool=proc',
      'tcp   sl  local_address rem_address   st tx_queue rx_queue',
      'tcp   0: 00000000:0016 00000000:0000 0A 00000000:00000000',
      'tcp   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000',
      'tcp   2: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000',
      'tcp6  0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 0',
      'tcp6  1: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 0',
      'udp   0: 3500007F:0035 00000000:0000 07 00000000:00000000',
    ]);
    expect(r.ports).toEqual([
      { proto: 'tcp', address: '0.0.0.0', port: 22 },
      { proto: 'tcp', address: '::', port: 22 },
      { proto: 'tcp', address: '::ffff:127.0.0.1', port: 80 },
      { proto: 'tcp', address: '127.0.0.1', port: 8080 },
      { proto: 'udp', address: '127.0.0.53', port: 53 },
    ]);
  });
  it('decodes IPv6 with RFC 5952 compression', () => {
    expect(procAddress('00000000000000000000000001000000')).toBe('::1');
    expect(procAddress('000080FE00000000FF0000020100A8C0')).toBe('fe80::200:ff:c0a8:1');
  });
});

describe('services', () => {
  it('systemd: state from list-units, enabled from list-unit-files', () => {
    const s = parseSystemd(
      ['ssh.service loaded active running OpenBSD Secure Shell server', 'nginx.service loaded failed failed nginx', 'gone.service not-found inactive dead gone'],
      ['ssh.service enabled enabled', 'nginx.service disabled enabled', 'cron.service enabled enabled', 'getty@.service enabled enabled', 'dbus.service static -'],
    );
    expect(s).toEqual({
      cron: { state: 'stopped', enabled: true },
      dbus: { state: 'stopped' },
      nginx: { state: 'failed', enabled: false },
      ssh: { state: 'running', enabled: true },
    });
  });
  it('sysv: LSB status codes', () => {
    expect(parseSysv(['ssh\t0\tyes', 'nginx\t3\tno', 'odd\t4\tno'])).toEqual({
      nginx: { state: 'stopped', enabled: false },
      odd: { state: 'unknown', enabled: false },
      ssh: { state: 'running', enabled: true },
    });
  });
});

describe('accounts, env, paths', () => {
  it('users get their supplementary groups from the group members', () => {
    const r = parseAccounts(['root:x:0:0:root:/root:/bin/bash', 'app:x:1000:1000::/home/app:/bin/sh'], ['root:x:0:', 'app:x:1000:', 'www-data:x:33:app', 'sudo:x:27:app,root']);
    expect(r.users.app).toEqual({ uid: 1000, gid: 1000, home: '/home/app', shell: '/bin/sh', groups: ['sudo', 'www-data'] });
    expect(r.groups.sudo).toEqual({ gid: 27, members: ['app', 'root'] });
  });
  it('redacts secret-looking names and URLs with passwords, even if the host did not', () => {
    expect(parseEnv(['LANG="C.UTF-8"', 'AWS_SECRET_ACCESS_KEY=abc', 'github_token=ghp_x', 'DB=postgres://u:pw@h/d', 'PLAIN=https://example.com/x', 'X=<redacted>'])).toEqual({
      AWS_SECRET_ACCESS_KEY: '<redacted>',
      DB: '<redacted>',
      LANG: 'C.UTF-8',
      PLAIN: 'https://example.com/x',
      X: '<redacted>',
      github_token: '<redacted>',
    });
  });
  it('paths: file, unreadable file, directory, symlink, absent', () => {
    const sha = 'a'.repeat(64);
    expect(parsePaths([`file\t644\troot\troot\t${sha}\t/etc/a`, 'file\t640\troot\tshadow\t!unreadable\t/etc/shadow', 'directory\t2750\tw\tw\t\t/srv/my dir', 'symlink\t777\troot\troot\t/proc/mounts\t/etc/mtab', 'absent\t\t\t\t\t/nope'])).toEqual({
      '/etc/a': { type: 'file', mode: '0644', owner: 'root', group: 'root', sha256: sha },
      '/etc/shadow': { type: 'file', mode: '0640', owner: 'root', group: 'shadow', sha256: null },
      '/srv/my dir': { type: 'directory', mode: '2750', owner: 'w', group: 'w' },
      '/etc/mtab': { type: 'symlink', mode: '0777', owner: 'root', group: 'root', target: '/proc/mounts' },
      '/nope': { type: 'absent' },
    });
  });
});

describe('parseFacts', () => {
  it('names the OS it cannot probe', () => {
    expect(() => parseFacts('@@system\nkernel_name=Darwin\narch=arm64\nkernel=23.1.0\n', 'ssh root@mac:22')).toThrow('ssh root@mac:22 runs Darwin; Prodlike can probe only Linux hosts');
    const noPkg = '@@system\nkernel_name=Linux\n@@os-release\nPRETTY_NAME="Exotic Linux 1"\n@@packages\nmanager=none\n@@end\n';
    expect(() => parseFacts(noPkg, 'h:22')).toThrow('h:22 runs Exotic Linux 1, which has none of dpkg, rpm or apk');
  });
  it('quotes paths safely in the probe and refuses newlines', () => {
    expect(probeScript(["/tmp/it's here"]).split('\n')[0]).toBe(`set -- '/tmp/it'\\''s here'`);
    expect(() => probeScript(['/a\nb'])).toThrow('tab or newline');
  });
});
