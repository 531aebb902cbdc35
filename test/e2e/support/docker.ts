// The Docker CLI, to check from outside what the app says it did.
import { execFileSync } from 'node:child_process';

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** name → state ("running", "exited", ...) of a profile's containers, by Prodlike's ownership label. */
export function containersOf(profile: string): Map<string, string> {
  const out = docker('ps', '-a', '--filter', `label=prodlike.profile=${profile}`, '--format', '{{.Names}} {{.State}} {{.Label "prodlike.machine"}}');
  const m = new Map<string, string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, state, machine] = line.split(' ');
    m.set(machine || name!, state!);
  }
  return m;
}

export function containerId(profile: string, machine: string): string {
  return docker('ps', '-aq', '--filter', `label=prodlike.profile=${profile}`, '--filter', `label=prodlike.machine=${machine}`);
}
