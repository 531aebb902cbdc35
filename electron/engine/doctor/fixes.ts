// Carries out doctor's fixes: install Debian/Ubuntu's docker.io, start the engine (systemd, or dockerd in
// the background with its log in the data folder), pull a base image or build a Debian one with
// mmdebstrap where no registry answers. Each waits until its effect can be seen, and fails with the
// command's own last lines when it cannot.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { engineMessage } from '../backends/docker/client.js';
import { MMDEBSTRAP_INCLUDE, type FixAction } from './checks.js';
import { askEngine } from './gather.js';
import { describeStale, stalePidFiles, type PidFile } from './pid-files.js';
import { fsReader } from '../backends/docker/engine-context.js';

export interface FixContext {
  docker: Docker;
  /** A line of a fix's output (the CLI prints it dimmed; the app keeps the tail). */
  log: (line: string) => void;
  /** sudo may ask for a password (a terminal is there); else `sudo -n`. */
  interactive: boolean;
  /** How long to wait for a started engine to answer. */
  engineWaitMs?: number;
}

export class FixFailed extends Error {
  constructor(
    message: string,
    readonly tail: string[] = [],
  ) {
    super(message);
  }
}

function asRoot(sudo: boolean, interactive: boolean, argv: string[]): string[] {
  return sudo ? ['sudo', ...(interactive ? [] : ['-n']), ...argv] : argv;
}

/** Runs a command to its end, its output line by line to the log; rejects with the last lines on failure. */
function runLogged(argv: string[], ctx: FixContext, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: [ctx.interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'] });
    const onData = (buf: Buffer) => {
      for (const line of buf.toString().split(/\r|\n/)) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        ctx.log(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (err) => reject(new FixFailed(`${argv.join(' ')}: ${err.message}`, tail)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new FixFailed(`\`${argv.join(' ')}\` failed (exit ${code})`, tail))));
  });
}

async function waitForEngine(ctx: FixContext, child?: ChildProcess, log?: string): Promise<string> {
  const until = Date.now() + (ctx.engineWaitMs ?? 60_000);
  let exited: number | null = null;
  child?.once('exit', (code) => (exited = code ?? 1));
  while (Date.now() < until) {
    const a = await askEngine(ctx.docker, 2000);
    if (a.state === 'ok') return a.version;
    if (exited !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const tail = log ? readTail(log) : [];
  throw new FixFailed(exited !== null ? `dockerd exited (code ${exited}) before it answered${log ? `; its log: ${log}` : ''}` : `the engine did not answer within ${Math.round((ctx.engineWaitMs ?? 60_000) / 1000)} s${log ? `; its log: ${log}` : ''}`, tail);
}

function readTail(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15);
  } catch {
    return [];
  }
}

/** "debian:bookworm" → repo "debian", tag "bookworm"; a registry port's colon is not a tag. */
export function splitImageRef(image: string): { repo: string; tag: string } {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? { repo: image.slice(0, colon), tag: image.slice(colon + 1) } : { repo: image, tag: 'latest' };
}

function follow(docker: Docker, stream: NodeJS.ReadableStream, ctx: FixContext): Promise<void> {
  return new Promise((resolve, reject) => {
    let inBand: string | undefined;
    let lastStatus = '';
    docker.modem.followProgress(
      stream,
      (err) => (inBand !== undefined ? reject(new Error(inBand)) : err ? reject(err) : resolve()),
      (e: { status?: string; id?: string; error?: string; errorDetail?: { message?: string } }) => {
        const message = e.error ?? e.errorDetail?.message;
        if (message !== undefined && inBand === undefined) inBand = message.trim();
        // Layer progress is for eyes; the log gets each new status once.
        else if (e.status && e.status !== lastStatus && !e.status.startsWith('Downloading') && !e.status.startsWith('Extracting')) {
          lastStatus = e.status;
          ctx.log(e.id ? `${e.id}: ${e.status}` : e.status);
        }
      },
    );
  });
}

async function pull(image: string, ctx: FixContext): Promise<void> {
  ctx.log(`docker pull ${image}`);
  const stream = (await ctx.docker.pull(image)) as NodeJS.ReadableStream;
  await follow(ctx.docker, stream, ctx);
}

/** mmdebstrap writes a tarball of the root file system to stdout; the engine imports it as the image. */
async function buildWithMmdebstrap(image: string, suite: string, sudo: boolean, ctx: FixContext): Promise<void> {
  const argv = asRoot(sudo, ctx.interactive, ['mmdebstrap', '--quiet', '--variant=apt', `--include=${MMDEBSTRAP_INCLUDE.join(',')}`, suite, '-']);
  ctx.log(`${argv.join(' ')} | docker import - ${image}`);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: [ctx.interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  child.stderr!.on('data', (buf: Buffer) => {
    for (const line of buf.toString().split(/\r|\n/)) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      ctx.log(line);
    }
  });
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
  const imported = (async () => {
    const stream = (await ctx.docker.importImage(child.stdout as unknown as string, splitImageRef(image))) as NodeJS.ReadableStream;
    await follow(ctx.docker, stream, ctx);
  })();
  const [code, result] = await Promise.all([exited, imported.then(() => undefined, (err: unknown) => err)]);
  if (code !== 0) throw new FixFailed(`mmdebstrap failed (exit ${code})`, tail);
  if (result) throw new FixFailed(`the engine could not import the built image: ${engineMessage(result)}`, tail);
}

async function getImage(a: Extract<FixAction, { kind: 'get-image' }>, ctx: FixContext): Promise<string> {
  try {
    await pull(a.image, ctx);
    return `pulled ${a.image}`;
  } catch (err) {
    const why = engineMessage(err);
    if (!a.suite) throw new FixFailed(`${a.image} could not be pulled: ${why}`);
    ctx.log(`the pull failed (${why}); building ${a.image} from Debian's packages instead`);
  }
  if (a.installMmdebstrap) {
    await runLogged(asRoot(a.sudo, ctx.interactive, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'mmdebstrap']), ctx, { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
  }
  const t = Date.now();
  await buildWithMmdebstrap(a.image, a.suite, a.sudo, ctx);
  await ctx.docker.getImage(a.image).inspect().catch(() => {
    throw new FixFailed(`${a.image} was built but the engine does not list it`);
  });
  return `built ${a.image} with mmdebstrap in ${Math.round((Date.now() - t) / 1000)} s (no registry answered)`;
}

/**
 * Removes the pid files a dead engine left, checked again now (the engine may have started since doctor
 * looked): dockerd will not start while its pid file names a running process, whatever that process is.
 */
async function removeStalePidFiles(files: PidFile[], sudo: boolean, ctx: FixContext): Promise<string> {
  const stale = stalePidFiles(files, fsReader);
  if (!stale.length) return '';
  for (const s of stale) ctx.log(`${describeStale(s)}: removing it`);
  await runLogged(asRoot(sudo, ctx.interactive, ['rm', '-f', ...stale.map((s) => s.path)]), ctx);
  return `removed the stale pid file${stale.length === 1 ? '' : 's'} ${stale.map((s) => s.path).join(' and ')}, then `;
}

/** Does one fix; resolves to what was done, rejects with FixFailed (message and the output's last lines). */
export async function runFix(a: FixAction, ctx: FixContext): Promise<string> {
  switch (a.kind) {
    case 'install-docker': {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      await runLogged(asRoot(a.sudo, ctx.interactive, ['apt-get', 'update', '-qq']), ctx, env);
      await runLogged(asRoot(a.sudo, ctx.interactive, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'docker.io']), ctx, env);
      return 'installed docker.io';
    }
    case 'start-engine': {
      const removed = await removeStalePidFiles(a.pidFiles, a.sudo, ctx);
      if (a.how === 'systemctl') {
        await runLogged(asRoot(a.sudo, ctx.interactive, ['systemctl', 'start', 'docker']), ctx);
        return `${removed}started the Docker engine (systemd), version ${await waitForEngine(ctx)}`;
      }
      mkdirSync(path.dirname(a.log), { recursive: true });
      const fd = openSync(a.log, 'a');
      const argv = asRoot(a.sudo, ctx.interactive, [a.dockerd, ...a.args]);
      ctx.log(`${argv.join(' ')} >>${a.log} 2>&1 &`);
      // Its own session: it outlives this process (the CLI exits; the engine goes on).
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
      closeSync(fd);
      const spawned = new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (err) => reject(new FixFailed(`${a.dockerd} could not be started: ${err.message}`)));
      });
      await spawned;
      child.unref();
      return `${removed}started dockerd in the background (pid ${child.pid}, log ${a.log}), version ${await waitForEngine(ctx, child, a.log)}`;
    }
    case 'get-image':
      return getImage(a, ctx);
  }
}
