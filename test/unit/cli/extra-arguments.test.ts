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
    // The subcommand's own usage line, the one an option it does not take shows too (COMMAND_OPTIONS).
    expect(err?.hint).toBe('prodlike cache prune [--all [--yes] | --older-than <age>]');
  });

  it('the hint is the form\'s usage line with its options; a form reads its own count', () => {
    expect(extraArguments('up', ['shop', 'web'])?.hint).toBe('prodlike up <profile> [--from-plan <run>] [--no-cache] [--wait] [--i-know-this-is-production]');
    expect(extraArguments('snapshot', ['ls', 'shop', 'x'])?.hint).toBe('prodlike snapshot ls <profile>');
    expect(extraArguments('snapshot', ['rm', 'shop', 'x'])).toBeUndefined();
    const plan = extraArguments('use', ['shop', 'web'], { plan: true });
    expect(plan?.message).toBe('use does not take "web"');
    expect(plan?.hint).toBe('prodlike use <profile> --plan [--i-know-this-is-production]');
    // An unknown subcommand has no count: its command refuses it itself ("unknown cache command").
    expect(extraArguments('cache', ['rm', 'a', 'b'])).toBeUndefined();
    // Commands with no count take what they are given (ssh reads a machine, status a profile).
    expect(extraArguments('ssh', ['shop', 'web', 'extra'])).toBeUndefined();
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
