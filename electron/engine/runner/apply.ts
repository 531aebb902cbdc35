// Applies a machine's pending changes in profile order. The first failure stops that machine (later
// resources may depend on it, as in Ansible); other machines carry on. Output streams as log events.

import type { MachineSpec, ResourceSpec } from '../../../shared/profile.js';
import type { ErrorInfo, ResourceResult } from '../../../shared/report.js';
import type { RunContext } from '../providers/provider.js';
import { kindOf } from '../resources/index.js';
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
  let failed: string | undefined;
  for (const p of probed) {
    const prev = results.get(p.spec.id)!;
    if (prev.status !== 'pending') continue;
    if (failed !== undefined || ctx.signal?.aborted) {
      const why = ctx.signal?.aborted ? 'run cancelled' : `not applied: ${failed} failed first`;
      const r: ResourceResult = { ...prev, status: 'skipped', error: { name: 'Skipped', message: why } };
      results.set(p.spec.id, r);
      emitResource(r);
      continue;
    }
    const started = Date.now();
    const step: ApplyStep = kindOf(p.spec).apply(p.spec as never, p.actual as never, p.changes);
    const error = await runStep(machine, transport, step, p.spec, ctx);
    const r: ResourceResult = error ? { ...prev, status: 'failed', error } : { ...prev, status: 'changed' };
    if (error) failed = `${p.spec.kind} ${p.spec.name}`;
    results.set(p.spec.id, r);
    emitResource(r, Date.now() - started);
  }
}

async function runStep(
  machine: MachineSpec,
  transport: Transport,
  step: ApplyStep,
  spec: ResourceSpec,
  ctx: RunContext,
): Promise<ErrorInfo | undefined> {
  const what = `${spec.kind} ${spec.name}`;
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
