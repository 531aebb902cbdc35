// The facts probe reads its paths in one batch (one lstat of all, one sha256sum of the regular files):
// it must find exactly what the one-path-at-a-time loop (still the fallback) finds. Both are run here
// with the local sh on the same files and parsed by parseFacts.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeScript } from '../../../../electron/engine/facts/facts-script.js';
import { parseFacts, parsePathSections } from '../../../../electron/engine/facts/parse.js';

const dir = mkdtempSync(join(tmpdir(), 'pl-facts-paths-'));
const p = (name: string) => join(dir, name);
writeFileSync(p('a.conf'), 'hello\n');
writeFileSync(p('empty'), '');
writeFileSync(p('my file'), 'spaces');
writeFileSync(p('back\\slash'), 'x');
writeFileSync(p('pipe|name'), 'y');
writeFileSync(p('secret'), 'top\n');
chmodSync(p('secret'), 0o600);
mkdirSync(p('d'), { mode: 0o750 });
chmodSync(p('d'), 0o2750);
symlinkSync(p('a.conf'), p('link'));
symlinkSync(p('nowhere'), p('dangling'));
symlinkSync(p('d'), p('dirlink'));
spawnSync('mkfifo', [p('fifo')]);
const paths = ['a.conf', 'empty', 'my file', 'back\\slash', 'pipe|name', 'secret', 'd', 'link', 'dangling', 'dirlink', 'fifo', 'missing', 'd/missing', 'a.conf'].map(p);

const run = (script: string) => {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout;
};
/** The paths the probe found, with what gatherFacts adds (absent for each asked-for path not seen). */
const found = (stdout: string) => {
  const facts = parseFacts(stdout, 'local');
  for (const x of paths) facts.paths[x] ??= { type: 'absent' };
  return facts.paths;
};

describe('facts probe: paths', () => {
  const batched = probeScript(paths);
  const loop = batched.replace('if [ $# -gt 0 ] && has stat && has sha256sum; then', 'if false; then');

  it('the batch finds what the one-path loop finds, for every kind of path', () => {
    expect(loop).not.toBe(batched);
    const out = run(batched);
    expect(out).toContain('@@path-stat\n');
    expect(out).not.toContain('@@paths\n');
    const viaLoop = found(run(loop));
    const viaBatch = found(out);
    expect(viaBatch).toEqual(viaLoop);
    // And the loop's answers are the right ones (the comparison above is not between two empty maps).
    expect(viaBatch[p('a.conf')]).toMatchObject({ type: 'file', mode: '0644', sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03' });
    expect(viaBatch[p('empty')]).toMatchObject({ type: 'file', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect(viaBatch[p('back\\slash')]).toMatchObject({ type: 'file', sha256: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881' });
    expect(viaBatch[p('d')]).toEqual({ type: 'directory', mode: '2750', owner: expect.any(String), group: expect.any(String) });
    expect(viaBatch[p('link')]).toMatchObject({ type: 'symlink', target: p('a.conf') });
    expect(viaBatch[p('dangling')]).toMatchObject({ type: 'symlink', target: p('nowhere') });
    expect(viaBatch[p('fifo')]).toMatchObject({ type: 'other' });
    expect(viaBatch[p('missing')]).toEqual({ type: 'absent' });
  });

  it('costs one stat and one sha256sum for all the paths (a readlink per symlink only)', () => {
    const section = batched.slice(batched.indexOf('@@path-stat'), batched.indexOf('else\n  echo "@@paths"'));
    expect(section.match(/\bstat -c/g)).toHaveLength(1);
    expect(section.match(/\bsha256sum\b/g)).toHaveLength(1);
    expect(section).not.toMatch(/\bcut\b/);
  });

  it('parses the sections: no sha256sum line is an unreadable file, escaped names are unescaped', () => {
    const sha = 'b'.repeat(64);
    expect(
      parsePathSections(
        ['regular file\t640\troot\tshadow\t/etc/shadow', 'regular empty file\t644\troot\troot\t/e', `regular file\t644\troot\troot\t/x\\y`, 'symbolic link\t777\troot\troot\t/l', 'socket\t755\tu\tg\t/s'],
        ['/l\t../t'],
        [`${'e'.repeat(64)}  /e`, `\\${sha}  /x\\\\y`],
      ),
    ).toEqual({
      '/etc/shadow': { type: 'file', mode: '0640', owner: 'root', group: 'shadow', sha256: null },
      '/e': { type: 'file', mode: '0644', owner: 'root', group: 'root', sha256: 'e'.repeat(64) },
      '/x\\y': { type: 'file', mode: '0644', owner: 'root', group: 'root', sha256: sha },
      '/l': { type: 'symlink', mode: '0777', owner: 'root', group: 'root', target: '../t' },
      '/s': { type: 'other', mode: '0755', owner: 'u', group: 'g' },
    });
  });
});
