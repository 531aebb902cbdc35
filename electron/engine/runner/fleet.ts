// Read-only runs over a fleet (drift, capture): at most `forks` machines are worked on at a time, each
// connected just before its work and released after it, so 100 hosts cost `forks` connections' worth of
// memory and handshakes at once, not 100. A `progress` event after each machine says how many are done
// and how many failed; a machine that cannot be reached is one failure among the others, never the end
// of the run.

import { getMaxListeners, setMaxListeners } from 'node:events';
import type { MachineSpec, Profile } from '../../../shared/profile.js';
import { DEFAULT_FORKS, MAX_FORKS } from '../../../shared/api.js';
import { ReachedMachines, type RunContext } from '../backends/backend.js';
import type { Transport } from '../transport.js';
import { attachAll, type ProviderSet } from './backends.js';

/**
 * Enough to keep a fleet's round-trips overlapping (a probe is mostly waiting on the network), few
 * enough that key exchanges do not starve the CLI of CPU. Ansible's default is 5, pyinfra's 10 per
 * core; `--forks` overrides it.
 */

/** The task name of a fleet's `progress` events (current = machines done, total, failed so far). */
export const FLEET_TASK = 'hosts';

export interface FleetOptions {
  providers: ProviderSet;
  profile: Profile;
  machines: MachineSpec[];
  ctx: RunContext;
  forks?: number;
  /** The machine's work over its transport; a throw counts the machine as failed. */
  work: (m: MachineSpec, t: Transport) => Promise<void>;
  /** A machine that could not be reached, or whose work threw. */
  failed: (m: MachineSpec, err: Error, phase: 'provision' | 'probe') => void;
}

/** Runs `items` through `fn`, at most `limit` at a time, in order of `items`. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** What identifies an SSH connection in the pool: machines that share one release it together. */
function connectionKey(m: MachineSpec): string | undefined {
  if (!m.ssh) return undefined;
  const s = m.ssh;
  return `${s.user}@${s.host}:${s.port}${s.jump ? ` via ${s.jump.user}@${s.jump.host}:${s.jump.port}` : ''}`;
}

export async function forEachMachine(opts: FleetOptions): Promise<{ done: number; failed: number }> {
  const { providers, profile, machines, ctx } = opts;
  const forks = Math.max(1, Math.min(MAX_FORKS, Math.floor(opts.forks ?? DEFAULT_FORKS)));
  const total = machines.length;
  let done = 0;
  let failures = 0;
  // A connection is released when the last machine that uses it is done (jump hosts stay for the run).
  const users = new Map<string, number>();
  for (const m of machines) {
    const k = connectionKey(m);
    if (k) users.set(k, (users.get(k) ?? 0) + 1);
  }
  // Each running command listens for the run's cancel: `forks` of them at once is expected, not a leak
  // (Node warned on stderr past 10).
  if (ctx.signal) setMaxListeners(Math.max(getMaxListeners(ctx.signal), 2 * forks + 10), ctx.signal);
  const progress = () => ctx.emit({ type: 'progress', runId: ctx.runId, task: FLEET_TASK, current: done, total, failed: failures });
  if (total > 1) progress();
  // Containers and local VMs are attached together (one engine query); SSH hosts one by one, each
  // when its turn comes, so that no more than `forks` connections are open.
  const local = machines.filter((m) => !m.ssh);
  const attached = local.length ? await attachAll(providers, profile, local, ctx) : new ReachedMachines();
  await mapLimit(machines, forks, async (m) => {
    if (ctx.signal?.aborted) return;
    const { transport: t, error } = (m.ssh ? await attachAll(providers, profile, [m], ctx) : attached).reach(m.name);
    if (!t) {
      failures++;
      opts.failed(m, error, 'provision');
    } else {
      try {
        await opts.work(m, t);
      } catch (err) {
        failures++;
        opts.failed(m, err instanceof Error ? err : new Error(String(err)), 'probe');
      }
      const k = connectionKey(m);
      if (k) {
        const left = (users.get(k) ?? 1) - 1;
        users.set(k, left);
        if (left === 0) await t.close().catch(() => undefined);
      }
    }
    done++;
    if (total > 1) progress();
  });
  return { done, failed: failures };
}
