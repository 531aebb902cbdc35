// Is a process still running? One answer for locks, the agent, port forwarders and VMs.

import { readFileSync } from 'node:fs';

/**
 * True while `pid` runs. A process of another user (EPERM) counts as running. A killed process that
 * nobody has reaped yet still answers kill(0) — an agent killed with SIGKILL whose parent (init in a
 * container) reaps late — but it runs no more: a zombie is not alive.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !zombie(pid);
}

/** Whether a /proc/<pid>/stat text is a zombie's (or a dead one's): the state after the command's name. */
export function exitedStat(stat: string): boolean {
  return /^\S+ \(.*\) [ZX]/s.test(stat);
}

function zombie(pid: number): boolean {
  try {
    return exitedStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false; // no /proc (macOS): kill(0) decides
  }
}
