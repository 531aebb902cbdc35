// What every suite gets: options, the CLI workspace, the cleanup list, the results, and helpers to
// start sshd containers (named pl-bench-*) that the CLI, Ansible and ssh all trust.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startSshd, type Sshd } from '../support/sshd.js';
import { Cleanup, median, PREFIX, rand, timeline, type Cli, type Proc } from './lib.js';
import type { Results } from './results.js';
import type { SshTarget } from './workloads.js';

export interface Ctx {
  quick: boolean;
  /** Repetitions for medians (after a warm-up). */
  reps: number;
  cli: Cli;
  cleanup: Cleanup;
  results: Results;
  /** The SSH target the Ansible suite configured with Prodlike (reused by the floor suite). */
  configured?: { sshd: Sshd; file: string; machine: string };
}

export async function sshd(ctx: Ctx, tag: string): Promise<Sshd> {
  const s = await startSshd({ name: `${PREFIX}${tag}-${rand()}` });
  ctx.cleanup.add(`sshd ${s.name}`, () => s.stop());
  await mkdir(path.dirname(ctx.cli.knownHosts), { recursive: true });
  await appendFile(ctx.cli.knownHosts, `${s.hostKeyLine}\n`);
  return s;
}

export const target = (s: Sshd, name: string): SshTarget => ({ name, port: s.port, identity: s.identity });

export async function writeFileIn(ctx: Ctx, rel: string, text: string): Promise<string> {
  const file = path.join(ctx.cli.dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

/**
 * Runs `fns` in turn, `reps` times (after `warmup` unrecorded rounds), interleaved to share the noise;
 * every other round in the opposite order, so no tool always runs right after the same one.
 */
export async function interleave(reps: number, warmup: number, fns: (() => Promise<Proc>)[]): Promise<Proc[][]> {
  const out: Proc[][] = fns.map(() => []);
  for (let i = 0; i < warmup + reps; i++) {
    const order = [...fns.entries()];
    if (i % 2) order.reverse();
    for (const [j, fn] of order) {
      const p = await fn();
      if (i >= warmup) out[j]!.push(p);
    }
  }
  return out;
}

export const ms = (ps: Proc[]) => ps.map((p) => p.ms);
export const med = (ps: Proc[]) => median(ms(ps));
export const memMb = (ps: Proc[]) => ps.map((p) => (p.maxRssKb ?? NaN) / 1024);

/** The timeline of the sample closest to the median. */
export function medianTimeline(ps: Proc[]) {
  const m = med(ps);
  const p = [...ps].sort((a, b) => Math.abs(a.ms - m) - Math.abs(b.ms - m))[0];
  return p ? timeline(p) : undefined;
}
