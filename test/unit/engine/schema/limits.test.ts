// Small files that used to hang the loader, exhaust its memory or crash it: each is now a located error
// (or a quick load), well within the time a profile list can wait.
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { editDistance, suggest } from '../../../../electron/engine/schema/problems.js';
import { WEB, folder, profileError } from '../profile/fixture.js';

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await p;
  return { value, ms: Date.now() - started };
}

async function loadText(text: string, extra: Record<string, string> = {}) {
  const dir = await folder({ 'p.yaml': text, ...extra });
  return loadProfile(join(dir, 'p.yaml'), { env: {} });
}

describe('bounded loading', () => {
  it('alias expansion ("billion laughs") stops at the value limit, located', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) levels.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
    const text = `name: x\nvars:\n  ${levels.join('\n  ')}\n${WEB}`;
    const { value: err, ms } = await timed(profileError(loadText(text)));
    expect(err.message).toMatch(/p\.yaml:\d+:\d+: the file holds more than 100000 values once its aliases \(\*name\) are expanded/);
    expect(ms).toBeLessThan(5000); // unbounded, this takes minutes; a loaded 2-core machine needs headroom
  });

  it('a variable doubling itself 29 times is a located error, not a RangeError', async () => {
    const vars = ['v0: "xx"'];
    for (let i = 1; i <= 29; i++) vars.push(`v${i}: "\${vars.v${i - 1}}\${vars.v${i - 1}}"`);
    const text = `name: x\nvars:\n  ${vars.join('\n  ')}\n${WEB}`;
    const { value: err, ms } = await timed(profileError(loadText(text)));
    expect(err.message).toMatch(/p\.yaml:\d+:\d+: vars\.v\d+: expands to more than 1048576 characters/);
    expect(ms).toBeLessThan(5000); // unbounded, this takes minutes; a loaded 2-core machine needs headroom
  });

  it('many strings each taking a large variable stop at the total', async () => {
    const vars = ['v0: "xxxxxxxxxxxxxxxx"'];
    for (let i = 1; i <= 15; i++) vars.push(`v${i}: "\${vars.v${i - 1}}\${vars.v${i - 1}}"`);
    const uses = Array.from({ length: 40 }, (_, i) => `      - env: E${i}\n        value: "\${vars.v15}"`).join('\n');
    const text = `name: x\nvars:\n  ${vars.join('\n  ')}\n${WEB}    resources:\n${uses}\n`;
    const err = await profileError(loadText(text));
    expect(err.message).toMatch(/p\.yaml:\d+:\d+: .*the profile's variables expand to more than 16777216 characters in all/);
  });

  it('a 20,000-character name gets no did-you-mean and no 20,000-character message', async () => {
    // YAML allows keys this long when written as explicit keys (`? key`).
    const name = 'k'.repeat(20_000);
    const text = `name: x\n? ${name}\n: 1\nvars:\n  ? ${name}\n  : 1\nmachines:\n  web:\n    docker:\n      image: debian:bookworm\n      env: { A: "\${vars.${name.replace(/^k/, 'j')}}" }\n`;
    expect(text.length).toBeGreaterThan(40_000);
    const { value: err, ms } = await timed(profileError(loadText(text)));
    expect(err.message).toMatch(/p\.yaml:2:3: unknown key "k{60}\.\.\."/);
    expect(err.message).toMatch(/p\.yaml:11:\d+: machines\.web\.docker\.env\.A: \$\{vars\.jk+\} is not defined/);
    expect(err.message).not.toMatch(/did you mean/);
    expect(ms).toBeLessThan(2000);
  });

  it('suggest() skips words too long to be misspellings', () => {
    expect(suggest('x'.repeat(65), ['x'.repeat(65)])).toBeUndefined();
    expect(suggest('resorces', ['resources', 'x'.repeat(10_000)])).toBe('resources');
    expect(editDistance('dokcer', 'docker')).toBe(1);
  });

  it('20,000 nested brackets are refused before parsing, at the bracket', async () => {
    const text = `name: x\nvars: { a: ${'['.repeat(20_000)}${']'.repeat(20_000)} }\n${WEB}`;
    const { value: err, ms } = await timed(profileError(loadText(text)));
    expect(err.message).toMatch(/p\.yaml:2:\d+: more than 256 brackets \(\[ or \{\) open at once/);
    expect(ms).toBeLessThan(2000);
  });

  it('maps nested deeper than 64 are refused, located', async () => {
    const deep = Array.from({ length: 80 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    const err = await profileError(loadText(`name: x\n${deep} 1\n${WEB}`));
    expect(err.message).toMatch(/p\.yaml:\d+:\d+: maps and lists nest more than 64 deep/);
  });

  it('a 26-level extends diamond reads each file once and loads at once', async () => {
    const files: Record<string, string> = {};
    const LEVELS = 26;
    for (let i = 0; i < LEVELS; i++) {
      const parents = i + 1 < LEVELS ? `extends: [./a${i + 1}.yaml, ./b${i + 1}.yaml]\n` : WEB;
      files[`a${i}.yaml`] = `abstract: true\n${parents}vars: { a${i}: "1" }\n`;
      files[`b${i}.yaml`] = `abstract: true\n${parents}`;
    }
    const { value: p, ms } = await timed(loadText('name: x\nextends: [./a0.yaml, ./b0.yaml]\n', files));
    expect(p.files).toHaveLength(1 + 2 * LEVELS);
    expect(p.vars).toMatchObject({ a0: '1', a25: '1' });
    expect(ms).toBeLessThan(2000);
  });

  it('an extends graph of more than 64 files is refused at the extends that goes past it', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 70; i++) files[`f${i}.yaml`] = `abstract: true\n${i + 1 < 70 ? `extends: ./f${i + 1}.yaml\n` : WEB}`;
    const err = await profileError(loadText('name: x\nextends: ./f0.yaml\n', files));
    expect(err.message).toMatch(/f\d+\.yaml:2:10: extends: the extends chain reaches more than 64 files/);
  });

  it('__proto__ as a key is refused where it is written', async () => {
    const err = await profileError(loadText(`name: x\nmachines:\n  web:\n    docker:\n      image: debian:bookworm\n      __proto__: { polluted: true }\n`));
    expect(err.message).toMatch(/p\.yaml:6:7: the key "__proto__" is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('variables named like Object\'s own properties are ordinary variables', async () => {
    const p = await loadText(`name: x\nvars: { constructor: a, toString: b }\nmachines:\n  web:\n    docker:\n      image: debian:bookworm\n      env: { A: "\${vars.constructor}\${vars.toString}" }\n`);
    expect(p.machines[0]!.docker!.env).toEqual({ A: 'ab' });
    const err = await profileError(loadText(`name: x\nmachines:\n  web:\n    docker:\n      image: debian:bookworm\n      env: { A: "\${vars.hasOwnProperty}" }\n`));
    expect(err.message).toMatch(/p\.yaml:6:17: .*\$\{vars\.hasOwnProperty\} is not defined/);
  });

  it('a file with thousands of problems reports the first hundred and counts the rest', async () => {
    const resources = Array.from({ length: 300 }, (_, i) => `      - pakage: p${i}`).join('\n');
    const err = await profileError(loadText(`name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n${resources}\n`));
    expect(err.message.split('\n').filter((l) => /p\.yaml:\d+:\d+:/.test(l))).toHaveLength(100);
    expect(err.message).toMatch(/\(and 200 more problems\)$/);
  });

  it('a src: file named by many resources counts once; distinct src: files stop at 32 MiB in all', async () => {
    const big = 'x'.repeat(4 * 1024 * 1024 - 16);
    const files: Record<string, string> = {};
    for (let i = 0; i < 9; i++) files[`files/f${i}`] = big;
    const same = Array.from({ length: 50 }, (_, i) => `      - file: /etc/same${i}\n        src: files/f0`).join('\n');
    const p = await loadText(`name: x\n${WEB}    resources:\n${same}\n`, files);
    // 50 × 4 MiB would be over the total if each naming counted.
    expect(p.machines[0]!.resources.every((r) => r.kind === 'file' && r.content === big)).toBe(true);
    expect(p.machines[0]!.resources).toHaveLength(50);
    const distinct = Array.from({ length: 9 }, (_, i) => `      - file: /etc/f${i}\n        src: files/f${i}`).join('\n');
    const err = await profileError(loadText(`name: x\n${WEB}    resources:\n${distinct}\n`, files));
    expect(err.message).toMatch(/p\.yaml:\d+:14: machines\.web\.resources\[8\]\.src: .*f8: the files read for this profile are over their total limit/);
  });

  it('a file that takes longer than its time budget is stopped with a located error', async () => {
    const dir = await folder({ 'p.yaml': `name: x\nvars:\n  list: [${Array(5000).fill('x').join(', ')}]\n${WEB}` });
    // A slow load, simulated: every look at either clock is 800 ms later, spent on the CPU.
    const start = Date.now();
    let now = start;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => (now += 800));
    const usage = vi.spyOn(process, 'cpuUsage').mockImplementation(() => ({ user: (now - start) * 1000, system: 0 }));
    try {
      const err = await profileError(loadProfile(join(dir, 'p.yaml'), { env: {} }));
      expect(err.message).toMatch(/p\.yaml:3:\d+: loading this file took more than 2 s, and was stopped/);
    } finally {
      clock.mockRestore();
      usage.mockRestore();
    }
  });

  it('a large file on a busy machine (slow clock, little CPU of its own) is loaded', async () => {
    const dir = await folder({ 'p.yaml': `name: x\nvars:\n${Array.from({ length: 5000 }, (_, i) => `  v${i}: x\n`).join('')}${WEB}` });
    let now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => (now += 800));
    try {
      const p = await loadProfile(join(dir, 'p.yaml'), { env: {} });
      expect(p.name).toBe('x');
    } finally {
      clock.mockRestore();
    }
  });
});
