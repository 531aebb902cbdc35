// `validate` refuses what the engine could not apply on a machine's shell, with file:line:col, instead
// of accepting it and failing (or worse) at run time.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { folder, profileError } from './fixture.js';

/** A profile with one resource (YAML, its later lines indented under the list item). */
function profile(resource: string): string {
  return `name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n      - ${resource}\n`;
}

async function refused(resource: string) {
  const dir = await folder({ 'p.yaml': profile(resource) });
  return profileError(loadProfile(join(dir, 'p.yaml'), { env: {} }));
}

async function accepted(resource: string) {
  const dir = await folder({ 'p.yaml': profile(resource) });
  return (await loadProfile(join(dir, 'p.yaml'), { env: {} })).machines[0]!.resources[0]!;
}

describe('validate refuses what no shell can apply', () => {
  // [resource YAML, key path in the message, line:col of the value, what the message says]
  const cases: [string, string, string, RegExp][] = [
    ['file: "/etc/a\\0b"', 'resources[0].file', '6:15', /a single line \(no newline or NUL\)/],
    ['directory: "/srv/a\\nb"', 'resources[0].directory', '6:20', /a single line/],
    ['line: /etc/hosts\n        text: "a\\nb"', 'resources[0].text', '7:15', /a single line/],
    ['line: /etc/hosts\n        text: a\n        match: "^a\\0"', 'resources[0].match', '8:16', /a single line/],
    ['file: /etc/a\n        owner: "-R"', 'resources[0].owner', '7:16', /a user name such as "www-data"/],
    ['directory: /srv/a\n        group: "root:root"', 'resources[0].group', '7:16', /a group name/],
    ['user: "-shop"', 'resources[0].user', '6:15', /a user name such as/],
    ['user: "1000"', 'resources[0].user', '6:15', /not all digits/],
    ['user: shop\n        groups: [adm, "-G0"]', 'resources[0].groups[1]', '7:23', /a group name/],
    ['user: shop\n        uid: "1000; id"', 'resources[0].uid', '7:14', /a numeric uid/],
    ['user: shop\n        uid: 1e20', 'resources[0].uid', '7:14', /below 4294967295/],
    ['user: shop\n        shell: "/bin/sh:x"', 'resources[0].shell', '7:16', /without ":", newline or NUL/],
    ['user: shop\n        home: "/home/a:b"', 'resources[0].home', '7:15', /without ":"/],
    ['group: "--gid"', 'resources[0].group', '6:16', /a group name/],
    ['group: app\n        gid: "0 || id"', 'resources[0].gid', '7:14', /a numeric gid/],
    ['command: "echo \\0"', 'resources[0].command', '6:18', /without a NUL/],
    ['command: make\n        cwd: "/srv\\0"', 'resources[0].cwd', '7:14', /without a NUL/],
    ['command: make\n        env: { "A B": x }', 'resources[0].env["A B"]', '7:23', /environment variable names/],
    ['command: make\n        env: { A: "x\\0" }', 'resources[0].env.A', '7:19', /without a NUL/],
    ['env: X\n        value: "a\\nb"', 'resources[0].value', '7:16', /newline or NUL/],
    ['env: X\n        value: "it\'s $(id)"', 'resources[0].value', '7:16', /both a single quote and a \$ or backtick/],
    ['env: X\n        value: \'a"b\'', 'resources[0].value', '7:16', /double quote/],
    ['package: "-oAPT::x"', 'resources[0].package', '6:18', /a package name such as "nginx"/],
    ['package: nginx\n        version: "1.2; id"', 'resources[0].version', '7:18', /a version or a glob/],
    ['service: "--now"', 'resources[0].service', '6:18', /a service name such as "nginx"/],
  ];
  it.each(cases)('%j', async (resource, key, at, words) => {
    const err = await refused(resource);
    expect(err.message).toContain(`p.yaml:${at}: machines.web.${key}: expected`);
    expect(err.message).toMatch(words);
  });

  it('still accepts what can be applied, quoted by the engine', async () => {
    expect(await accepted('file: "/srv/it\'s $(x) `y`"\n        owner: www-data\n        group: "1000"')).toMatchObject({ name: "/srv/it's $(x) `y`", owner: 'www-data', group: '1000' });
    expect(await accepted('command: "echo \'$X\'"\n        cwd: "/srv/app\' || exit 111; id; \'"\n        env: { X: "a\\nb $(id)" }')).toMatchObject({ cwd: "/srv/app' || exit 111; id; '" });
    expect(await accepted('env: X\n        value: "$(touch /tmp/x) `id`"')).toMatchObject({ value: '$(touch /tmp/x) `id`' });
    expect(await accepted('env: X\n        value: "it\'s"')).toMatchObject({ value: "it's" });
    expect(await accepted('user: shop\n        groups: www-data\n        shell: /bin/bash\n        uid: 1500')).toMatchObject({ groups: ['www-data'], uid: 1500 });
    expect(await accepted('line: /etc/hosts\n        text: "a \'$b\' `c`"')).toMatchObject({ text: "a '$b' `c`" });
  });
});
