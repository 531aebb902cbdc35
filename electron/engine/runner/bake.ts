// `prodlike bake <profile> [--push <registry>/<repo>]`: every Docker machine built to its converged
// state in containers of its own (a temporary profile name, no published ports, fresh volumes), saved
// to the cache at its save points, and — with --push — those states tagged and pushed, so `up` of a
// profile with `cache: { from: <repo> }` pulls them instead of running apt.

import { randomBytes } from 'node:crypto';
import type { Profile } from '../../../shared/profile.js';
import type { MachineResult } from '../../../shared/report.js';
import type { RunContext } from '../backends/backend.js';
import type { ProviderSet } from './backends.js';
import { runUp } from './operations.js';
import { listCache, pushState } from '../backends/docker/cache-store.js';
import { registryOf } from '../backends/docker/registry-auth.js';
import { cacheable } from '../backends/docker/cache-session.js';
import { ProdlikeError } from '../errors.js';
import type { CacheSessionInfo } from '../cache/run-cache-options.js';

export async function runBake(providers: ProviderSet, profile: Profile, ctx: RunContext, opts: { push?: string; secrets: string[] }): Promise<MachineResult[]> {
  const log = (text: string, stream: 'info' | 'warn' = 'info') => ctx.emit({ type: 'log', runId: ctx.runId, stream, text });
  const dockerMachines = profile.machines.filter((m) => m.docker);
  if (dockerMachines.length === 0) {
    log(`profile ${profile.name} has no Docker machine: nothing to bake`, 'warn');
    return [];
  }
  const skipped = profile.machines.filter((m) => !m.docker).map((m) => m.name);
  if (skipped.length) log(`not baked (not Docker machines): ${skipped.join(', ')}`);
  const baking: Profile = {
    ...profile,
    name: `${profile.name}-bake-${randomBytes(3).toString('hex')}`,
    machines: dockerMachines.map((m) => ({ ...m, docker: { ...m.docker!, ports: [] } })),
  };
  const sessions: CacheSessionInfo[] = [];
  const bakeCtx: RunContext = {
    ...ctx,
    cache: { enabled: true, secrets: opts.secrets, profileLabel: profile.name, onSession: (s) => sessions.push(s) },
  };
  const docker = await providers.docker();
  let results: MachineResult[];
  try {
    results = await runUp(providers, baking, bakeCtx);
  } finally {
    // The bake's containers, network and volumes are its own: always removed (quietly).
    await docker.destroy(baking, baking.machines, { volumes: true }, { ...ctx, emit: (e) => (e.type === 'machine' ? undefined : ctx.emit(e)) }).catch((err: unknown) => {
      log(`could not remove the bake's containers (${baking.name}): ${(err as Error).message}`, 'warn');
    });
  }
  if (results.some((r) => r.status === 'failed')) {
    log('not all machines converged: nothing was pushed', 'warn');
    return results;
  }
  // A machine with an anonymous volume has no cache session at all: said too.
  for (const m of baking.machines.filter((x) => !cacheable(x.docker!))) {
    log(`${m.name}: no state could be saved: it has an anonymous volume, empty in each new container and never in a saved state${opts.push ? ', so nothing of it is pushed' : ''}`, 'warn');
  }
  const client = await docker.client();
  const local = new Set((await listCache(client)).map((e) => e.key));
  for (const s of sessions) {
    const keys = s.keys.savePoints.flatMap((p) => {
      const key = s.usableKeys(p).find((k) => local.has(k));
      return key === undefined ? [] : [{ p, key }];
    });
    const last = keys[keys.length - 1];
    if (!last) {
      log(`${s.machine.name}: no state could be saved${s.nothingSavedWhy ? `: ${s.nothingSavedWhy}` : ''}${opts.push ? ', so nothing of it is pushed' : ''}`, 'warn');
      continue;
    }
    const total = s.keys.keys.length - 1;
    if (!opts.push) {
      log(`${s.machine.name}: baked prodlike-cache:${last.key.slice(0, 32)} (${last.p} of ${total} resources)`);
      continue;
    }
    for (const { p, key } of keys) {
      try {
        const ref = await pushState(client, opts.push, key);
        log(`${s.machine.name}: pushed ${ref} (${p} of ${total} resources)`);
      } catch (err) {
        log(`${s.machine.name}: could not push to ${opts.push}: ${(err as Error).message}`, 'warn');
        throw new ProdlikeError(`push to ${opts.push} failed: ${(err as Error).message}`, {
          hint: /unauthorized|authentication required|denied|no basic auth credentials/i.test((err as Error).message)
            ? `the registry wants credentials: \`docker login ${registryOf(opts.push)}\` (Prodlike sends the Docker CLI's), then bake again`
            : 'is the registry running and reachable from the Docker engine? (127.0.0.1 registries need no TLS; others must be in the engine\'s insecure-registries or use TLS)',
        });
      }
    }
  }
  return results;
}
