// `prodlike cache ls|prune|rm` and `prodlike snapshot save|restore|ls|rm`.

import pc from 'picocolors';
import type { CacheEntryInfo, CachePruneResult } from '../../shared/api.js';
import { formatAge } from '../../shared/age.js';
import { formatBytes } from '../../shared/bytes.js';
import { cacheEntryName, cacheKeyShort, pruneSummary, removeAllWords } from '../../shared/cache-words.js';
import type { Engine } from '../engine/engine.js';
import { parseAge } from '../engine/cache/cache-evict.js';
import { askYesNo, canAsk } from './confirm.js';
import type { CliFlags } from './io.js';
import type { CliIo } from './io.js';

function usage(text: string): Error {
  return Object.assign(new Error(text), { hint: 'prodlike --help lists the commands' });
}

function entryLine(e: CacheEntryInfo): string {
  return `${cacheKeyShort(e.key)}  ${cacheEntryName(e).padEnd(24)} ${`${e.prefix}/${e.total}`.padEnd(6)} ${formatBytes(e.sizeBytes).padStart(8)}  ${formatAge(e.savedAt).padEnd(9)} ${formatAge(e.lastUsed)}`;
}

export async function cacheCommand(engine: Engine, args: string[], flags: CliFlags, io: CliIo): Promise<number> {
  const [sub] = args;
  if (sub === 'ls') {
    const listing = await engine.cacheList();
    if (flags.json) return io.out(JSON.stringify(listing)), 0;
    for (const w of listing.warnings ?? []) io.err(pc.yellow(`warning: ${w}`));
    if (listing.entries.length === 0) return io.out('the cache is empty'), 0;
    io.out(pc.dim(`${'KEY'.padEnd(12)}  ${'PROFILE/MACHINE'.padEnd(24)} ${'STEPS'.padEnd(6)} ${'SIZE'.padStart(8)}  ${'AGE'.padEnd(9)} LAST USED`));
    // What a prune keeps whatever it is asked, with why (as it says when it keeps one).
    for (const e of listing.entries) io.out(`${entryLine(e)}${e.inUse ? `  ${pc.dim(`(${e.inUse})`)}` : ''}`);
    io.out(pc.dim(`${listing.entries.length} state(s), ${formatBytes(listing.totalBytes)} of ${formatBytes(listing.capBytes)}`));
    return 0;
  }
  if (sub === 'prune') {
    let olderThanMs: number | undefined;
    // `docker image prune --all --filter until=…` removes only what is that old; here --all is everything.
    if (flags.all && flags['older-than'] !== undefined) {
      throw Object.assign(new Error(`--all and --older-than ${flags['older-than']}: --all removes every cached state, --older-than only those unused that long; give one`), {
        hint: `prodlike cache prune --older-than ${flags['older-than']}`,
      });
    }
    if (flags['older-than'] !== undefined) {
      olderThanMs = parseAge(flags['older-than']);
      if (olderThanMs === undefined) throw Object.assign(new Error(`--older-than "${flags['older-than']}" is not a duration`), { hint: 'use a number and m, h, d or w: --older-than 7d' });
      // Every state is older than no time at all: that is --all, which says so (and also removes apt's kept lists).
      if (olderThanMs === 0) {
        throw Object.assign(new Error(`--older-than ${flags['older-than']} is every cached state: use --all for that`), { name: 'UsageError', hint: 'prodlike cache prune --all, or an age above zero: --older-than 7d' });
      }
    }
    if (flags.all && !flags.yes && canAsk(flags.json) && !(await askPruneAll(engine, io))) {
      io.err('nothing removed');
      return 1;
    }
    return printPrune(await engine.cachePrune({ ...(flags.all ? { all: true } : {}), ...(olderThanMs !== undefined ? { olderThanMs } : {}) }), flags, io);
  }
  if (sub === 'rm') {
    const keys = args.slice(1);
    if (keys.length === 0 || keys.some((k) => !k.trim())) throw usage('cache rm needs the key of a cached state: prodlike cache rm <key>... (prodlike cache ls lists them)');
    // As `docker rmi` of an image a container uses: a state asked for by name that stays is a failure.
    const res = await engine.cachePrune({ keys });
    printPrune(res, flags, io);
    return res.kept.length ? 1 : 0;
  }
  throw usage(sub ? `unknown cache command "${sub}": use ls, prune or rm` : 'cache needs ls, prune or rm');
}

/**
 * At a terminal, `cache prune --all` says what goes and asks first, as `docker image prune -a` does
 * (and as the app's Remove all does, in the same words): every profile's states, which each next `up`
 * builds again. Scripts (no terminal) and `--yes` are not asked.
 */
async function askPruneAll(engine: Engine, io: CliIo): Promise<boolean> {
  let what: string;
  try {
    const listing = await engine.cacheList();
    const { goes, kept } = removeAllWords(listing.entries);
    what = `${goes.count} cached state(s), ${formatBytes(goes.bytes)}, of every profile${goes.profiles.length ? `: ${goes.profiles.join(', ')}` : ''}`;
    if (kept) what += ` (${kept} in use stay${kept === 1 ? 's' : ''})`;
    for (const w of listing.warnings ?? []) io.err(pc.yellow(`warning: ${w}`));
  } catch (err) {
    // Without an engine the prune still removes what is on this computer (it says what it could not).
    what = `what is cached on this computer (the containers' states could not be listed: ${(err as Error).message})`;
  }
  return askYesNo(`This removes ${what}, and apt's package lists kept between runs; the next \`up\` of those profiles builds without the cache.\nRemove all?`);
}

/** What a prune or an rm did: each state removed or kept (with why), then the summary. */
function printPrune(res: CachePruneResult, flags: CliFlags, io: CliIo): number {
  if (flags.json) return io.out(JSON.stringify(res)), 0;
  for (const w of res.warnings ?? []) io.err(pc.yellow(`warning: ${w}`));
  for (const e of res.removed) io.out(`removed ${entryLine(e)}`);
  for (const k of res.kept) io.out(`kept    ${entryLine(k.entry)}  ${pc.dim(`(${k.why})`)}`);
  // The kept states are listed above, each with its reason: the summary's first and last lines only.
  const [first, ...rest] = pruneSummary(res);
  io.out(first!);
  if (res.aptListsBytes) io.out(rest[rest.length - 1]!);
  return 0;
}

export async function snapshotCommand(engine: Engine, args: string[], flags: CliFlags, io: CliIo): Promise<number> {
  const [op, profile, name] = args;
  if (op !== 'save' && op !== 'restore' && op !== 'ls' && op !== 'rm') throw usage('snapshot needs save, restore, ls or rm: prodlike snapshot save <profile> [name]');
  if (!profile) throw usage(`snapshot ${op} needs a profile: prodlike snapshot ${op} <profile>${op === 'ls' ? '' : ' [name]'}`);
  const list = await engine.snapshot(op, profile, name, (t) => !flags.json && io.out(`  ${t}`));
  if (flags.json) return io.out(JSON.stringify(op === 'ls' ? list : list[0])), 0;
  if (op === 'ls') {
    if (list.length === 0) io.out('no snapshots');
    for (const s of list) io.out(`${s.name.padEnd(20)} ${formatAge(s.savedAt).padEnd(9)} ${formatBytes(s.sizeBytes).padStart(8)}  machines: ${s.machines.join(', ')}${s.volumes.length ? `  volumes: ${s.volumes.join(', ')}` : ''}`);
    return 0;
  }
  const s = list[0]!;
  const verb = { save: 'saved', restore: 'restored', rm: 'removed' }[op];
  io.out(`${verb} snapshot ${s.name} of ${s.profile}: ${s.machines.join(', ')}${s.volumes.length ? ` (volumes: ${s.volumes.join(', ')})` : ''}`);
  return 0;
}
