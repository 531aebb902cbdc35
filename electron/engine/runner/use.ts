// `use`: switch to a profile. A preflight first (nothing is stopped when it finds a problem); then the
// other running profiles stop while this one comes up (at once when no host port is shared, else stop
// first); if this one then fails, roll back: stop what the switch started and bring the profiles it
// stopped up again through the same up path, so the machine is left as it was.

import type { RunEvent } from '../../../shared/events.js';
import type { Profile } from '../../../shared/profile.js';
import type { MachineResult } from '../../../shared/report.js';
import type { UsePlan } from '../../../shared/use-plan.js';
import { ProdlikeError } from '../errors.js';
import type { RunContext } from '../backends/backend.js';
import type { Redact } from '../secrets.js';
import type { ConnectGuard } from '../backends/ssh/address.js';
import type { ProviderSet } from './backends.js';
import { runUp } from './operations.js';
import { preflightMessage, preflightUse } from './preflight.js';

export interface UseOptions {
  /** Roll back when the target fails (default); false for --no-rollback. */
  rollback: boolean;
  /** The active profile as recorded before the switch. */
  active?: { name: string; file: string };
  /** Loads a profile to roll back to, with the redaction of its secrets. */
  /** Loads a profile to roll back to, with the refusals of its own up (production, allow) and its guard. */
  load(file: string): Promise<{ profile: Profile; redact: Redact; connectGuard?: ConnectGuard }>;
  /** Takes a profile's lock for its rollback; resolves to the release. */
  lock(profile: string): Promise<() => Promise<void>>;
}

export interface UseOutcome {
  machines: MachineResult[];
  plan: UsePlan;
  /** Why the switch failed (the target's error, then what was rolled back or not). */
  error?: Error;
  /** The profiles brought back up. When a rollback was tried, the active-profile record stays as it was. */
  rolledBack: string[];
  rollbackTried?: boolean;
}

/** The plan as one log line per part: "will stop: a (web, db)", "will start: web (create), ...". */
export function planLines(plan: UsePlan): string[] {
  const lines: string[] = [`preflight passed in ${plan.durationMs} ms: host ports free, images present or obtainable${plan.start.some((m) => m.provider === 'ssh') ? ', SSH hosts answer' : ''}`];
  if (plan.stop.length) lines.push(`will stop: ${plan.stop.map((s) => `${s.profile} (${s.machines.join(', ')})`).join('; ')}${plan.order === 'stop-first' ? ', before starting (they share host ports)' : ''}`);
  else lines.push('will stop: nothing (no other profile is running)');
  lines.push(`will start ${plan.profile}: ${plan.start.map((m) => `${m.machine} (${m.action}${m.detail ? `: ${m.detail}` : ''})`).join(', ') || 'no machines'}`);
  return lines;
}

export async function runUse(providers: ProviderSet, profile: Profile, ctx: RunContext, opts: UseOptions): Promise<UseOutcome> {
  const log = (text: string, stream: 'info' | 'warn' = 'info') => ctx.emit({ type: 'log', runId: ctx.runId, stream, text });
  const { plan, runningBefore } = await preflightUse(providers, profile, opts.active ? { active: opts.active } : {});
  if (plan.problems.length) {
    throw new ProdlikeError(preflightMessage(profile.name, plan.problems), {
      name: 'PreflightError',
      where: profile.file,
      hint: '`prodlike use --plan` lists the same checks without switching',
      details: { problems: plan.problems },
    });
  }
  for (const line of planLines(plan)) log(line);

  const docker = plan.stop.length ? await providers.docker() : undefined;
  const stopErrors: string[] = [];
  const stopping = () =>
    Promise.all(
      plan.stop.map((s) =>
        docker!.stopProfileByName(s.profile, { ...ctx, emit: asLog(ctx, s.profile, 'stop') }).catch((err: unknown) => {
          stopErrors.push(`${s.profile}: ${(err as Error).message}`);
        }),
      ),
    );
  // runUp reports failures in its results; anything it throws is a failure of the switch all the same.
  let thrown: Error | undefined;
  const up = () =>
    runUp(providers, profile, ctx).catch((err: unknown) => {
      thrown = err instanceof Error ? err : new Error(String(err));
      return [] as MachineResult[];
    });
  let machines: MachineResult[];
  if (plan.order === 'stop-first') {
    await stopping();
    machines = await up();
  } else {
    [machines] = await Promise.all([up(), stopping()]);
  }

  const failure = thrown ? `${profile.name} did not come up: ${thrown.message}` : describeFailure(profile.name, machines, stopErrors);
  if (!failure) return { machines, plan, rolledBack: [] };
  if (!opts.rollback) {
    const left = plan.stop.length ? `; ${plan.stop.map((s) => s.profile).join(', ')} stay${plan.stop.length === 1 ? 's' : ''} stopped` : '';
    const text = `not rolled back (--no-rollback): ${profile.name}'s machines are left as they are${left}`;
    log(text, 'warn');
    return { machines, plan, rolledBack: [], error: new Error(`${failure}; ${text}`) };
  }
  if (!plan.stop.length) {
    const text = 'nothing to roll back to: no other profile was running';
    log(text, 'warn');
    return { machines, plan, rolledBack: [], error: new Error(`${failure}; ${text}`) };
  }
  const { rolledBack, failed } = await rollback(providers, profile, plan, runningBefore, ctx, opts);
  let outcome = rolledBack.length ? `rolled back to ${rolledBack.join(', ')}` : 'the rollback failed';
  if (failed.length) outcome += `; could not roll back ${failed.join('; ')}`;
  return { machines, plan, rolledBack, rollbackTried: true, error: new Error(`${failure}; ${outcome}`) };
}

/** "shop-test did not come up: web: …" from the first failed machine or resource; undefined when all is well. */
export function describeFailure(profile: string, machines: MachineResult[], stopErrors: string[]): string | undefined {
  const reasons: string[] = [];
  for (const m of machines) {
    if (m.status !== 'failed') continue;
    const r = m.resources.find((x) => x.status === 'failed' && x.error);
    // Resource errors usually name their resource and machine already: not twice.
    let why = r ? r.error!.message : (m.error?.message ?? 'failed');
    if (r && !why.includes(r.name)) why = `${r.kind} ${r.name}: ${why}`;
    reasons.push(why.includes(`machine ${m.machine}`) ? why : `${m.machine}: ${why}`);
  }
  for (const e of stopErrors) reasons.push(`could not stop ${e}`);
  if (!reasons.length) return undefined;
  return `${profile} did not come up: ${reasons.join('; ')}`;
}

/**
 * Undoes a failed switch: stops the target's machines that were not running before (they may hold the
 * ports the others need), then brings each stopped profile up again with runUp, under its lock.
 */
async function rollback(providers: ProviderSet, profile: Profile, plan: UsePlan, runningBefore: Set<string>, ctx: RunContext, opts: UseOptions): Promise<{ rolledBack: string[]; failed: string[] }> {
  const log = (text: string, stream: 'info' | 'warn' = 'info') => ctx.emit({ type: 'log', runId: ctx.runId, stream, text });
  log(`rolling back to ${plan.stop.map((s) => s.profile).join(', ')}`);
  // The user's cancel (Ctrl-C) stopped the switch; the rollback itself runs to its end.
  const rbCtx: RunContext = { runId: ctx.runId, emit: ctx.emit };
  const started = profile.machines.filter((m) => m.docker && !runningBefore.has(m.name));
  if (started.length) {
    const docker = await providers.docker();
    await docker.stop(profile, started, { ...rbCtx, emit: asLog(rbCtx, profile.name, 'rollback-stop') }).catch((err: unknown) => {
      log(`rollback: could not stop ${profile.name}'s machines: ${(err as Error).message}`, 'warn');
    });
  }
  const rolledBack: string[] = [];
  const failed: string[] = [];
  // The previously active profile first: it is the one the user returns to.
  const order = [...plan.stop].sort((a, b) => Number(b.profile === opts.active?.name) - Number(a.profile === opts.active?.name));
  for (const s of order) {
    const file = s.profile === opts.active?.name ? opts.active.file : s.file;
    if (!file) {
      failed.push(`${s.profile}: its containers do not say which profile file they come from`);
      log(`rollback: cannot start ${s.profile} again: its profile file is unknown; \`prodlike up <its file>\` does it`, 'warn');
      continue;
    }
    let release: (() => Promise<void>) | undefined;
    let masks: Redact = (v) => v;
    try {
      const { profile: prev, redact, connectGuard } = await opts.load(file);
      masks = redact;
      release = await opts.lock(prev.name);
      const results = await runUp(providers, prev, { ...rbCtx, ...(connectGuard ? { connectGuard } : {}), emit: (e) => asLog(rbCtx, prev.name, 'rollback-up')(redact(e)) });
      // Its own secrets, which the switch's redaction (the target's) does not know.
      const why = redact(describeFailure(prev.name, results, []));
      if (why) {
        failed.push(why);
        log(`rollback: ${why}`, 'warn');
      } else {
        rolledBack.push(prev.name);
        const active = prev.name === opts.active?.name ? ' and stays the active profile' : '';
        log(`rolled back: ${prev.name} is up again (${prev.machines.map((m) => m.name).join(', ')})${active}`);
      }
    } catch (err) {
      const message = masks((err as Error).message);
      failed.push(`${s.profile}: ${message}`);
      log(`rollback: could not start ${s.profile} again: ${message}`, 'warn');
    } finally {
      await release?.();
    }
  }
  return { rolledBack, failed };
}

/**
 * Another profile's machine events as lines of this run's log: they are not this run's machines (and
 * may share their names). Failures are warnings; resources that are fine are not worth a line.
 */
function asLog(ctx: RunContext, profile: string, what: 'stop' | 'rollback-stop' | 'rollback-up'): (e: RunEvent) => void {
  const prefix = what === 'stop' ? '' : 'rollback: ';
  const line = (text: string, warn: boolean) => ctx.emit({ type: 'log', runId: ctx.runId, stream: warn ? 'warn' : 'info', text: prefix + text });
  return (e) => {
    if (e.type === 'machine') {
      const name = `${profile}/${e.machine}`;
      if (e.status === 'failed') line(what === 'rollback-up' ? `${name}: ${e.phase} failed: ${e.error?.message ?? ''}` : `could not stop ${name}: ${e.error?.message ?? ''}`, true);
      else if (e.status === 'done' && what !== 'rollback-up') line(`stopped ${name}`, false);
      else if (e.status === 'done' && e.phase === 'provision') line(`${name} ${e.detail ?? 'up'}`, false);
    } else if (e.type === 'resource' && e.status === 'failed') {
      line(`${profile}/${e.machine} ${e.resource.kind} ${e.resource.name} failed: ${e.error?.message ?? ''}`, true);
    } else if ((e.type === 'log' || e.type === 'progress') && !e.machine) {
      ctx.emit(e);
    }
  };
}
