// Bad input: one clear ProfileError that names file:line:col, the key, what was expected and what was
// found, with a hint, and no stack trace in the message.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { WEB, folder, profileError } from './fixture.js';

const env = {};

async function load(text: string, files: Record<string, string> = {}) {
  const dir = await folder({ ...files, 'p.yaml': text });
  return profileError(loadProfile(join(dir, 'p.yaml'), { env }));
}

describe('a bad profile', () => {
  it('with malformed YAML names the position the YAML parser gives', async () => {
    const err = await load('name: x\nmachines:\n  web: [unclosed\n');
    expect(err.message).toMatch(/p\.yaml:\d+:\d+: invalid YAML: /);
    expect(err.where).toMatch(/p\.yaml:\d+:\d+$/);
    expect(err.message).not.toMatch(/\n\s+at /);
  });

  it('with a duplicate key says so at the second one', async () => {
    const err = await load(`name: x\nname: y\n${WEB}`);
    expect(err.message).toMatch(/p\.yaml:2:1: invalid YAML: Map keys must be unique/);
  });

  it('an unknown key names its line and suggests the right one', async () => {
    const err = await load('name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resorces: []\n');
    expect(err.message).toMatch(/p\.yaml:5:5: machines\.web: unknown key "resorces" \(did you mean "resources"\?\)/);
    expect(err.where).toMatch(/p\.yaml:5:5$/);
    expect(err.hint).toBe('rename "resorces" to "resources"');
  });

  it('a port or a volume that cannot be parsed is a located error at validate time, not at up', async () => {
    const port = await load('name: x\nmachines:\n  web:\n    docker:\n      image: debian:bookworm\n      ports: ["8080:80", "99999:80"]\n');
    expect(port.message).toMatch(/p\.yaml:6:26: machines\.web\.docker\.ports\[1\]: expected a port such as .*\(99999 is not between 1 and 65535\), found the string "99999:80"/);
    const vol = await load('name: x\nmachines:\n  web:\n    docker:\n      image: debian:bookworm\n      volumes:\n        - "data:relative/path"\n');
    expect(vol.message).toMatch(/p\.yaml:7:11: machines\.web\.docker\.volumes\[0\]: expected a volume such as .*\(the path in the container must be absolute\)/);
  });

  it('an unknown resource attribute suggests the attribute of that kind', async () => {
    const err = await load(`name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n      - file: /etc/x\n        contnet: hi\n`);
    expect(err.message).toMatch(/p\.yaml:7:9: machines\.web\.resources\[0\]: unknown key "contnet" \(did you mean "content"\?\)/);
  });

  it('an unknown resource kind suggests the kind', async () => {
    const err = await load(`name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n      - pakage: nginx\n`);
    expect(err.message).toMatch(/p\.yaml:6:9: machines\.web\.resources\[0\]: unknown resource kind "pakage" \(did you mean "package"\?\)/);
  });

  it('a resource whose kind is not its first key says to move it', async () => {
    const err = await load(`name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n      - state: running\n        service: nginx\n`);
    expect(err.message).toMatch(/p\.yaml:6:9: .*first key must be the resource's kind, found "state" before "service"/);
  });

  it('a numeric mode is rejected with the reason YAML gives it', async () => {
    const err = await load(`name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n      - file: /etc/x\n        mode: 0644\n`);
    expect(err.message).toBe(`${err.where}: machines.web.resources[0].mode: expected a string like "0644", found the number 644`);
    expect(err.where).toMatch(/p\.yaml:7:15$/);
    expect(err.hint).toMatch(/"0644"/);
  });

  it('a wrong type says what was expected and what was found', async () => {
    const err = await load('name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm, ports: 8080 }\n');
    expect(err.message).toMatch(/p\.yaml:4:46: machines\.web\.docker\.ports: expected a list of ports such as "127\.0\.0\.1:8080:80", found the number 8080/);
  });

  it('a cache.from that is not a registry repository is a located error at validate time, saying what to write', async () => {
    const upper = await load(`name: x\ncache: { from: "127.0.0.1:5391/RhTwoB" }\n${WEB}`);
    expect(upper.message).toMatch(/p\.yaml:2:16: cache\.from: expected a registry repository without a tag or digest, in lowercase, such as 127\.0\.0\.1:5000\/shop-cache \("RhTwoB" has uppercase letters/);
    expect(upper.where).toMatch(/p\.yaml:2:16$/);
    expect(upper.hint).toMatch(/127\.0\.0\.1:5000\/shop-cache/);
    const tagged = await load(`name: x\ncache:\n  from: 127.0.0.1:5391/rhtwob:v1\n${WEB}`);
    expect(tagged.message).toMatch(/p\.yaml:3:9: cache\.from: expected a registry repository .*\(":v1" is a tag/);
    const digest = await load(`name: x\ncache: { from: "r.example.com/shop@sha256:${'0'.repeat(64)}" }\n${WEB}`);
    expect(digest.message).toMatch(/cache\.from: .*is a digest/);
  });

  it('a cache.from that is a registry repository is taken as written', async () => {
    const dir = await folder({ 'p.yaml': `name: x\ncache: { from: 127.0.0.1:5000/team/shop-cache }\n${WEB}` });
    const p = await loadProfile(join(dir, 'p.yaml'), { env });
    expect(p.cache).toEqual({ from: '127.0.0.1:5000/team/shop-cache' });
  });

  it('a missing required key names the map it belongs in', async () => {
    const err = await load('name: x\nmachines:\n  db:\n    ssh: { port: 2222 }\n');
    expect(err.message).toMatch(/p\.yaml:4:5: machines\.db\.ssh: "host" is required: expected a host name or address/);
    expect(err.message).toMatch(/"user" is required/);
  });

  it('a machine with both docker: and ssh: is an error at the machine', async () => {
    const err = await load('name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    ssh: { host: h, user: u }\n');
    expect(err.message).toMatch(/p\.yaml:3:3: machines\.web: has both docker: and ssh:, expected exactly one/);
  });

  it('a machine with neither docker: nor ssh: is an error at the machine', async () => {
    const err = await load('name: x\nmachines:\n  web:\n    resources: []\n');
    expect(err.message).toMatch(/p\.yaml:3:3: machines\.web: has neither docker: nor ssh:/);
  });

  it('a machine name that cannot be a container name is rejected', async () => {
    const err = await load('name: x\nmachines:\n  Web_1:\n    docker: { image: debian:bookworm }\n');
    expect(err.message).toMatch(/p\.yaml:3:3: machines\.Web_1: expected a machine name of lowercase letters/);
  });

  it('a missing name is required at the top', async () => {
    const err = await load(WEB);
    expect(err.message).toMatch(/p\.yaml:1:1: "name" is required/);
  });

  it('a duplicate resource names both lines', async () => {
    const err = await load(`name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n      - package: nginx\n      - package: curl\n      - package: nginx\n        state: absent\n`);
    expect(err.message).toMatch(/p\.yaml:8:9: machines\.web\.resources\[2\]: duplicate resource package:nginx \(also at line 6\)/);
  });

  it('a missing extends file is named, at the line of the extends', async () => {
    const err = await load(`name: x\nextends: ./nope.yaml\n${WEB}`);
    expect(err.message).toMatch(/p\.yaml:2:10: extends: file not found: .*nope\.yaml/);
  });

  it('an extends cycle names the chain', async () => {
    const err = await load(`name: x\nextends: ./a.yaml\n${WEB}`, {
      'a.yaml': 'abstract: true\nextends: ./b.yaml\n',
      'b.yaml': 'abstract: true\nextends: ./p.yaml\n',
    });
    expect(err.message).toMatch(/b\.yaml:2:10: extends: extends forms a cycle: .*p\.yaml → .*a\.yaml → .*b\.yaml → .*p\.yaml/);
  });

  it('a profile extending itself is a cycle too', async () => {
    const err = await load(`name: x\nextends: ./p.yaml\n${WEB}`);
    expect(err.message).toMatch(/p\.yaml:2:10: extends: extends forms a cycle/);
  });

  it('src: that escapes the profile\'s folder is refused', async () => {
    const err = await load(`name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n      - file: /etc/passwd-copy\n        src: ../../../../etc/passwd\n`);
    expect(err.message).toMatch(/p\.yaml:7:14: machines\.web\.resources\[0\]\.src: "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" points outside the profile's folder/);
  });

  it('src: through a symlink that points outside the folder is refused', async () => {
    const dir = await folder({
      'p.yaml': `name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n      - file: /etc/h\n        src: files/hosts\n`,
    });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'files'));
    await symlink('/etc/hosts', join(dir, 'files', 'hosts'));
    const err = await profileError(loadProfile(join(dir, 'p.yaml'), { env }));
    expect(err.message).toMatch(/p\.yaml:7:14: .*src: "files\/hosts" is a symbolic link to a file outside the profile's folder/);
  });

  it('an absolute src: is refused', async () => {
    const err = await load(`name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n      - file: /etc/h\n        src: /etc/hosts\n`);
    expect(err.message).toMatch(/must be a path relative to the profile file/);
  });

  it('reports every problem, one per line, in file order', async () => {
    const err = await load(`name: Bad Name\nrole: staging\nmachines:\n  web:\n    docker: { image: debian:bookworm, privileged: yes }\n`);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/p\.yaml:1:7: name: expected a name of lowercase letters/);
    expect(lines[1]).toMatch(/p\.yaml:2:7: role: expected dev, test or production, found the string "staging"/);
    expect(lines[2]).toMatch(/p\.yaml:5:51: machines\.web\.docker\.privileged: expected true or false, found the string "yes"/);
    expect((err.details as { problems: unknown[] }).problems).toHaveLength(3);
  });

  it('an error in an inherited value names the parent file', async () => {
    const err = await load(`name: x\nextends: ./base.yaml\n${WEB}`, {
      'base.yaml': 'abstract: true\nmachines:\n  web:\n    resources:\n      - directory: srv\n',
    });
    expect(err.message).toMatch(/base\.yaml:5:20: machines\.web\.resources\[0\]\.directory: expected an absolute directory path/);
  });
});
