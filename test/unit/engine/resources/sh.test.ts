import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeText, decodeValue, normMode, parseKv, shq, specMode } from '../../../../electron/engine/resources/sh.js';

function echoThroughSh(word: string): string {
  const r = spawnSync('sh', ['-c', `printf '%s' ${shq(word)}`], { encoding: 'utf8' });
  return r.stdout;
}

describe('shq', () => {
  const odd = ["plain", "", "it's", "'", "''", 'a"b', '$HOME `id` $(id)', 'back\\slash', 'new\nline', '*', ' leading and trailing ', '-n', '\t\ttabs', 'ünïcødé'];
  it.each(odd)('quotes %j as one word that sh gives back unchanged', (word) => {
    expect(echoThroughSh(word)).toBe(word);
  });
  it('quotes a word as exactly one argument', () => {
    const r = spawnSync('sh', ['-c', `set -- ${shq('a b  c')}; echo $#`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('1');
  });
});

describe('probe value helpers', () => {
  it('decodes base64 and hex values and treats empty as empty', () => {
    expect(decodeText('b64:aGVsbG8=')).toBe('hello');
    expect(decodeText('hex:68690a')).toBe('hi\n');
    expect(decodeValue('').length).toBe(0);
    expect(() => decodeValue('garbage')).toThrow(/unexpected encoded value/);
  });
  it('parses key=value lines, keeping "=" in values', () => {
    const kv = parseKv('a=1\nb=x=y\nnoise\n\nc=\n');
    expect([...kv]).toEqual([['a', '1'], ['b', 'x=y'], ['c', '']]);
  });
  it('normalises octal modes and refuses symbolic ones', () => {
    expect(normMode('644')).toBe('0644');
    expect(normMode('0755')).toBe('0755');
    expect(normMode('u+x')).toBeUndefined();
    expect(() => specMode('u=rw', '/x')).toThrow(/not an octal mode/);
  });
});
