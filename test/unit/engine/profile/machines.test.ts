// What a loaded machine looks like: defaults filled in, paths made absolute, values as Docker wants them.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { folder } from './fixture.js';

async function load(text: string, files: Record<string, string> = {}) {
  const dir = await folder({ ...files, 'p.yaml': text });
  return { dir, p: await loadProfile(join(dir, 'p.yaml'), { env: {} }) };
}

describe('a loaded machine', () => {
  it('docker: defaults, a string command run by sh, env values as strings', async () => {
    const { p } = await load(`name: shop\nmachines:\n  web:\n    docker:\n      image: debian:bookworm\n      command: sleep infinity\n      env: { PORT: 8080, DEBUG: true, VERSION: 1.10 }\n      ports: [80, "8443:443"]\n`);
    expect(p.role).toBe('dev');
    expect(p.machines[0]!.docker).toEqual({
      image: 'debian:bookworm',
      command: ['sh', '-c', 'sleep infinity'],
      env: { PORT: '8080', DEBUG: 'true', VERSION: '1.10' },
      ports: ['80', '8443:443'],
      volumes: [],
      privileged: false,
    });
  });

  it('docker build: the context is relative to the profile file and the image is named after profile and machine', async () => {
    const { p, dir } = await load(`name: shop\nmachines:\n  app:\n    docker:\n      build: ./app\n      volumes: ["./data:/srv/data:ro", "cache:/var/cache"]\n`);
    expect(p.machines[0]!.docker).toMatchObject({
      image: 'prodlike/shop-app:latest',
      build: { context: join(dir, 'app'), args: {} },
      volumes: [`${join(dir, 'data')}:/srv/data:ro`, 'cache:/var/cache'],
    });
  });

  it('ssh: port 22, agent when no identity, timeouts in milliseconds, ~ expanded, jump defaults', async () => {
    const { p } = await load(`name: shop\nmachines:\n  a:\n    ssh: { host: h, user: u }\n  b:\n    ssh:\n      host: h\n      user: u\n      identity: ~/.ssh/id\n      connect_timeout: 2.5\n      command_timeout: 60\n      jump: bastion\n`);
    expect(p.machines[0]!.ssh).toEqual({ host: 'h', port: 22, user: 'u', agent: true, become: false, connectTimeoutMs: 10_000, commandTimeoutMs: 600_000 });
    expect(p.machines[1]!.ssh).toEqual({
      host: 'h',
      port: 22,
      user: 'u',
      identity: join(homedir(), '.ssh/id'),
      agent: false,
      become: false,
      connectTimeoutMs: 2500,
      commandTimeoutMs: 60_000,
      jump: { host: 'bastion', port: 22, user: 'u', identity: join(homedir(), '.ssh/id') },
    });
  });

  it('resources get their identity, position and defaults', async () => {
    const { p, dir } = await load(`name: shop
machines:
  web:
    docker: { image: debian:bookworm }
    resources:
      - package: nginx
      - file: /etc/motd
        src: files/motd
        mode: "644"
      - line: /etc/hosts
        match: ^10\\.0\\.0\\.1
        state: absent
      - user: shop
        groups: www-data
      - group: shop
        gid: 1500
      - command: make
        creates: /srv/app/dist
        env: { JOBS: 4 }
      - env: SHOP_ENV
        value: dev
      - service: nginx
        enabled: false
`, { 'files/motd': 'welcome\n' });
    const r = p.machines[0]!.resources;
    expect(r.map((x) => x.id)).toEqual([
      'package:nginx',
      'file:/etc/motd',
      'line:/etc/hosts:^10\\.0\\.0\\.1',
      'user:shop',
      'group:shop',
      'command:make',
      'env:SHOP_ENV',
      'service:nginx',
    ]);
    expect(r[0]).toEqual({ id: 'package:nginx', kind: 'package', name: 'nginx', state: 'present', pos: { file: join(dir, 'p.yaml'), line: 6, col: 9 } });
    expect(r[1]).toMatchObject({ content: 'welcome\n', src: join(dir, 'files/motd'), mode: '0644', state: 'present' });
    expect(r[2]).toMatchObject({ text: '', match: '^10\\.0\\.0\\.1', state: 'absent' });
    expect(r[3]).toMatchObject({ groups: ['www-data'], system: false, state: 'present' });
    expect(r[4]).toMatchObject({ gid: 1500, system: false });
    expect(r[5]).toMatchObject({ creates: '/srv/app/dist', env: { JOBS: '4' } });
    expect(r[6]).toMatchObject({ value: 'dev', state: 'present' });
    expect(r[7]).toMatchObject({ state: 'running', enabled: false });
  });

  it('YAML anchors and merge keys work as in any YAML file', async () => {
    const { p: q } = await load(`name: shop\nmachines:\n  a:\n    ssh: &ssh { host: a, user: deploy, port: 2200 }\n  b:\n    ssh: { <<: *ssh, host: b }\n`);
    expect(q.machines[1]!.ssh).toMatchObject({ host: 'b', user: 'deploy', port: 2200 });
  });
});
