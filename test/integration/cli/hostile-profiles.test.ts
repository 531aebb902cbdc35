// A profile folder with hostile files: the profile list (what the app and the browser mode load) and
// `validate` answer at once, each bad file with a located error, and nothing from outside the profile
// tree is read or shown.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../../support/cli.js';

const TOKEN = 'tok-9fK2xQ7LmZ3vR8tY1wB4n' + Math.random().toString(36).slice(2, 8);
const WEB = 'machines:\n  web:\n    docker: { image: debian:bookworm }\n';

let ws: Workspace;
beforeAll(async () => {
  ws = await workspace();
  await ws.write('profiles/environ.yaml', `name: environ\nextends: /proc/self/environ\n${WEB}`);
  await ws.write('profiles/climb.yaml', `name: climb\nextends: ../../../../../../../../../proc/self/environ\n${WEB}`);
  await ws.write('profiles/fifo.yaml', `name: fifo\nextends: ./pipe.yaml\n${WEB}`);
  execFileSync('mkfifo', [path.join(ws.dir, 'profiles/pipe.yaml')]);
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) laughs.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);
  await ws.write('profiles/laughs.yaml', `name: laughs\nvars:\n  ${laughs.join('\n  ')}\n${WEB}`);
  const doubling = ['v0: xx', ...Array.from({ length: 29 }, (_, i) => `v${i + 1}: "\${vars.v${i}}\${vars.v${i}}"`)];
  await ws.write('profiles/doubling.yaml', `name: doubling\nvars:\n  ${doubling.join('\n  ')}\n${WEB}`);
  await ws.write('profiles/brackets.yaml', `name: brackets\nvars: { a: ${'['.repeat(20_000)}${']'.repeat(20_000)} }\n${WEB}`);
  await ws.write('profiles/good.yaml', `name: good\n${WEB}`);
});

describe('hostile profiles', () => {
  it('the profile list answers at once, each bad profile with a located error', async () => {
    const r = await ws.run(['list', '--json'], { env: { SECRET_TOKEN: TOKEN }, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
    const list = JSON.parse(r.stdout) as { name: string; error?: { message: string } }[];
    const byName = new Map(list.map((p) => [p.name, p]));
    expect(byName.get('good')?.error).toBeUndefined();
    const expected: Record<string, RegExp> = {
      environ: /environ\.yaml:2:10: extends: "\/proc\/self\/environ" must be a path relative to this file/,
      climb: /climb\.yaml:2:10: extends: ".*" points outside the profile tree/,
      fifo: /fifo\.yaml:2:10: extends: "\.\/pipe\.yaml": expected a regular file, found a special file/,
      laughs: /laughs\.yaml:\d+:\d+: the file holds more than 100000 values/,
      doubling: /doubling\.yaml:\d+:\d+: vars\.v\d+: expands to more than 1048576 characters/,
      brackets: /brackets\.yaml:2:\d+: more than 256 brackets/,
    };
    for (const [name, message] of Object.entries(expected)) expect(byName.get(name)?.error?.message, name).toMatch(message);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('validate refuses an extends of /proc/self/environ without showing what is in it', async () => {
    const r = await ws.run(['validate', 'profiles/environ.yaml'], { env: { SECRET_TOKEN: TOKEN } });
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/environ\.yaml:2:10: extends: "\/proc\/self\/environ" must be a path relative to this file/);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('validate of a FIFO named as the profile returns at once', async () => {
    const r = await ws.run(['validate', 'profiles/pipe.yaml'], { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    // Not a file, so not a profile: the CLI says so instead of waiting for a writer.
    expect(r.stderr + r.stdout).toMatch(/profile not found: "profiles\/pipe\.yaml"/);
    expect(r.ms).toBeLessThan(10_000);
  });
});
