// What of a machine's converged state an image does not hold: running processes. Decided without an
// engine, from the resources in order.
//
// - A container started from a state saved after k resources has their disk state, but none of their
//   processes: the services among them that must run can be started as the container starts (before
//   the first probe), as a Compose service's CMD starts its daemon.
// - A run that saved a state may carry on in a container made from that state (so the next save is a
//   layer over it, not over the base image again) only when nothing before it left a process behind.

import type { ResourceSpec } from '../../../shared/profile.js';

/** A command whose guard is a shell test: whether it runs depends on what runs at the time. */
function guardedByShell(r: ResourceSpec): boolean {
  return r.kind === 'command' && (r.unless !== undefined || r.onlyif !== undefined);
}

/** A service to start as a container starts, and its `ready:` check (started once that passes). */
export interface ServiceStart {
  name: string;
  ready?: string;
}

/**
 * The services of the first `prefix` resources to start, in profile order, when a container starts from
 * the state saved after them: those with `state: running` that come before the first command guarded by
 * a shell test (such a command is decided at run time, and a service after it must wait for it, as it
 * would in converge).
 */
export function servicesToStart(resources: readonly ResourceSpec[], prefix: number): ServiceStart[] {
  const out: ServiceStart[] = [];
  for (const r of resources.slice(0, prefix)) {
    if (guardedByShell(r)) break;
    if (r.kind === 'service' && r.state === 'running' && !out.some((s) => s.name === r.name)) out.push(r.ready !== undefined ? { name: r.name, ready: r.ready } : { name: r.name });
  }
  return out;
}

/**
 * What a container restored from a snapshot starts as it is put back (a snapshot holds the disk, not
 * the processes): the services a container from a cached state of the whole machine starts
 * (servicesToStart), and what it leaves to `up`: the running services after the first command guarded
 * by a shell test, and the commands (one may start a process, as `nohup … &` does, or change the disk:
 * which, only its guard knows at run time, and a restore does not provision).
 */
export function restoreStarts(resources: readonly ResourceSpec[]): { services: ServiceStart[]; left: { services: string[]; commands: number } } {
  const services = servicesToStart(resources, resources.length);
  const started = new Set(services.map((s) => s.name));
  const leftServices: string[] = [];
  for (const r of resources) {
    if (r.kind === 'service' && r.state === 'running' && !started.has(r.name) && !leftServices.includes(r.name)) leftServices.push(r.name);
  }
  return { services, left: { services: leftServices, commands: resources.filter((r) => r.kind === 'command').length } };
}

/**
 * Whether the first `n` resources may have left a process running: a service, or any command (it may
 * start a daemon, as `nohup … &` does). Without one, a container made from the state saved after them
 * is the same machine.
 */
export function mayLeaveProcesses(resources: readonly ResourceSpec[], n: number): boolean {
  return resources.slice(0, n).some((r) => r.kind === 'service' || r.kind === 'command');
}

/**
 * The services to stop cleanly before a machine's container stops or is removed: those with `state:
 * running`, in reverse profile order (what started last stops first).
 */
export function servicesToStop(resources: readonly ResourceSpec[]): string[] {
  const out: string[] = [];
  for (const r of [...resources].reverse()) {
    if (r.kind === 'service' && r.state === 'running' && !out.includes(r.name)) out.push(r.name);
  }
  return out;
}
