// Profiles built in code for the Docker backend's tests (no YAML loader involved).

import type { DockerMachineSpec, MachineSpec, Profile } from '../../shared/profile.js';
import type { RunEvent } from '../../shared/events.js';
import type { RunContext } from '../../electron/engine/backends/backend.js';

export const BASE_IMAGE = process.env.PRODLIKE_BASE_IMAGE ?? 'debian:bookworm';

export const uniqueProfile = (prefix = 'pl-dkr') => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

export function dockerMachine(name: string, docker: Partial<DockerMachineSpec> = {}): MachineSpec {
  return {
    name,
    docker: { image: BASE_IMAGE, ports: [], env: {}, volumes: [], privileged: false, ...docker },
    resources: [],
  };
}

export function makeProfile(name: string, machines: MachineSpec[]): Profile {
  const file = `/tmp/prodlike-tests/${name}.yaml`;
  return { name, role: 'dev', vars: {}, machines, file, files: [file] };
}

/** A run context that records its events. */
export function recordingContext(runId = 'test-run'): RunContext & { events: RunEvent[] } {
  const events: RunEvent[] = [];
  return { runId, events, emit: (e) => events.push(e) };
}

/** The `machine` events' details for one phase, by machine: { web: 'kept', ... }. */
export function details(events: RunEvent[], phase = 'provision'): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const e of events) if (e.type === 'machine' && e.phase === phase && e.status !== 'start') out[e.machine] = e.detail;
  return out;
}
