// The batched read of files, directories and accounts (probe-batch.ts) must mean exactly what each
// kind's own probe means: both are run here with the local sh on the same states, and parsed by the
// kind. It must also cost what it claims: one stat, one sha256sum, one getent per database.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResourceSpec } from '../../../../shared/profile.js';
import { buildProbeScript, parseProbeOutput } from '../../../../electron/engine/resources/index.js';
import { kindOf } from '../../../../electron/engine/resources/registry.js';
import { PROBE_PRELUDE } from '../../../../electron/engine/resources/sh.js';

const sh = (script: string) => {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout;
};

/** What the kind's own probe snippet reads (the path before batching). */
const alone = (spec: ResourceSpec) => kindOf(spec).parse(sh(`${PROBE_PRELUDE}\n${kindOf(spec).probe(spec as never)}`), spec as never);

const dir = mkdtempSync(join(tmpdir(), 'pl-batch-'));
const p = (name: string) => join(dir, name);
writeFileSync(p('same'), 'hello\n');
writeFileSync(p('other'), 'old line\n');
writeFileSync(p('empty'), '');
writeFileSync(p('back\\slash'), 'x');
writeFileSync(p('secret'), 'top\n');
chmodSync(p('secret'), 0o600);
mkdirSync(p('d'), { mode: 0o750 });
symlinkSync(p('same'), p('link'));
symlinkSync(p('nowhere'), p('dangling'));
spawnSync('mkfifo', [p('fifo')]);

const file = (name: string, content?: string): ResourceSpec => ({ id: `file:${name}`, kind: 'file', name, state: 'present', ...(content !== undefined ? { content } : {}) });
const directory = (name: string): ResourceSpec => ({ id: `directory:${name}`, kind: 'directory', name, state: 'present' });
const user = (name: string): ResourceSpec => ({ id: `user:${name}`, kind: 'user', name, groups: [], system: false, state: 'present' });
const group = (name: string): ResourceSpec => ({ id: `group:${name}`, kind: 'group', name, system: false, state: 'present' });

const specs: ResourceSpec[] = [
  file(p('same'), 'hello\n'),
  file(p('other'), 'new line\n'),
  file(p('empty'), ''),
  file(p('back\\slash'), 'x'),
  file(p('secret')),
  file(p('d'), 'x'),
  file(p('link'), 'hello\n'),
  file(p('dangling'), 'x'),
  file(p('fifo'), 'x'),
  file(p('missing'), 'x'),
  directory(p('d')),
  directory(p('same')),
  directory(p('missing')),
  directory(p('link')),
  user('root'),
  user('daemon'),
  user('pl-no-such-user'),
  group('root'),
  group('pl-no-such-group'),
];

describe('the batched probe of files, directories, users and groups', () => {
  it('reads every state exactly as the kind\'s own probe does', () => {
    const out = parseProbeOutput(sh(buildProbeScript(specs)), specs);
    for (const spec of specs) {
      const got = out.get(spec.id)!;
      expect(got.error, spec.id).toBeUndefined();
      expect(got.actual, spec.id).toEqual(alone(spec));
    }
    // and what it read is what the machine has, not merely what the old path said
    expect(out.get(`file:${p('other')}`)!.actual).toMatchObject({ type: 'file', content: 'old line\n' });
    expect(out.get(`file:${p('same')}`)!.actual).not.toHaveProperty('content');
    expect(out.get(`file:${p('fifo')}`)!.actual).toEqual({ type: 'other' });
    expect(out.get('user:root')!.actual).toMatchObject({ exists: true, uid: 0 });
    expect(out.get('user:pl-no-such-user')!.actual).toEqual({ exists: false });
  });

  it('runs one stat, one sha256sum and one getent per database for all of them, and no per-resource reads', () => {
    const script = buildProbeScript(specs);
    const count = (re: RegExp) => (script.match(re) ?? []).length;
    expect(count(/\bstat -L/g)).toBe(1);
    expect(count(/\bsha256sum\b/g)).toBe(1);
    expect(count(/getent passwd/g)).toBe(1);
    expect(count(/getent group/g)).toBe(1);
    expect(count(/@@PL:[0-9a-f]+:B:/g)).toBe(0);
    // a path named twice is read once
    const twice = buildProbeScript([file(p('same'), 'hello\n'), directory(p('same')), file(p('same'))]);
    expect(twice.match(/stat -L[^\n]*/)![0].split(p('same')).length - 1).toBe(1);
    expect(twice.match(/for _pl_f in [^\n]*/)![0].split(p("same")).length - 1).toBe(1);
  });

  it('keeps a refused spec an error of its own, and the others read', () => {
    const bad: ResourceSpec = { id: 'file:relative', kind: 'file', name: 'relative/path', state: 'present' };
    const list = [bad, file(p('same'), 'hello\n')];
    const out = parseProbeOutput(sh(buildProbeScript(list)), list);
    expect(out.get('file:relative')!.error).toMatch(/not an absolute path/);
    expect(out.get(`file:${p('same')}`)!.actual).toMatchObject({ type: 'file' });
  });
});
