// The docker CLI, for tests to check what Prodlike did independently of it. One helper per job, one
// name per helper: every test folder imports these (test/support/cli.ts re-exports them for CLI tests).

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

/** `docker <args>`, synchronously; throws with docker's stderr on a non-zero exit. */
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

/** The ID of the container with this name. */
export function containerIdOf(name: string): string {
  return docker('inspect', '-f', '{{.Id}}', name);
}

/** The ID of a profile's machine's container, found by Prodlike's ownership labels ("" when none). */
export function machineContainerId(profile: string, machine: string): string {
  return docker('ps', '-aq', '--filter', `label=prodlike.profile=${profile}`, '--filter', `label=prodlike.machine=${machine}`);
}

/** Names of a profile's containers (all, or running only), sorted. */
export function containerNames(profile: string, all = true): string[] {
  const out = docker('ps', ...(all ? ['-a'] : []), '--filter', `label=prodlike.profile=${profile}`, '--format', '{{.Names}}');
  return out ? out.split('\n').sort() : [];
}

/** machine → state ("running", "exited", ...) of a profile's containers, by Prodlike's ownership labels. */
export function containerStates(profile: string): Map<string, string> {
  const out = docker('ps', '-a', '--filter', `label=prodlike.profile=${profile}`, '--format', '{{.Names}} {{.State}} {{.Label "prodlike.machine"}}');
  const m = new Map<string, string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, state, machine] = line.split(' ');
    m.set(machine || name!, state!);
  }
  return m;
}

/** Shell: the sha256 of each file in apt's lists folder but its lock, a line each, by file name (nothing for none). */
export const APT_LISTS_SUMS = 'cd /var/lib/apt/lists && find . -maxdepth 1 -type f ! -name lock -exec sha256sum {} + | sort -k2';

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

/** `docker <args>` without blocking the event loop (stdout untrimmed). */
export async function dockerAsync(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Removes the environment cache's images saved for the profile (its `prodlike.cache-profile` label). */
export function removeCacheImages(profile: string): void {
  const ids = dockerTry('images', '--filter', `label=prodlike.cache-profile=${profile}`, '-q').out;
  if (ids) dockerTry('rmi', '-f', ...new Set(ids.split('\n')));
}
