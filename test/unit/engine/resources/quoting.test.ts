// The resource kinds' scripts, run by real local shells where that is harmless: values stay data.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandResource, DirectoryResource, UserResource } from '../../../../shared/profile.js';
import { commandKind } from '../../../../electron/engine/resources/command-resource.js';
import { directoryKind } from '../../../../electron/engine/resources/directory-resource.js';
import { envValueProblem, formatEnvLine } from '../../../../electron/engine/resources/env-resource.js';
import { userKind } from '../../../../electron/engine/resources/user-resource.js';

const dir = mkdtempSync(join(tmpdir(), 'prodlike-quoting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shells = ['sh', 'bash', 'dash'].filter((s) => spawnSync(s, ['-c', 'true']).status === 0);

describe('command cwd', () => {
  const marker = join(dir, 'pwned-cwd');
  const spec: CommandResource = { id: 'c', kind: 'command', name: `touch ${join(dir, 'ran')}`, cwd: `/nonexistent/app' || exit 111; touch ${marker}; '`, env: {} };
  it.each(shells)('under %s, a cwd that breaks out of its quotes is only a directory name that does not exist', (shell) => {
    const r = spawnSync(shell, ['-c', commandKind.apply(spec, {}, []).script], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toBe(`prodlike: command: cannot enter directory ${spec.cwd}`);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });
  it.each(shells)('under %s, the guards of the probe run in that directory too, and nothing else', (shell) => {
    const r = spawnSync(shell, ['-c', commandKind.probe({ ...spec, unless: 'true', creates: '/nonexistent' })], { encoding: 'utf8' });
    expect(r.stdout).toBe('creates=0\nunless=111\ndone=1\n');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('env values in /etc/environment', () => {
  const values = ['plain', 'with space', "it's", '$(touch PWNED)', '`touch PWNED`', '${HOME}', '$HOME and spaces', "a'b c", ' lead', 'trail ', '#x', '', 'a=b'];
  it.each(shells)('under %s, sourcing the file gives each value back exactly and runs nothing', (shell) => {
    const file = join(dir, `environment-${shell}`);
    writeFileSync(file, values.map((v, i) => formatEnvLine(`V${i}`, v)).join('\n') + '\n');
    const r = spawnSync(shell, ['-c', `cd ${dir} && . ${file} && ${values.map((_, i) => `printf '%s\\0' "$V${i}"`).join('; ')}`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(values);
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
  });
  it('single-quotes what sh would expand, double-quotes the rest, and refuses what it cannot hold', () => {
    expect(formatEnvLine('A', '$(id)')).toBe("A='$(id)'");
    expect(formatEnvLine('A', '`id`')).toBe("A='`id`'");
    expect(formatEnvLine('A', "it's")).toBe('A="it\'s"');
    expect(envValueProblem("it's $(id)")).toMatch(/both a single quote and a \$/);
    expect(envValueProblem('a\nb')).toMatch(/newline/);
    expect(envValueProblem('a\0b')).toMatch(/NUL/);
    expect(envValueProblem('a\\b')).toMatch(/backslash/);
  });
});

describe('options and operands', () => {
  const d: DirectoryResource = { id: 'd', kind: 'directory', name: '/srv/www', mode: '0755', owner: 'www-data', group: 'adm', state: 'present' };
  it('ends the options of chown, chmod and mkdir before the operands', () => {
    const script = directoryKind.apply(d, { type: 'absent' }, []).script;
    expect(script).toContain(`chmod -- '0755' "$_pl_p"`);
    expect(script).toContain(`chown -- 'www-data:adm' "$_pl_p"`);
    expect(script).toContain(`mkdir -p -- "$_pl_p"`);
  });
  it('refuses an owner or group that is not a name, even past the schema', () => {
    expect(() => directoryKind.apply({ ...d, owner: '-R' }, { type: 'absent' }, [])).toThrow(/owner name "-R"/);
    expect(() => directoryKind.apply({ ...d, group: 'a b' }, { type: 'absent' }, [])).toThrow(/group name "a b"/);
  });
  const u: UserResource = { id: 'u', kind: 'user', name: 'shop', groups: [], system: false, state: 'present' };
  it('writes a uid as digits and refuses one that is not a whole number', () => {
    expect(userKind.apply({ ...u, uid: 1500 }, { exists: false }, []).script).toContain('useradd -u 1500 -m');
    expect(() => userKind.apply({ ...u, uid: -1 }, { exists: false }, [])).toThrow(/whole number/);
    expect(() => userKind.apply({ ...u, uid: Number.NaN }, { exists: false }, [])).toThrow(/whole number/);
  });
});
