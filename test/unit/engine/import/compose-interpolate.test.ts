// Compose's variable substitution, and .env files as Compose reads them.
import { describe, expect, it } from 'vitest';
import { InterpolationError, interpolate, parseDotEnv } from '../../../../electron/engine/import/compose-interpolate.js';

const vars: Record<string, string> = { TAG: '1.2', EMPTY: '', USER: 'me' };
const look = (n: string) => vars[n];
const run = (t: string) => interpolate(t, look).value;

describe('Compose interpolation', () => {
  it('$VAR and ${VAR}; $$ is a literal $; a lone $ stays', () => {
    expect(run('app:${TAG}')).toBe('app:1.2');
    expect(run('$USER/x')).toBe('me/x');
    expect(run('cost $$5 and $$HOME')).toBe('cost $5 and $HOME');
    expect(run('a $ b')).toBe('a $ b');
  });

  it('defaults: :- for unset or empty, - for unset only; nested references in the default', () => {
    expect(run('${NOPE:-x}')).toBe('x');
    expect(run('${EMPTY:-x}')).toBe('x');
    expect(run('${EMPTY-x}')).toBe('');
    expect(run('${NOPE-x}')).toBe('x');
    expect(run('${NOPE:-${TAG}-b}')).toBe('1.2-b');
    expect(run('${TAG:-x}')).toBe('1.2');
  });

  it('alternatives: :+ when set and not empty, + when set', () => {
    expect(run('${TAG:+yes}')).toBe('yes');
    expect(run('${EMPTY:+yes}')).toBe('');
    expect(run('${EMPTY+yes}')).toBe('yes');
    expect(run('${NOPE+yes}')).toBe('');
  });

  it('a variable without a value is an error (never an empty string), with the message of ${VAR?msg}', () => {
    expect(() => run('x${NOPE}')).toThrow('variable NOPE is not set');
    expect(() => run('${NOPE?give it}')).toThrow('variable NOPE is not set: give it');
    expect(() => run('${EMPTY:?must not be empty}')).toThrow('variable EMPTY is empty: must not be empty');
    expect(run('${EMPTY?x}')).toBe('');
    try {
      run('abc ${NOPE}');
    } catch (e) {
      expect((e as InterpolationError).offset).toBe(4);
    }
  });

  it('refuses malformed references', () => {
    expect(() => run('${TAG')).toThrow('without its closing');
    expect(() => run('${1X}')).toThrow('not a variable reference');
    expect(() => run('${TAG/x/y}')).toThrow('unknown operator');
  });

  it('records the variables used', () => {
    expect(interpolate('${TAG}-${NOPE:-x}-$USER', look).used).toEqual(['TAG', 'USER']);
  });
});

describe('.env files', () => {
  it('reads NAME=value lines, export, quotes, comments, and earlier variables', () => {
    const { vars: v, problems } = parseDotEnv(`# comment\nexport A=1\nB='$A literal'\nC="line\\nnext"\nD=x # trailing comment\nE=\${A}2\n\nF=`, () => undefined);
    expect(problems).toEqual([]);
    expect(Object.fromEntries(v)).toEqual({ A: '1', B: '$A literal', C: 'line\nnext', D: 'x', E: '12', F: '' });
  });

  it('names the line that is not NAME=value', () => {
    expect(parseDotEnv('A=1\njust words\n', () => undefined).problems).toEqual([{ line: 2, message: 'expected NAME=value, found "just words"' }]);
  });
});
