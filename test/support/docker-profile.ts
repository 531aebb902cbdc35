// Profiles built in code for the Docker provider's tests (no YAML loader involved), plus the docker CLI
// calls the tests use to check results independently of the provider.

import { execFileSync } from 'node:child_process';
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

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function dockerTry(...args: string[]): { code: number; out: string; err: string } {
  try {
    return { code: 0, out: docker(...args), err: '' };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: String(e.stdout ?? '').trim(), err: String(e.stderr ?? '').trim() };
  }
}

export function labelled(kind: 'container' | 'network' | 'volume', profile: string): string[] {
  const cmd = kind === 'container' ? ['ps', '-a', '--format', '{{.Names}}'] : [kind, 'ls', '--format', '{{.Name}}'];
  const out = docker(...cmd, '--filter', `label=prodlike.profile=${profile}`);
  return out ? out.split('\n').sort() : [];
}

export function containerId(name: string): string {
  return docker('inspect', '-f', '{{.Id}}', name);
}

export function dockerExec(container: string, script: string): string {
  return docker('exec', container, 'sh', '-c', script);
}

/** Removes every object labelled with the profile, through the docker CLI (test cleanup). */
export function purgeProfile(profile: string): void {
  const ids = (cmd: string[]) => {
    const out = dockerTry(...cmd, '--filter', `label=prodlike.profile=${profile}`, '-q').out;
    return out ? out.split('\n') : [];
  };
  const c = ids(['ps', '-a']);
  if (c.length) dockerTry('rm', '-f', '-v', ...c);
  const n = ids(['network', 'ls']);
  if (n.length) dockerTry('network', 'rm', ...n);
  const v = ids(['volume', 'ls']);
  if (v.length) dockerTry('volume', 'rm', '-f', ...v);
}
