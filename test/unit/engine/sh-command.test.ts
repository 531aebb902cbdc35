import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { joinSh, MASK, NOTHING, raw, secret, sh, shq, type ShellCommand } from '../../../electron/engine/sh-command.js';

/** Runs the command's text under a real shell and returns the words it was given, one per line. */
function argsUnder(shell: 'sh' | 'bash' | 'dash', cmd: ShellCommand): string[] {
  const r = spawnSync(shell, ['-c', `set -- ${cmd.text}; for a in "$@"; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

const shells = (['sh', 'bash', 'dash'] as const).filter((s) => spawnSync(s, ['-c', 'true']).status === 0);

describe('sh`` quotes every interpolated value by construction', () => {
  const odd = ["it's", "'", "''", '', 'a b', '$(touch /tmp/x)', '`id`', '${HOME}', 'new\nline', '-rf', '--', '*', '\\', '"', ';', '|', '&&', '#c', '~', ' \t '];
  // 20 shells started per case: seconds on a loaded 2-core machine.
  it.each(shells)('gives %s each odd value back as exactly one unchanged word', (shell) => {
    for (const v of odd) expect(argsUnder(shell, sh`${v}`)).toEqual([v]);
  }, 60_000);
  it('quotes in POSIX single-quote style, closing and reopening around a quote', () => {
    expect(sh`echo ${"it's"}`.text).toBe(`echo 'it'\\''s'`);
    expect(sh`x ${''}`.text).toBe("x ''");
  });
  it('keeps the literal parts as code and quotes a leading dash as data', () => {
    expect(sh`chown -- ${'-R'} ${'/srv/app'}`.text).toBe("chown -- '-R' '/srv/app'");
  });
  it('refuses NUL, which no shell word can hold', () => {
    expect(() => sh`echo ${'a\0b'}`).toThrow(/NUL/);
    expect(() => shq('\0')).toThrow(/NUL/);
    expect(() => sh`echo ${secret('a\0')}`).toThrow(/NUL/);
  });
});

describe('numbers, lists, raw code and nested commands', () => {
  it('writes non-negative integers as digits and refuses other numbers', () => {
    expect(sh`useradd -u ${1500}`.text).toBe('useradd -u 1500');
    expect(sh`x ${0}`.text).toBe('x 0');
    expect(() => sh`x ${-1}`).toThrow(/whole number/);
    expect(() => sh`x ${1.5}`).toThrow(/whole number/);
    expect(() => sh`x ${Number.NaN}`).toThrow(/whole number/);
    expect(() => sh`x ${2 ** 60}`).toThrow(/whole number/);
  });
  it('quotes a list one word per item, and an empty list is nothing', () => {
    expect(sh`apk add ${['a', 'b c', "d'"]}`.text).toBe(`apk add 'a' 'b c' 'd'\\'''`);
    expect(argsUnder('sh', sh`${['a', 'b c', '', '$x']}`)).toEqual(['a', 'b c', '', '$x']);
    expect(sh`x${[]}`.text).toBe('x');
  });
  it('inserts raw() and nested commands unquoted, and nothing else', () => {
    expect(sh`cat ${raw('"$_pl_p"')}`.text).toBe('cat "$_pl_p"');
    const inner = sh`cd ${'/a b'}`;
    expect(sh`( ${inner} )`.text).toBe("( cd '/a b' )");
    expect(joinSh([sh`a ${'x'}`, NOTHING, sh`b`]).text).toBe("a 'x'\n\nb");
    expect(joinSh([sh`a`, sh`b`], ' ').text).toBe('a b');
  });
  it('refuses undefined, null, booleans and objects instead of dropping them', () => {
    for (const v of [undefined, null, true, {}]) expect(() => sh`chown ${v as never} /x`).toThrow(/cannot put/);
  });
  it('cannot be concatenated into a string by mistake', () => {
    expect(() => `${sh`x`}`).toThrow(/not a string/);
  });
});

describe('secret()', () => {
  it('is quoted in the text that runs and masked in the text that is shown, also when nested or listed', () => {
    const cmd = sh`export TOKEN=${secret("s3cr'et")}`;
    expect(cmd.text).toBe(`export TOKEN='s3cr'\\''et'`);
    expect(cmd.display).toBe(`export TOKEN=${MASK}`);
    const outer = joinSh([sh`( ${cmd} )`, sh`curl ${['-H', secret('Bearer x')]}`]);
    expect(outer.display).toBe(`( export TOKEN=${MASK} )\ncurl '-H' ${MASK}`);
    expect(outer.display).not.toContain('s3cr');
    expect(outer.text).toContain("'Bearer x'");
  });
  it('runs with its real value', () => {
    const r = spawnSync('sh', ['-c', sh`printf %s ${secret('$(id) `id` it\'s')}`.text], { encoding: 'utf8' });
    expect(r.stdout).toBe("$(id) `id` it's");
  });
});
