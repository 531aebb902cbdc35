// The engine as it was before the cache existed, for issue 12's "cold no slower than today": its commit
// unpacked from this checkout's git history into a temporary folder (built once, kept between bench
// runs), run on the shop profile of its day, with a data folder of its own. What
// scripts/bench-cold-before-cache.sh measures by hand, inside the bench's one run.
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileIn, type Ctx } from './context.js';
import { purgeProfile } from './compose.js';
import { log, must, PREFIX, rand, ROOT, run, type Proc } from './lib.js';

/** The commit before the cache's first (778c9b6: "environment cache"). */
export const BEFORE_CACHE_REV = '778c9b6^';
export const BEFORE_CACHE_NAME = `prodlike before the cache (${BEFORE_CACHE_REV}, the shop profile of its day)`;

export interface OldEngine {
  /** `up` of its shop, timed. */
  up(): Promise<Proc>;
  /** Its shop's containers and volume removed (after each `up`: the next one starts fresh). */
  destroy(): Promise<void>;
}

/**
 * The engine before the cache, built; or why it cannot be (the bench then says so and judges no cold
 * target). `profile`: the text of the shop's profile named so, extending the shop's base.yaml (that
 * engine's own, copied beside it).
 */
export async function beforeCacheEngine(ctx: Ctx, profile: (name: string) => string): Promise<OldEngine | string> {
  const rev = await run('git', ['-C', ROOT, 'rev-parse', '--verify', '--quiet', `${BEFORE_CACHE_REV}^{commit}`]);
  const sha = rev.stdout.trim();
  if (rev.code !== 0 || !sha) return `${BEFORE_CACHE_REV} is not in this checkout's git history (a shallow clone?)`;
  const dir = path.join(os.tmpdir(), `${PREFIX}before-cache-${sha.slice(0, 12)}`);
  if (!existsSync(path.join(dir, 'dist', 'cli', 'main.mjs'))) {
    log(`shop from cache: building the engine before the cache (${sha.slice(0, 12)}) in ${dir}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const unpacked = await run('sh', ['-c', `git -C "$0" archive "$1" | tar -x -C "$2"`, ROOT, sha, dir]);
    if (unpacked.code !== 0) return `could not unpack ${sha.slice(0, 12)}: ${unpacked.stderr.trim()}`;
    // Its dependencies are a subset of today's (it builds with them, as the script does).
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const built = await run(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: dir, timeoutMs: 600_000 });
    if (built.code !== 0) return `could not build ${sha.slice(0, 12)}: ${(built.stderr || built.stdout).trim().split('\n').slice(-3).join(' ')}`;
  }
  const name = `${PREFIX}shop-before-${rand()}`;
  const shopDir = path.join(ctx.cli.dir, 'profiles', 'bench-shop-before');
  await mkdir(shopDir, { recursive: true });
  await cp(path.join(dir, 'profiles', 'shop', 'base.yaml'), path.join(shopDir, 'base.yaml'));
  await cp(path.join(dir, 'profiles', 'shop', 'files'), path.join(shopDir, 'files'), { recursive: true });
  const file = await writeFileIn(ctx, `profiles/bench-shop-before/${name}.yaml`, profile(name));
  const env = { ...ctx.cli.env, PRODLIKE_DATA_DIR: path.join(ctx.cli.dir, 'data-before-cache') };
  const cli = (args: string[], ok = [0]) => must(process.execPath, [path.join(dir, 'bin', 'prodlike.mjs'), ...args], { cwd: ctx.cli.dir, env, memory: true, timeoutMs: 900_000 }, ok);
  const destroy = async () => void (await cli(['destroy', file, '--volumes'], [0, 1]));
  ctx.cleanup.add(`shop before the cache ${name}`, async () => {
    await destroy().catch(() => undefined);
    await purgeProfile(name);
  });
  return {
    up: () => cli(['up', file]),
    destroy,
  };
}
