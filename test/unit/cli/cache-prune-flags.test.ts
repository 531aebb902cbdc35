// `cache prune`'s flags: `--all` with `--older-than` removed everything (`--all` won without a word),
// where `docker image prune --all --filter until=…` removes only what is that old. Refused now, before
// the engine is asked anything; so is an age of zero, which was --all by another name.
import { describe, expect, it } from 'vitest';
import { cacheCommand } from '../../../electron/cli/cache-commands.js';
import type { Engine } from '../../../electron/engine/engine.js';
import type { CliIo } from '../../../electron/cli/io.js';
import pc from 'picocolors';

function fakeEngine() {
  const asked: unknown[] = [];
  const engine = { cachePrune: async (req: unknown) => (asked.push(req), { removed: [], kept: [], freedBytes: 0 }) } as unknown as Engine;
  return { engine, asked };
}
const io: CliIo = { out: () => undefined, err: () => undefined, tty: false, colors: pc };

describe('cache prune flags', () => {
  it('--all with --older-than: a usage error, nothing pruned', async () => {
    const { engine, asked } = fakeEngine();
    const err = await cacheCommand(engine, ['prune'], { all: true, 'older-than': '7d' }, io).catch((e: Error & { hint?: string }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('--all and --older-than 7d: --all removes every cached state, --older-than only those unused that long; give one');
    expect((err as Error & { hint?: string }).hint).toBe('prodlike cache prune --older-than 7d');
    expect(asked).toEqual([]);
  });

  it.each(['0m', '0d', '00h', '0w'])('--older-than %s: a usage error saying to use --all, nothing pruned', async (age) => {
    const { engine, asked } = fakeEngine();
    const err = await cacheCommand(engine, ['prune'], { 'older-than': age }, io).catch((e: Error & { hint?: string }) => e);
    expect((err as Error).name).toBe('UsageError');
    expect((err as Error).message).toBe(`--older-than ${age} is every cached state: use --all for that`);
    expect((err as Error & { hint?: string }).hint).toBe('prodlike cache prune --all, or an age above zero: --older-than 7d');
    expect(asked).toEqual([]);
  });

  it('--older-than 0s is not a duration (m, h, d or w)', async () => {
    const { engine, asked } = fakeEngine();
    const err = await cacheCommand(engine, ['prune'], { 'older-than': '0s' }, io).catch((e: Error) => e);
    expect((err as Error).message).toBe('--older-than "0s" is not a duration');
    expect(asked).toEqual([]);
  });

  it.each([
    [{ all: true }, { all: true }],
    [{ 'older-than': '1m' }, { olderThanMs: 60_000 }],
    [{ 'older-than': '2h' }, { olderThanMs: 7_200_000 }],
    [{}, {}],
  ])('%j asks the engine for %j', async (flags, req) => {
    const { engine, asked } = fakeEngine();
    expect(await cacheCommand(engine, ['prune'], flags, io)).toBe(0);
    expect(asked).toEqual([req]);
  });
});
