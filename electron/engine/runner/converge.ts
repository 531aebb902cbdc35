// One machine through the one code path, in profile order, as if the resources ran one by one:
//
//   probe all (one round-trip) → walk the resources in order:
//     in sync      → ok
//     differs      → apply it (consecutive packages: one step), then probe again what comes after it
//                    together with what was just changed (in the apply's round-trip: apply-step.ts),
//                    so every later resource — and every command guard — is decided on the state the
//                    earlier ones left, and the change is confirmed by the same probe
//     fails        → the machine's later resources are skipped, and say why
//
// A run with nothing to change costs one probe round-trip; each change costs one more. `plan` stops
// after the first probe: it reports what the machine looks like now (a guard that depends on an earlier
// change is evaluated on today's state, and says so). Drift reuses probeAndDiff (drift.ts).

import { machineProvider, type CommandResource, type MachineSpec, type ResourceSpec } from '../../../shared/profile.js';
import type { Change, ErrorInfo, MachineResult, ResourceResult } from '../../../shared/report.js';
import { toErrorInfo } from '../errors.js';
import type { RunContext } from '../backends/backend.js';
import { buildProbeScript, diffAll, kindOf, planApplySteps, probeAll, readProbeResult, type PendingItem, type ProbeOutcome } from '../resources/index.js';
import type { Transport } from '../transport.js';
import { runApplyStep } from './apply-step.js';
import { stepWords } from './step-words.js';

export interface Probed {
  spec: ResourceSpec;
  actual?: unknown;
  changes: Change[];
  error?: string;
  /** Set when the resource was deliberately not evaluated (user guards on production): why. */
  unchecked?: string;
}

export interface ProbeOptions {
  signal?: AbortSignal;
  /**
   * Production: nothing but Prodlike's own read-only probe runs. A command's `unless`/`onlyif` and a
   * service's `ready` are the user's shell, so they are not run; `creates` (a `test -e`) and whether a
   * service runs still are.
   */
  readOnly?: boolean;
}

export const NOT_EVALUATED_ON_PRODUCTION = 'not evaluated: its unless/onlyif guards are shell commands of the profile, and on production nothing runs but Prodlike\'s read-only probe';

export function refOf(spec: ResourceSpec) {
  return { id: spec.id, kind: spec.kind, name: spec.name };
}

function userGuards(spec: ResourceSpec): spec is CommandResource {
  return spec.kind === 'command' && (spec.unless !== undefined || spec.onlyif !== undefined);
}

/** Probes every resource of a machine in one round-trip and diffs each against its spec. */
export async function probeAndDiff(transport: Transport, resources: ResourceSpec[], opts: ProbeOptions = {}): Promise<Probed[]> {
  if (resources.length === 0) return [];
  // On production a command with user guards is probed without them: only its `creates` is checked.
  const asProbed = opts.readOnly
    ? resources.flatMap((s): ResourceSpec[] => {
        if (s.kind === 'service' && s.ready !== undefined) return [{ ...s, ready: undefined }];
        return !userGuards(s) ? [s] : s.creates !== undefined ? [{ ...s, unless: undefined, onlyif: undefined }] : [];
      })
    : resources;
  return diffProbed(resources, asProbed, await probeAll(transport, asProbed, opts.signal), opts);
}

/** The resources diffed against what a probe of `asProbed` (them, or their read-only form) read. */
function diffProbed(resources: ResourceSpec[], asProbed: ResourceSpec[], probed: Map<string, ProbeOutcome>, opts: ProbeOptions): Probed[] {
  const diffed = diffAll(asProbed, probed);
  return resources.map((spec) => {
    const d = diffed.get(spec.id);
    if (opts.readOnly && userGuards(spec) && !(d && d.error === undefined && d.changes.length === 0)) {
      // `creates` exists → in sync without any guard; otherwise the answer would need the user's shell.
      return { spec, changes: [], unchecked: NOT_EVALUATED_ON_PRODUCTION };
    }
    const p: Probed = { spec, actual: probed.get(spec.id)?.actual, changes: d!.changes };
    if (d!.error !== undefined) p.error = d!.error;
    return p;
  });
}

/** The result a probe decides for a resource (pending when it differs). */
function decided(p: Probed, machine: string): ResourceResult {
  const base = refOf(p.spec);
  if (p.error !== undefined) {
    return { ...base, status: 'failed', changes: [], error: { name: 'ProbeError', message: `could not read the state of ${p.spec.kind} ${p.spec.name}: ${p.error}`, where: `machine ${machine}` } };
  }
  if (p.unchecked !== undefined) return { ...base, status: 'skipped', changes: [], error: { name: 'NotEvaluated', message: p.unchecked } };
  if (p.changes.length === 0) return { ...base, status: 'ok', changes: [] };
  return { ...base, status: 'pending', changes: p.changes };
}

function machineStatus(list: ResourceResult[]): MachineResult['status'] {
  if (list.some((r) => r.status === 'failed')) return 'failed';
  if (list.some((r) => r.status === 'changed')) return 'changed';
  if (list.some((r) => r.status === 'pending')) return 'pending';
  return 'ok';
}

// Whether a successful apply is probed again to confirm it (not a command's: resource.ts, confirmByProbe).
const confirmable = (spec: ResourceSpec) => kindOf(spec).confirmByProbe !== false;

export interface ConvergeOptions {
  readOnly?: boolean;
  /**
   * Called (and awaited) each time the first `n` resources are all in sync, in order — the machine's
   * disk then holds exactly their state: the environment cache saves it there (cache-session.ts).
   * `restarted`: the machine now runs in a new container made from that state, so what comes after is
   * probed again (a process the old container ran is not in the new one); made from the state after
   * `from` resources when fewer (its base image: 0), those after it are probed and applied again.
   */
  afterPrefix?: (n: number) => Promise<{ restarted?: boolean; from?: number } | void>;
  /** Called (and awaited) before a step of resources of `kind` is applied, the first `n` in sync. */
  beforeApply?: (n: number, kind: string) => Promise<void>;
}

export async function converge(machine: MachineSpec, transport: Transport, mode: 'apply' | 'plan', ctx: RunContext, opts: ConvergeOptions = {}): Promise<MachineResult> {
  const started = Date.now();
  const provider = machineProvider(machine);
  const emit = (r: ResourceResult, durationMs?: number) =>
    ctx.emit({ type: 'resource', runId: ctx.runId, machine: machine.name, resource: refOf(r as unknown as ResourceSpec), status: r.status, changes: r.changes, ...(r.error ? { error: r.error } : {}), ...(durationMs !== undefined ? { durationMs } : {}) });
  const phase = (p: 'probe' | 'apply' | 'verify', status: 'start' | 'done') => ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: p, status });
  const probeOpts: ProbeOptions = { ...(ctx.signal ? { signal: ctx.signal } : {}), ...(opts.readOnly ? { readOnly: true } : {}) };

  const total = machine.resources.length;
  const progress = (task: string, current: number, p: 'probe' | 'apply') =>
    ctx.emit({ type: 'progress', runId: ctx.runId, machine: machine.name, task, current, total, phase: p, at: new Date().toISOString() });

  phase('probe', 'start');
  progress(`checking ${total} resource${total === 1 ? '' : 's'}`, 0, 'probe');
  let probed: Probed[];
  try {
    probed = await probeAndDiff(transport, machine.resources, probeOpts);
  } catch (err) {
    const error = toErrorInfo(err);
    ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'probe', status: 'failed', error });
    return { machine: machine.name, provider, status: 'failed', resources: [], error, durationMs: Date.now() - started };
  }
  phase('probe', 'done');

  const results = new Map<string, ResourceResult>();
  /** Why the machine failed when no resource of it did (cancelled, unreachable after a change). */
  let machineError: ErrorInfo | undefined;
  const finish = (): MachineResult => {
    const list = machine.resources.map((s) => results.get(s.id)!);
    const base = { machine: machine.name, provider, resources: list, durationMs: Date.now() - started };
    return machineError ? { ...base, status: 'failed', error: machineError } : { ...base, status: machineStatus(list) };
  };

  if (mode === 'plan' || opts.readOnly) {
    for (const p of probed) {
      const r = decided(p, machine.name);
      results.set(p.spec.id, r);
      emit(r);
    }
    return finish();
  }

  const skipFrom = (rest: Probed[], why: string) => {
    for (const p of rest) {
      const r: ResourceResult = { ...refOf(p.spec), status: 'skipped', changes: p.changes, error: { name: 'Skipped', message: why } };
      results.set(p.spec.id, r);
      emit(r);
    }
  };

  let applying = false;
  let inSync = 0;
  /** Moves the in-sync prefix on by n; false when the machine could not be probed again after a restart. */
  const advance = async (n: number): Promise<boolean> => {
    inSync += n;
    let outcome: Awaited<ReturnType<NonNullable<ConvergeOptions['afterPrefix']>>>;
    try {
      outcome = await opts.afterPrefix?.(inSync);
    } catch (err) {
      // A save that left the machine unusable (a VM that stayed paused): nothing more is applied to it.
      const e = toErrorInfo(err);
      skipFrom(probed, `not applied: ${e.message}`);
      machineError = e;
      return false;
    }
    if (!outcome?.restarted) return true;
    // A new container from an earlier state: what it lacks is decided (and applied) again.
    const again = outcome.from !== undefined && outcome.from < inSync ? machine.resources.slice(outcome.from, inSync) : [];
    if (again.length) inSync = outcome.from!;
    if (probed.length + again.length === 0) return true;
    try {
      probed = await probeAndDiff(transport, [...again, ...probed.map((p) => p.spec)], probeOpts);
      return true;
    } catch (err) {
      const perr = toErrorInfo(err);
      skipFrom(probed, `not applied: the machine could not be probed after its restart from the saved state: ${perr.message}`);
      machineError = { ...perr, message: `the machine could not be probed after its restart from the saved state: ${perr.message}` };
      return false;
    }
  };
  // `probed` always holds the resources not decided yet, probed after the last change.
  while (probed.length > 0) {
    const head = probed[0]!;
    const r = decided(head, machine.name);
    if (r.status !== 'pending') {
      results.set(head.spec.id, r);
      emit(r);
      probed = probed.slice(1);
      if (r.status === 'failed') {
        skipFrom(probed, `not applied: ${head.spec.kind} ${head.spec.name} failed first`);
        break;
      }
      if (!(await advance(1))) break;
      continue;
    }
    if (ctx.signal?.aborted) {
      skipFrom(probed, 'run cancelled');
      machineError = { name: 'Cancelled', message: `the run was cancelled before ${head.spec.kind} ${head.spec.name} was applied` };
      break;
    }
    if (!applying) {
      applying = true;
      phase('apply', 'start');
    }
    // Consecutive pending resources of a kind that batches (packages) become one step: one apt-get.
    const run: PendingItem[] = [];
    for (const p of probed) {
      if (p.error !== undefined || p.changes.length === 0 || p.spec.kind !== head.spec.kind) break;
      run.push({ spec: p.spec, actual: p.actual, changes: p.changes });
    }
    const { items, step } = planApplySteps(run)[0]!;
    const what = items.map((i) => `${i.spec.kind} ${i.spec.name}`).join(', ');
    progress(stepWords(items), results.size, 'apply');
    await opts.beforeApply?.(inSync, head.spec.kind);
    const t0 = Date.now();
    const rest = probed.slice(items.length);
    // One round-trip applies the step and probes again what was just applied (to confirm it) and what
    // comes after it (to decide it on the state the step left).
    const confirm = items.filter((i) => confirmable(i.spec));
    const next = [...confirm.map((i) => i.spec), ...rest.map((p) => p.spec)];
    const { error, then } = await runApplyStep(machine, transport, step, items[0]!.spec, what, ctx, next.length ? buildProbeScript(next) : undefined);
    if (error) {
      for (const i of items) {
        const fr: ResourceResult = { ...refOf(i.spec), status: 'failed', changes: i.changes, error };
        results.set(i.spec.id, fr);
        emit(fr, Date.now() - t0);
      }
      skipFrom(rest, `not applied: ${what} failed first`);
      break;
    }
    let again: Probed[] = [];
    if (next.length > 0) {
      try {
        // Not run after the step (too long for one argument, or the exec was cut short): on its own.
        again = then ? diffProbed(next, next, readProbeResult(then, transport.target, next), probeOpts) : await probeAndDiff(transport, next, probeOpts);
      } catch (err) {
        const perr = toErrorInfo(err);
        for (const i of items) {
          results.set(i.spec.id, { ...refOf(i.spec), status: 'changed', changes: i.changes });
          emit(results.get(i.spec.id)!, Date.now() - t0);
        }
        skipFrom(rest, `not applied: the machine could not be probed after ${what}: ${perr.message}`);
        // Applied, but unconfirmed and the rest undecided: the machine did not converge.
        machineError = { ...perr, message: `the machine could not be probed after ${what}: ${perr.message}` };
        break;
      }
    }
    const confirmed = new Map(again.slice(0, confirm.length).map((p) => [p.spec.id, p]));
    let notConverged: string | undefined;
    for (const i of items) {
      const c = confirmed.get(i.spec.id);
      const still = c && (c.error !== undefined || c.changes.length > 0) ? (c.error ?? c.changes.map((x) => x.summary).join('; ')) : undefined;
      const ir: ResourceResult = still === undefined
        ? { ...refOf(i.spec), status: 'changed', changes: i.changes }
        : {
            ...refOf(i.spec),
            status: 'failed',
            changes: i.changes,
            error: {
              name: 'NotConverged',
              message: `${i.spec.kind} ${i.spec.name} still differs after apply: ${still}`,
              where: `machine ${machine.name}`,
              hint: 'another process may be changing it, or the resource contradicts another one in the profile',
            },
          };
      if (still !== undefined) notConverged ??= `${i.spec.kind} ${i.spec.name}`;
      results.set(i.spec.id, ir);
      emit(ir, Date.now() - t0);
    }
    probed = again.slice(confirm.length);
    if (notConverged) {
      skipFrom(probed, `not applied: ${notConverged} did not converge`);
      break;
    }
    if (!(await advance(items.length))) break;
  }
  if (applying) {
    progress('finished', results.size, 'apply');
    phase('apply', 'done');
  }
  return finish();
}
