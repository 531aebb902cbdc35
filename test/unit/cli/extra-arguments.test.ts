// Words a command does not take are a usage error, not dropped: `cache prune shop --all` removed every
// profile's cached states (the profile was dropped), `up shop web` brought up every machine of shop.
import { describe, expect, it } from 'vitest';
import { extraArguments } from '../../../electron/cli/options.js';
import { servedRun } from '../../../electron/cli/served-cli.js';

describe('extraArguments', () => {
  it.each([
    ['cache', ['ls']],
    ['cache', ['prune']],
    ['snapshot', ['save', 'shop', 'before']],
    ['snapshot', ['ls', 'shop']],
    ['bake', ['shop']],
    ['up', ['shop']],
    ['status', []],
    ['ssh', ['shop', 'web']],
  ])('%s %j: taken', (command, args) => {
    expect(extraArguments(command, args)).toBeUndefined();
  });

  it('cache prune <profile>: refused, saying the cache is every profile\'s', () => {
    const err = extraArguments('cache', ['prune', 'shop']);
    expect(err?.name).toBe('UsageError');
    expect(err?.message).toBe('cache prune does not take "shop" (the cache is every profile\'s: ls lists and prune removes the states of all of them)');
    expect(err?.hint).toBe('prodlike cache ls | prune [--all | --older-than 7d]');
  });

  it.each([
    ['cache', ['ls', 'shop'], 'cache ls does not take "shop"'],
    ['snapshot', ['save', 'shop', 'a', 'b'], 'snapshot save does not take "b"'],
    ['bake', ['shop', 'web'], 'bake does not take "web" (bake builds every Docker machine of one profile)'],
    ['up', ['shop', 'web', 'db'], 'up does not take "web" "db" (a run works on every machine of the profile)'],
  ])('%s %j: refused', (command, args, message) => {
    expect(extraArguments(command, args)?.message).toContain(message);
  });

  it('the agent leaves such a command to the Node CLI, which says why', () => {
    expect(servedRun({ argv: ['up', 'shop', 'web'], env: {} })).toEqual({ why: 'words the command does not take (the Node CLI says why)' });
    expect(servedRun({ argv: ['bake', 'shop'], env: {} })).toMatchObject({ kind: 'bake', file: 'shop' });
  });
});
