// Applies a machine's pending changes in profile order. The first failure stops that machine (later
// resources may depend on it, as in Ansible); other machines carry on. Output streams as log events.

import type { MachineSpec, ResourceSpec } from '../../../shared/profile.js';
import type { ErrorInfo, ResourceResult } from '../../../shared/report.js';
import type { RunContext } from '../providers/provider.js';
import { planApplySteps, type PlannedStep } from '../resources/index.js';
import type { ApplyStep } from '../resources/resource.js';
import type { Transport } from '../transport/transport.js';
import { probeAndDiff, type Probed } from './converge.js';

const STDERR_KEEP = 4000;

// Packages and commands change more than their own state (a package brings config files, a command
// anything): after one of them, the resources after it are probed again before they are applied, so a
// `file: … state: absent` after the package that creates that file is not judged on a stale probe.
// A run with nothing to change never gets here, so it stays at one round-trip.
const SIDE_EFFECTS: ReadonlySet<string> = new Set(['package', 'command']);

export async function applyInOrder(
  machine: MachineSpec,
  transport: Transport,
  probed: Probed[],
  results: Map<string, ResourceResult>,
  ctx: RunContext,
  emitResource: (r: ResourceResult, durationMs?: number) => void,
): Promise<void> {
  let remaining = probed;
  while (remaining.length > 0) {
    const pending = remaining
      .filter((p) => results.get(p.spec.id)?.status === 'pending')
      .map((p) => ({ spec: p.spec, actual: p.actual, changes: p.changes }));
    if (pending.length === 0) return;
    if (ctx.signal?.aborted) {
      skipRest(remaining, results, emitResource, 'run cancelled');
      return;
    }
    // Consecutive resources of a kind that batches (packages) become one step: one apt-get, not five.
    const [{ items, step }] = planApplySteps(pending) as [PlannedStep];
    const what = items.map((i) => `${i.spec.kind} ${i.spec.name}`).join(', ');
    const started = Date.now();
    const error = await runStep(machine, transport, step, items[0]!.spec, what, ctx);
    for (const i of items) {
      const prev = results.get(i.spec.id)!;
      const r: ResourceResult = error ? { ...prev, status: 'failed', error } : { ...prev, status: 'changed' };
      results.set(i.spec.id, r);
      emitResource(r, Date.now() - started);
    }
    const last = remaining.findIndex((p) => p.spec.id === items[items.length - 1]!.spec.id);
    const rest = remaining.slice(last + 1);
    if (error) {
      skipRest(rest, results, emitResource, `not applied: ${what} failed first`);
      return;
    }
    remaining = rest;
    if (remaining.length && items.some((i) => SIDE_EFFECTS.has(i.spec.kind))) {
      remaining = await probeAndDiff(transport, remaining.map((p) => p.spec), ctx.signal);
      for (const p of remaining) {
        const prev = results.get(p.spec.id)!;
        const status = p.error !== undefined ? 'failed' : p.changes.length ? 'pending' : 'ok';
        // Even when it is still pending, what it will change may be different now: report that.
        if (status === prev.status && sameChanges(p.changes, prev.changes)) continue;
        const r: ResourceResult = { ...prev, status, changes: p.changes };
        if (p.error !== undefined) r.error = { name: 'ProbeError', message: `could not read the state of ${p.spec.kind} ${p.spec.name}: ${p.error}` };
        results.set(p.spec.id, r);
        if (status !== 'pending') emitResource(r);
      }
    }
  }
}

function skipRest(rest: Probed[], results: Map<string, ResourceResult>, emitResource: (r: ResourceResult) => void, why: string) {
  for (const p of rest) {
    const prev = results.get(p.spec.id)!;
    if (prev.status !== 'pending') continue;
    const r: ResourceResult = { ...prev, status: 'skipped', error: { name: 'Skipped', message: why } };
    results.set(p.spec.id, r);
    emitResource(r);
  }
}

async function runStep(
  machine: MachineSpec,
  transport: Transport,
  step: ApplyStep,
  spec: ResourceSpec,
  what: string,
  ctx: RunContext,
): Promise<ErrorInfo | undefined> {
  const where = `machine ${machine.name}, ${what}${spec.pos ? ` (${spec.pos.file}:${spec.pos.line}:${spec.pos.col})` : ''}`;
  const log = (stream: 'stdout' | 'stderr') => (chunk: string) =>
    ctx.emit({ type: 'log', runId: ctx.runId, machine: machine.name, stream, text: chunk });
  try {
    const res = await transport.exec(step.script, {
      ...(step.stdin !== undefined ? { stdin: step.stdin } : {}),
      onStdout: log('stdout'),
      onStderr: log('stderr'),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (res.code === 0) return undefined;
    const stderr = res.stderr.trim().slice(-STDERR_KEEP);
    return {
      name: 'ApplyFailed',
      message: `${what} failed on machine ${machine.name} (exit ${res.code})${stderr ? `: ${lastLine(stderr)}` : ''}`,
      where,
      details: { exitCode: res.code, stderr },
    };
  } catch (err) {
    return { name: 'ApplyFailed', message: `${what} could not run on machine ${machine.name}: ${err instanceof Error ? err.message : String(err)}`, where };
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim());
  return lines[lines.length - 1] ?? '';
}

function sameChanges(a: { summary: string }[], b: { summary: string }[]): boolean {
  return a.length === b.length && a.every((c, i) => c.summary === b[i]!.summary);
}
