// extends: maps merge deeply, resources merge by identity, other lists replace; parents load first.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { folder, profileError } from './fixture.js';

const env = {};

const PARENT = `abstract: true
description: parent
role: test
vars: { greeting: hello, region: eu }
machines:
  web:
    docker:
      image: debian:bookworm
      ports: ["127.0.0.1:8080:80", "127.0.0.1:8443:443"]
      env: { A: "1", B: "2" }
    resources:
      - package: nginx
        version: "1.22.*"
      - file: /etc/motd
        content: "\${vars.greeting}\\n"
        mode: "0644"
        owner: root
      - line: /etc/environment
        match: ^REGION=
        text: REGION=\${vars.region}
      - service: nginx
`;

async function child(text: string, files: Record<string, string> = {}) {
  const dir = await folder({ 'base.yaml': PARENT, ...files, 'child.yaml': text });
  return { dir, load: () => loadProfile(join(dir, 'child.yaml'), { env }) };
}

describe('extends', () => {
  it('a child resource with the same kind and name replaces only the attributes it names', async () => {
    const { load } = await child(`name: c\nextends: ./base.yaml\nmachines:\n  web:\n    resources:\n      - file: /etc/motd\n        mode: "0600"\n`);
    const p = await load();
    const motd = p.machines[0]!.resources.find((r) => r.id === 'file:/etc/motd');
    expect(motd).toMatchObject({ mode: '0600', owner: 'root', content: 'hello\n' });
  });

  it('merged resources keep the parent\'s order and new ones come after', async () => {
    const { load } = await child(`name: c\nextends: ./base.yaml\nmachines:\n  web:\n    resources:\n      - directory: /srv\n      - package: nginx\n        state: absent\n`);
    const p = await load();
    expect(p.machines[0]!.resources.map((r) => r.id)).toEqual(['package:nginx', 'file:/etc/motd', 'line:/etc/environment:^REGION=', 'service:nginx', 'directory:/srv']);
    expect(p.machines[0]!.resources[0]).toMatchObject({ state: 'absent', version: '1.22.*' });
  });

  it('drop: true removes an inherited resource', async () => {
    const { load } = await child(`name: c\nextends: ./base.yaml\nmachines:\n  web:\n    resources:\n      - service: nginx\n        drop: true\n`);
    const p = await load();
    expect(p.machines[0]!.resources.map((r) => r.id)).not.toContain('service:nginx');
  });

  it('a line is identified by its file and match, so a child can change its text', async () => {
    const { load } = await child(`name: c\nextends: ./base.yaml\nmachines:\n  web:\n    resources:\n      - line: /etc/environment\n        match: ^REGION=\n        text: REGION=us\n`);
    const lines = (await load()).machines[0]!.resources.filter((r) => r.kind === 'line');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ text: 'REGION=us', id: 'line:/etc/environment:^REGION=' });
  });

  it('a key set to null (~) removes the inherited value', async () => {
    const { load } = await child(`name: c\nextends: ./base.yaml\nmachines:\n  web:\n    resources:\n      - package: nginx\n        version: ~\n`);
    const nginx = (await load()).machines[0]!.resources[0]!;
    expect(nginx).not.toHaveProperty('version');
  });

  it('maps merge deeply and other lists replace', async () => {
    const { load } = await child(`name: c\nextends: ./base.yaml\nmachines:\n  web:\n    docker:\n      ports: ["127.0.0.1:9090:80"]\n      env: { B: "two", C: "3" }\n`);
    const docker = (await load()).machines[0]!.docker!;
    expect(docker.ports).toEqual(['127.0.0.1:9090:80']);
    expect(docker.env).toEqual({ A: '1', B: 'two', C: '3' });
    expect(docker.image).toBe('debian:bookworm');
  });

  it('a child naming ssh: replaces an inherited docker:', async () => {
    const { load } = await child(`name: c\nextends: ./base.yaml\nmachines:\n  web:\n    ssh: { host: 127.0.0.1, port: 2222, user: vagrant }\n`);
    const web = (await load()).machines[0]!;
    expect(web.docker).toBeUndefined();
    expect(web.ssh).toMatchObject({ host: '127.0.0.1', port: 2222, user: 'vagrant', agent: true });
  });

  it('role and vars are inherited unless the child sets them; name is the child\'s own', async () => {
    const { load } = await child(`name: c\nextends: ./base.yaml\nvars: { greeting: hi }\n`);
    const p = await load();
    expect(p).toMatchObject({ name: 'c', role: 'test', description: 'parent', vars: { greeting: 'hi', region: 'eu' } });
    expect(p.machines[0]!.resources.find((r) => r.id === 'file:/etc/motd')).toMatchObject({ content: 'hi\n' });
  });

  it('several parents merge in order, the later one winning, and the child over both', async () => {
    const { load, dir } = await child(`name: c\nextends: [./base.yaml, ./second.yaml]\nrole: dev\n`, {
      'second.yaml': `abstract: true\nrole: production\nvars: { region: us }\nmachines:\n  web:\n    docker: { image: debian:trixie }\n  db:\n    docker: { image: postgres:16 }\n`,
    });
    const p = await load();
    expect(p.role).toBe('dev');
    expect(p.vars.region).toBe('us');
    expect(p.machines.map((m) => [m.name, m.docker!.image])).toEqual([['web', 'debian:trixie'], ['db', 'postgres:16']]);
    expect(p.files).toEqual([join(dir, 'child.yaml'), join(dir, 'base.yaml'), join(dir, 'second.yaml')]);
  });

  it('a parent\'s parent is merged first (a chain of three)', async () => {
    const { load } = await child(`name: c\nextends: ./mid.yaml\n`, {
      'mid.yaml': `abstract: true\nextends: ./base.yaml\nmachines:\n  web:\n    resources:\n      - file: /etc/motd\n        drop: true\n`,
    });
    expect((await load()).machines[0]!.resources.map((r) => r.id)).toEqual(['package:nginx', 'line:/etc/environment:^REGION=', 'service:nginx']);
  });

  it('a drop: true that matches no inherited resource is an error at that resource', async () => {
    const { load } = await child(`name: c\nextends: ./base.yaml\nmachines:\n  web:\n    resources:\n      - service: apache2\n        drop: true\n`);
    const err = await profileError(load());
    expect(err.message).toMatch(/child\.yaml:6:9: machines\.web\.resources\[\d\]: drop: true, but no inherited resource service:apache2 to drop/);
  });

  it('a parent reached twice (a diamond) contributes its resources once', async () => {
    const { load } = await child(`name: c\nextends: [./left.yaml, ./right.yaml]\n`, {
      'left.yaml': 'abstract: true\nextends: ./base.yaml\nvars: { region: left }\n',
      'right.yaml': 'abstract: true\nextends: ./base.yaml\n',
    });
    const p = await load();
    expect(p.machines[0]!.resources.map((r) => r.id)).toEqual(['package:nginx', 'file:/etc/motd', 'line:/etc/environment:^REGION=', 'service:nginx']);
    // right.yaml, listed later, wins with what it inherited from base.yaml over left.yaml's own value.
    expect(p.vars.region).toBe('eu');
  });
});
