// Shared pieces of the benchmark: running processes with timing (and peak memory), medians, the
// `prodlike` runner with per-event timestamps, and the list of things to clean up.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'prodlike.mjs');
export const PREFIX = 'pl-bench-';
export const TIME_BIN = '/usr/bin/time';

export interface Proc {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, milliseconds. */
  ms: number;
  /** Peak resident memory of the process (KiB), when measured through /usr/bin/time. */
  maxRssKb?: number;
  /** Arrival time (ms after spawn) of each stdout line. */
  lineTimes: number[];
}

export interface RunOpts {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Wrap in /usr/bin/time to read the peak resident memory. */
  memory?: boolean;
}

let seq = 0;

/** Runs a command to completion; never throws for a non-zero exit (the caller decides). */
export function run(cmd: string, args: string[], opts: RunOpts = {}): Promise<Proc> {
  let file = cmd;
  let argv = args;
  let memFile: string | undefined;
  if (opts.memory && existsSync(TIME_BIN)) {
    memFile = path.join(os.tmpdir(), `${PREFIX}time-${process.pid}-${seq++}`);
    file = TIME_BIN;
    argv = ['-f', '%M', '-o', memFile, cmd, ...args];
  }
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const lineTimes: number[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      const now = performance.now() - t0;
      for (const b of d) if (b === 10) lineTimes.push(now);
      out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (timer) clearTimeout(timer);
      const p: Proc = { code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms, lineTimes };
      if (memFile) {
        try {
          const kb = Number(readFileSync(memFile, 'utf8').trim().split('\n').pop());
          if (Number.isFinite(kb) && kb > 0) p.maxRssKb = kb;
        } catch {}
        rmSync(memFile, { force: true });
      }
      resolve(p);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run, but throws (with the tail of the output) unless the exit code is one of `ok`. */
export async function must(cmd: string, args: string[], opts: RunOpts = {}, ok: number[] = [0]): Promise<Proc> {
  const p = await run(cmd, args, opts);
  if (!ok.includes(p.code)) {
    const tail = (s: string) => s.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${p.code} (expected ${ok.join('/')})\n${tail(p.stdout)}\n${tail(p.stderr)}`);
  }
  return p;
}

export const docker = (...args: string[]) => must('docker', args).then((p) => p.stdout.trim());

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const rand = () => Math.random().toString(36).slice(2, 7);

const tempDirs: string[] = [];

/** A temp folder (removed by removeTempDirs at the end of the run). */
export async function tempDir(tag: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `${PREFIX}${tag}-`));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function commandExists(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(path.join(d, cmd)));
}

/** What a prodlike run's NDJSON said, with arrival times: where the time goes. */
export interface Timeline {
  /** ms after spawn of the first event (node start-up + engine load + profile load). */
  firstEventMs: number;
  /** ms after spawn of the run-end event. */
  runEndMs: number;
  /** The engine's own durationMs of the run. */
  engineMs?: number;
  /** Per machine phase: ms after spawn when it started and ended (max over machines). */
  phases: Record<string, { start: number; end: number }>;
}

export function timeline(p: Proc): Timeline | undefined {
  const lines = p.stdout.split('\n');
  const tl: Timeline = { firstEventMs: NaN, runEndMs: NaN, phases: {} };
  let any = false;
  lines.forEach((line, i) => {
    if (!line.startsWith('{')) return;
    let e: { type?: string; phase?: string; status?: string; durationMs?: number };
    try {
      e = JSON.parse(line);
    } catch {
      return;
    }
    const t = p.lineTimes[i] ?? p.ms;
    if (!any) tl.firstEventMs = t;
    any = true;
    if (e.type === 'run-end') {
      tl.runEndMs = t;
      if (typeof e.durationMs === 'number') tl.engineMs = e.durationMs;
    }
    if (e.type === 'machine' && e.phase) {
      const ph = (tl.phases[e.phase] ??= { start: t, end: t });
      if (e.status === 'start') ph.start = Math.min(ph.start, t);
      else ph.end = Math.max(ph.end, t);
    }
  });
  return any ? tl : undefined;
}

/** One workspace for the CLI: its own data dir and HOME (so ~/.ssh/known_hosts is ours). */
export interface Cli {
  dir: string;
  env: NodeJS.ProcessEnv;
  knownHosts: string;
  /** Runs `prodlike <args>`, timed, with peak memory. */
  run(args: string[], ok?: number[]): Promise<Proc>;
  /** The same through the background agent (started by `agent start`; `agent stop` ends it). */
  runAgent(args: string[], ok?: number[]): Promise<Proc>;
}

export function makeCli(dir: string): Cli {
  const home = path.join(dir, 'home');
  // Without the background agent unless a row says otherwise: each run starts cold, as the figures say.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, PRODLIKE_DATA_DIR: path.join(dir, 'data'), NO_COLOR: '1', FORCE_COLOR: '0', PRODLIKE_NO_AGENT: '1' };
  return {
    dir,
    env,
    knownHosts: path.join(home, '.ssh', 'known_hosts'),
    run: (args, ok = [0]) => must(process.execPath, [BIN, ...args], { cwd: dir, env, memory: true, timeoutMs: 900_000 }, ok),
    runAgent: (args, ok = [0]) => must(process.execPath, [BIN, ...args], { cwd: dir, env: { ...env, PRODLIKE_NO_AGENT: '', CI: '' }, memory: true, timeoutMs: 900_000 }, ok),
  };
}

/** Cleanup actions, run in reverse order, each allowed to fail. */
export class Cleanup {
  private readonly actions: { what: string; fn: () => Promise<unknown> }[] = [];
  add(what: string, fn: () => Promise<unknown>): void {
    this.actions.push({ what, fn });
  }
  async runAll(): Promise<void> {
    while (this.actions.length) {
      const a = this.actions.pop()!;
      try {
        await a.fn();
      } catch (err) {
        process.stderr.write(`cleanup (${a.what}) failed: ${(err as Error).message}\n`);
      }
    }
  }
}

/** Another bench run on this machine (its containers are not leftovers): a node process running bench.ts. */
export function otherBenchRunning(): boolean {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (path.basename(argv[0] ?? '') === 'node' && argv.some((a) => a.endsWith('test/bench/bench.ts'))) return true;
  }
  return false;
}

/** Removes every container, network and volume whose name starts with pl-bench- (a crashed run's),
 * unless another bench is running: they are then its own. */
export async function removeLeftovers(): Promise<void> {
  if (otherBenchRunning()) {
    log('another bench is running on this machine: pl-bench-* leftovers are left alone (its figures and these share the CPU)');
    return;
  }
  const list = async (kind: string[]) => (await run('docker', [...kind, '--filter', `name=${PREFIX}`, '--format', '{{.Name}}'].flat())).stdout.split('\n').filter((n) => n.startsWith(PREFIX));
  const cs = (await run('docker', ['ps', '-a', '--filter', `name=${PREFIX}`, '--format', '{{.Names}}'])).stdout.split('\n').filter((n) => n.startsWith(PREFIX));
  if (cs.length) await run('docker', ['rm', '-f', ...cs]);
  const labelled = (await run('docker', ['ps', '-aq', '--filter', 'label=pl-bench=1'])).stdout.split('\n').filter(Boolean);
  if (labelled.length) await run('docker', ['rm', '-f', ...labelled]);
  const nets = await list(['network', 'ls']);
  if (nets.length) await run('docker', ['network', 'rm', ...nets]);
  const vols = await list(['volume', 'ls']);
  if (vols.length) await run('docker', ['volume', 'rm', '-f', ...vols]);
}

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}
