// Doctor: checks what runs need on this machine and, with the user's consent, fixes what it can.
// One fix at a time, the checks read again after each: installing the engine makes "start it" possible,
// starting it makes the base images checkable.

import Docker from 'dockerode';
import type { DoctorCheck, DoctorFixResult, DoctorReport, FixOutcome } from '../../../shared/doctor.js';
import os from 'node:os';
import { engineEndpoint, type DockerEndpoint } from '../backends/docker/client.js';
import { resolveEngine, type ResolvedEngine } from '../backends/docker/engine-context.js';
import { SshEngineDial } from '../backends/docker/ssh-dial.js';
import { decideChecks, type Decided } from './checks.js';
import { runFix, FixFailed } from './fixes.js';
import { gatherFacts, type GatherOptions } from './gather.js';

export interface DoctorOptions {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  profileFolders: string[];
  /** The app's Docker setting (DOCKER_HOST form); empty: DOCKER_HOST or the default socket. */
  dockerHost?: string;
  /** The app's Docker context setting (when dockerHost is empty). */
  dockerContext?: string;
  sshIdentity?: string;
  /** A person can answer sudo's password prompt. */
  interactive?: boolean;
}

export interface FixOptions {
  /** Only these checks' fixes (the app's Fix button); default: every automatic one. */
  only?: string[];
  /** Asked before each fix; false skips it. */
  confirm: (check: DoctorCheck) => Promise<boolean>;
  log?: (line: string) => void;
  /** Called as each fix starts. */
  onFix?: (check: DoctorCheck) => void;
  engineWaitMs?: number;
}

/** An ssh:// engine's SSH connection, closed when doctor is done (it would keep the process alive). */
const sshDials = new WeakMap<GatherOptions, SshEngineDial>();

async function done(g: GatherOptions): Promise<void> {
  await sshDials.get(g)?.close();
}

function gatherOptions(o: DoctorOptions): GatherOptions {
  let engine: ResolvedEngine;
  let ep: DockerEndpoint;
  try {
    engine = resolveEngine({ ...(o.dockerHost ? { host: o.dockerHost } : {}), ...(o.dockerContext ? { context: o.dockerContext } : {}) }, o.env, os.homedir());
    ep = engineEndpoint(engine, o.env);
  } catch (err) {
    // A missing context or unreadable TLS file: the engine check says so; the rest is still checked.
    const message = (err as Error).message;
    return { env: o.env, dataDir: o.dataDir, profileFolders: o.profileFolders, engineAddress: o.dockerContext || o.env.DOCKER_CONTEXT || 'the chosen context', engineError: message, docker: new Docker({ socketPath: '/nonexistent' }), interactive: !!o.interactive };
  }
  const options: Docker.DockerOptions & { agent?: unknown } = { ...ep.options };
  const dial = ep.ssh ? new SshEngineDial(ep.ssh, { dataDir: o.dataDir, ...(o.sshIdentity ? { identity: o.sshIdentity } : {}) }) : undefined;
  if (dial) Object.assign(options, { protocol: 'http', host: 'docker', port: 80, agent: dial.agent() });
  const g: GatherOptions = {
    env: o.env,
    dataDir: o.dataDir,
    profileFolders: o.profileFolders,
    engineAddress: ep.address,
    engineWhy: engine.why,
    // Its own client, without keep-alive: the engine may be down now and up in a moment.
    docker: new Docker(options as Docker.DockerOptions),
    interactive: !!o.interactive,
  };
  if (ep.options.socketPath && ep.address.startsWith('unix://')) g.socketPath = ep.options.socketPath;
  if (dial) sshDials.set(g, dial);
  if (o.sshIdentity) g.sshIdentity = o.sshIdentity;
  return g;
}

export function toReport(decided: Decided[]): DoctorReport {
  const checks = decided.map((d) => d.check);
  return { ok: !checks.some((c) => c.status === 'fail'), checks };
}

export async function diagnose(o: DoctorOptions): Promise<{ report: DoctorReport; decided: Decided[] }> {
  const g = gatherOptions(o);
  const decided = decideChecks(await gatherFacts(g).finally(() => done(g)));
  return { report: toReport(decided), decided };
}

export async function checkMachine(o: DoctorOptions): Promise<DoctorReport> {
  return (await diagnose(o)).report;
}

/** The failing checks whose fix doctor can do, in the order it would do them. */
export function fixable(decided: Decided[], only?: string[]): Decided[] {
  return decided.filter((d) => d.check.status === 'fail' && d.action && d.check.fix?.automatic && (!only || only.includes(d.check.id)));
}

export async function fixMachine(o: DoctorOptions, f: FixOptions): Promise<DoctorFixResult> {
  const g = gatherOptions(o);
  try {
    return await fixRounds(g, f);
  } finally {
    await done(g);
  }
}

async function fixRounds(g: GatherOptions, f: FixOptions): Promise<DoctorFixResult> {
  const attempted = new Set<string>();
  const fixes: FixOutcome[] = [];
  // Each fix can enable the next one (install → start → images); a bound in case a fix "succeeds"
  // without its check turning ok.
  for (let round = 0; round < 12; round++) {
    const decided = decideChecks(await gatherFacts(g));
    const next = fixable(decided, f.only).find((d) => !attempted.has(d.check.id));
    if (!next) return { fixes, report: toReport(decided) };
    attempted.add(next.check.id);
    if (!(await f.confirm(next.check))) {
      fixes.push({ id: next.check.id, ok: false, message: 'skipped' });
      continue;
    }
    f.onFix?.(next.check);
    const tail: string[] = [];
    const log = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      f.log?.(line);
    };
    try {
      const message = await runFix(next.action!, { docker: g.docker, log, interactive: g.interactive, ...(f.engineWaitMs ? { engineWaitMs: f.engineWaitMs } : {}) });
      fixes.push({ id: next.check.id, ok: true, message });
    } catch (err) {
      const lines = err instanceof FixFailed && err.tail.length ? err.tail : tail;
      fixes.push({ id: next.check.id, ok: false, message: (err as Error).message, ...(lines.length ? { log: lines.slice(-15) } : {}) });
    }
  }
  return { fixes, report: toReport(decideChecks(await gatherFacts(g))) };
}

export type { Decided } from './checks.js';
