// Housekeeping of cached container states against the real engine and a real registry on 127.0.0.1:
// the size cap when its least recently used state is in use, a prune that must keep a parent whose
// child stays, the size of a pulled stacked state, and what a pull that gives no state leaves behind.
// Only this file's own states (profile hx-house-<run>) are given to the store: the engine is shared.
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker as cli, dockerTry } from '../../support/cli.js';
import { startRegistry, type Registry } from '../../support/registry.js';
import { enforceCap, listCache, pullState, pushState, readBaseConfig, removeEntries, saveState, type CacheEntry } from '../../../electron/engine/backends/docker/cache-store.js';
import { cacheTag } from '../../../electron/engine/cache/cache-key.js';

const RUN = Math.random().toString(36).slice(2, 8);
const PROFILE = `hx-house-${RUN}`;
const BASE = 'debian:bookworm';
const docker = new Docker();
let registry: Registry;
let n = 0;

/** A state: a container from `from` writes `mb` MB of its own, and is saved as `key` (`prefix` of 4). */
async function state(name: string, prefix: number, from = BASE, mb = 2): Promise<CacheEntry> {
  const key = `hx${RUN}${name}`.padEnd(32, '0');
  const box = `hx-${RUN}-save${n++}`;
  cli('run', '-d', '--name', box, '--label', `hx.run=${RUN}`, '--entrypoint', 'sleep', from, '600');
  try {
    cli('exec', box, 'sh', '-c', `head -c ${mb * 1_000_000} /dev/urandom > /opt/${name}`);
    const parent = cli('image', 'inspect', '-f', '{{.Id}}', from);
    await saveState(docker, { containerId: box, key, prefix, total: 4, profile: PROFILE, machine: 'm', parent, base: await readBaseConfig(docker, BASE) });
  } finally {
    dockerTry('rm', '-f', box);
  }
  // One second apart: "last used" is the tag time.
  await new Promise((r) => setTimeout(r, 1100));
  return (await mine()).find((e) => e.key === key)!;
}

async function mine(): Promise<CacheEntry[]> {
  return (await listCache(docker)).filter((e) => e.profile === PROFILE);
}

/** A running container from a state, as a machine's. */
function use(e: CacheEntry, as: string): string {
  const name = `hx-${RUN}-${as}`;
  cli('run', '-d', '--name', name, '--label', `hx.run=${RUN}`, '--entrypoint', 'sleep', e.ref, '600');
  return name;
}

function cleanup(): void {
  const boxes = cli('ps', '-aq', '--filter', `label=hx.run=${RUN}`);
  if (boxes) dockerTry('rm', '-f', ...boxes.split('\n'));
  // Children before parents: newest first.
  const ids = cli('images', '-a', '-q', '--filter', `label=prodlike.cache-profile=${PROFILE}`);
  for (const id of [...new Set(ids.split('\n').filter(Boolean))]) dockerTry('rmi', '-f', id);
  const again = cli('images', '-a', '-q', '--filter', `label=prodlike.cache-profile=${PROFILE}`);
  for (const id of [...new Set(again.split('\n').filter(Boolean))]) dockerTry('rmi', '-f', id);
  const odd = cli('images', '-q', '--filter', `label=hx.run=${RUN}`);
  for (const id of [...new Set(odd.split('\n').filter(Boolean))]) dockerTry('rmi', '-f', id);
}

beforeAll(async () => {
  registry = await startRegistry();
}, 60_000);

// A test that fails leaves nothing for the next one.
afterEach(cleanup);

afterAll(async () => {
  cleanup();
  if (registry) {
    const pulled = cli('images', '-q', '--filter', `reference=${registry.address}/*`);
    for (const id of [...new Set(pulled.split('\n').filter(Boolean))]) dockerTry('rmi', '-f', id);
    await registry.stop();
  }
});

describe('cache housekeeping', () => {
  it('the size cap skips a least recently used state a container uses and removes the next ones until the rest fits', { timeout: 120_000 }, async () => {
    const a = await state('capa', 1);
    const b = await state('capb', 1);
    const c = await state('capc', 1);
    use(a, 'capuser');
    const entries = await mine();
    const total = entries.reduce((s, e) => s + e.sizeBytes, 0);
    // Removing the oldest (a) alone would fit; a container uses it, so b goes instead.
    const out = await enforceCap(docker, total - 1, entries);
    expect(out.removed.map((e) => e.key)).toEqual([b.key]);
    const left = await mine();
    expect(left.map((e) => e.key).sort()).toEqual([a.key, c.key].sort());
    expect(left.reduce((s, e) => s + e.sizeBytes, 0)).toBeLessThanOrEqual(total - 1);
  });

  it('prune keeps a parent (tagged, listed) whose child a container uses, and reports only what went', { timeout: 120_000 }, async () => {
    const parent = await state('chainp', 1);
    const child = await state('chainc', 4, parent.ref);
    expect(child.parent).toBe(parent.id);
    const box = use(child, 'chainuser');
    // What `cache prune --all` does, given only this file's states.
    const all = await mine();
    const out = await removeEntries(docker, all, all);
    expect(out.removed).toEqual([]);
    expect(Object.fromEntries(out.kept.map((k) => [k.entry.key, k.why]))).toEqual({ [child.key]: 'a container uses it', [parent.key]: 'a container uses a state built on it' });
    expect(cli('image', 'inspect', '-f', '{{.Id}}', parent.ref)).toBe(parent.id);
    expect((await mine()).map((e) => e.key).sort()).toEqual([parent.key, child.key].sort());

    // Without the container, both go, the child first, and are gone from the engine.
    dockerTry('rm', '-f', box);
    const again = await removeEntries(docker, await mine());
    expect(again.removed.map((e) => e.key)).toEqual([child.key, parent.key]);
    expect(dockerTry('image', 'inspect', parent.id).code).not.toBe(0);
  });

  it('a pulled stacked state is listed with its own bytes, not its base image\'s', { timeout: 180_000 }, async () => {
    const repo = `${registry.address}/${PROFILE}`;
    const parent = await state('pullp', 1);
    const child = await state('pullc', 2, parent.ref, 3);
    const base = Number(cli('image', 'inspect', '-f', '{{.Size}}', BASE));
    await pushState(docker, repo, parent.key);
    await pushState(docker, repo, child.key);
    // Nothing of the baker's states on this engine: its parent label names an image the puller lacks.
    cleanup();
    expect(await pullState(docker, repo, child.key)).toBe('pulled');
    const pulled = (await mine()).find((e) => e.key === child.key)!;
    expect(pulled.parent).toBe(child.parent);
    expect(dockerTry('image', 'inspect', child.parent).code).not.toBe(0);
    // Its own 3 MB and the parent's 2 MB (the pulled image holds both), not the base image's too.
    expect(pulled.sizeBytes).toBeGreaterThan(4_000_000);
    expect(pulled.sizeBytes).toBeLessThan(base / 4);
  });

  it('a pull whose image is not a state of that key leaves nothing on the engine', { timeout: 120_000 }, async () => {
    const repo = `${registry.address}/${PROFILE}-odd`;
    const key = `hx${RUN}oddkey`.padEnd(32, '0');
    const ref = `${repo}:${cacheTag(key)}`;
    const box = `hx-${RUN}-odd`;
    cli('create', '--name', box, '--label', `hx.run=${RUN}`, BASE, 'true');
    cli('commit', '--change', `LABEL prodlike.cache-key=someotherkey hx.run=${RUN}`, box, ref);
    dockerTry('rm', '-f', box);
    cli('push', ref);
    cli('rmi', ref);
    expect(await pullState(docker, repo, key)).toBe('absent');
    expect(cli('images', '-q', ref)).toBe('');
  });
});
