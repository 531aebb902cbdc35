// Shared by the resource integration tests: one resource through probe → diff → apply → probe.

import { expect } from 'vitest';
import type { ResourceSpec } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import { kindOf, probeAll } from '../../../electron/engine/resources/index.js';
import type { Transport } from '../../../electron/engine/transport.js';

export async function probeOne(t: Transport, spec: ResourceSpec): Promise<{ actual: unknown; changes: Change[] }> {
  const out = (await probeAll(t, [spec])).get(spec.id)!;
  expect(out.error).toBeUndefined();
  return { actual: out.actual, changes: kindOf(spec).diff(spec as never, out.actual as never) };
}

/**
 * Asserts the resource differs, applies it, and asserts it then probes as converged.
 * Returns the changes the first diff reported.
 */
export async function converge(t: Transport, spec: ResourceSpec, expectFields?: string[]): Promise<Change[]> {
  const before = await probeOne(t, spec);
  expect(before.changes.length).toBeGreaterThan(0);
  if (expectFields) expect(before.changes.map((c) => c.field)).toEqual(expectFields);
  const step = kindOf(spec).apply(spec as never, before.actual as never, before.changes);
  const res = await t.exec(step.script, step.stdin !== undefined ? { stdin: step.stdin } : {});
  if (res.code !== 0) throw new Error(`apply of ${spec.id} failed (exit ${res.code}): ${res.stderr}`);
  const after = await probeOne(t, spec);
  expect(after.changes).toEqual([]);
  return before.changes;
}

export async function applyExpectingFailure(t: Transport, spec: ResourceSpec): Promise<string> {
  const before = await probeOne(t, spec);
  const step = kindOf(spec).apply(spec as never, before.actual as never, before.changes);
  const res = await t.exec(step.script, step.stdin !== undefined ? { stdin: step.stdin } : {});
  expect(res.code).not.toBe(0);
  return res.stderr.trim().split('\n').pop() ?? '';
}
