// Applies a machine's pending changes in profile order. The first failure stops that machine (later
// resources may depend on it, as in Ansible); other machines carry on. Output streams as log events.

import type { MachineSpec, ResourceSpec } from '../../../shared/profile.js';
import type { ErrorInfo, ResourceResult } from '../../../shared/report.js';
import type { RunContext } from '../providers/provider.js';
import { planApplySteps } from '../resources/index.js';
import type { ApplyStep } from '../resources/resource.js';
import type { Transport } from '../transport/transport.js';
import type { Probed } from './converge.js';

const STDERR_KEEP = 4000;

export async function applyInOrder(
  machine: MachineSpec,
  transport: Transport,
  probed: Probed[],
  results: Map<string, ResourceResult>,
  ctx: RunContext,
  emitResource: (r: ResourceResult, durationMs?: number) => void,
): Promise<void> {
  const pending = probed
    .filter((p) => results.get(p.spec.id)?.status === 'pending')
    .map((p) => ({ spec: p.spec, actual: p.actual, changes: p.changes }));
  // Consecutive resources of a kind that batches (packages) become one step: one apt-get, not five.
  const steps = planApplySteps(pending);
  let failed: string | undefined;
  for (const { items, step } of steps) {
    const what = items.map((i) => `${i.spec.kind} ${i.spec.name}`).join(', ');
    if (failed !== undefined || ctx.signal?.aborted) {
      const why = ctx.signal?.aborted ? 'run cancelled' : `not applied: ${failed} failed first`;
      for (const i of items) {
        const r: ResourceResult = { ...results.get(i.spec.id)!, status: 'skipped', error: { name: 'Skipped', message: why } };
        results.set(i.spec.id, r);
        emitResource(r);
      }
      continue;
    }
    const started = Date.now();
    const error = await runStep(machine, transport, step, items[0]!.spec, what, ctx);
    if (error) failed = what;
    for (const i of items) {
      const prev = results.get(i.spec.id)!;
      const r: ResourceResult = error ? { ...prev, status: 'failed', error } : { ...prev, status: 'changed' };
      results.set(i.spec.id, r);
      emitResource(r, Date.now() - started);
    }
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
