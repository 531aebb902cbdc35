// Batched probing: every resource of a machine is probed by one script in one round-trip. Each snippet
// runs in a subshell (a failing one cannot break the others) with stdin closed; its stdout goes straight
// to the output between two markers, its stderr is captured and printed encoded in the end marker with
// its exit code. Markers carry a random nonce, and every free-form value a snippet prints is encoded,
// so no content on the machine can be mistaken for a marker. Snippets may call the functions of
// PROBE_PRELUDE (sh.ts), which the script defines first.

import { randomBytes } from 'node:crypto';
import type { ResourceSpec } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import { ProdlikeError } from '../errors.js';
import type { ExecResult, Transport } from '../transport.js';
import { batchedOutput, batchScript, isBatched, readBatch, type BatchedSpec } from './probe-batch.js';
import { kindOf } from './registry.js';
import type { ApplyStep } from './resource.js';
import { decodeText, PROBE_PRELUDE, shq } from './sh.js';

export interface ProbeOutcome {
  actual?: unknown;
  /** Why this resource's state could not be read (the others are unaffected). */
  error?: string;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function buildProbeScript(resources: ResourceSpec[]): string {
  const nonce = randomBytes(8).toString('hex');
  const parts = [`printf '%s\\n' '@@PL:${nonce}:PROBE@@'`, PROBE_PRELUDE, 'exec 3>&1'];
  // Files, directories, users and groups are read together (probe-batch.ts), once per machine.
  const batched: { spec: BatchedSpec; index: number }[] = [];
  const snippets: string[] = [];
  resources.forEach((spec, i) => {
    let body: string;
    try {
      // The kind's probe checks the spec (a relative path, a bad name) even when the batch reads it.
      body = kindOf(spec).probe(spec as never);
      if (isBatched(spec)) return void batched.push({ spec, index: i });
    } catch (err) {
      // A spec the kind refuses (a relative path, a bad name) fails on its own, not the whole probe.
      body = `printf '%s\\n' ${shq(errorMessage(err))} >&2; false`;
    }
    // The command substitution is the subshell; stderr is encoded only when there is some (forks
    // are most of a probe's cost).
    snippets.push(`printf '\\n@@PL:${nonce}:B:${i}@@\\n'
_pl_err=$( {
${body}
} 2>&1 1>&3 </dev/null ); _pl_rc=$?
printf '\\n@@PL:${nonce}:E:${i}:%s:' "$_pl_rc"; if [ -n "$_pl_err" ]; then printf '%s' "$_pl_err" | _pl_enc; fi; printf '@@\\n'`);
  });
  if (batched.length) parts.push(batchScript(nonce, batched));
  parts.push(...snippets, 'exit 0');
  return parts.join('\n') + '\n';
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}

/** Reads what buildProbeScript's script printed: per resource id, its actual state or an error. */
export function parseProbeOutput(stdout: string, resources: ResourceSpec[]): Map<string, ProbeOutcome> {
  const out = new Map<string, ProbeOutcome>();
  const header = /@@PL:([0-9a-f]+):PROBE@@/.exec(stdout);
  const batched = resources.flatMap((spec, index) => (isBatched(spec) ? [{ spec, index }] : []));
  const batch = header && batched.length ? readBatch(stdout, header[1]!, batched) : undefined;
  resources.forEach((spec, i) => {
    if (!header) {
      out.set(spec.id, { error: 'the probe script printed nothing recognisable (is /bin/sh there?)' });
      return;
    }
    const nonce = header[1];
    const begin = `\n@@PL:${nonce}:B:${i}@@\n`;
    const b = stdout.indexOf(begin, header.index);
    // A batched resource has no section of its own (one whose spec was refused has, with its error).
    if (b < 0 && isBatched(spec)) {
      if (!batch) return void out.set(spec.id, { error: 'no probe output (the probe script stopped before reading files and accounts)' });
      try {
        out.set(spec.id, { actual: kindOf(spec).parse(batchedOutput(spec, i, batch), spec as never) });
      } catch (err) {
        out.set(spec.id, { error: errorMessage(err) });
      }
      return;
    }
    const endTag = `\n@@PL:${nonce}:E:${i}:`;
    const e = b < 0 ? -1 : stdout.indexOf(endTag, b + begin.length);
    const close = e < 0 ? -1 : stdout.indexOf('@@', e + endTag.length);
    if (b < 0 || e < 0 || close < 0) {
      out.set(spec.id, { error: 'no probe output (the probe script stopped before reaching this resource)' });
      return;
    }
    const body = stdout.slice(b + begin.length, e + 1);
    const tail = stdout.slice(e + endTag.length, close);
    const colon = tail.indexOf(':');
    const rcText = colon < 0 ? tail : tail.slice(0, colon);
    const errEnc = colon < 0 ? '' : tail.slice(colon + 1);
    const rc = Number(rcText);
    let stderr = '';
    try {
      stderr = decodeText(errEnc);
    } catch {
      stderr = '';
    }
    if (rc !== 0) {
      out.set(spec.id, { error: `probe exited ${rc}${stderr.trim() ? `: ${lastLines(stderr)}` : ''}` });
      return;
    }
    try {
      out.set(spec.id, { actual: kindOf(spec).parse(body, spec as never) });
    } catch (err) {
      out.set(spec.id, { error: `${errorMessage(err)}${stderr.trim() ? ` (${lastLines(stderr)})` : ''}` });
    }
  });
  return out;
}

/** Probes all `resources` with one exec on the machine. Rejects only when the script could not run. */
export async function probeAll(transport: Transport, resources: ResourceSpec[], signal?: AbortSignal): Promise<Map<string, ProbeOutcome>> {
  if (resources.length === 0) return new Map();
  const script = buildProbeScript(resources);
  // Linux caps one argument at 128 KiB; a probe of many long lines goes on stdin instead.
  const res = script.length > PROBE_ARG_MAX
    ? await transport.exec('sh -s', { stdin: script, ...(signal ? { signal } : {}) })
    : await transport.exec(script, signal ? { signal } : {});
  return readProbeResult(res, transport.target, resources);
}

/** Linux caps one argument at 128 KiB: a longer probe goes on stdin, and is not run after an apply. */
export const PROBE_ARG_MAX = 64 * 1024;

/** What a probe script's run printed, read: rejects when the script did not run (no header). */
export function readProbeResult(res: ExecResult, target: string, resources: ResourceSpec[]): Map<string, ProbeOutcome> {
  if (!/@@PL:[0-9a-f]+:PROBE@@/.test(res.stdout)) {
    throw new ProdlikeError(`probing ${target} failed (exit ${res.code})${res.stderr.trim() ? `: ${lastLines(res.stderr)}` : ''}`, {
      hint: 'the machine must have a POSIX sh; check that it is running and reachable',
      details: { exitCode: res.code, stderr: res.stderr.slice(-4000) },
    });
  }
  return parseProbeOutput(res.stdout, resources);
}

export interface Diffed {
  changes: Change[];
  error?: string;
}

/** Diffs every probed resource; a probe or diff error is kept per resource. Pure. */
export function diffAll(resources: ResourceSpec[], probed: Map<string, ProbeOutcome>): Map<string, Diffed> {
  const out = new Map<string, Diffed>();
  for (const spec of resources) {
    const p = probed.get(spec.id);
    if (!p || p.error !== undefined) {
      out.set(spec.id, { changes: [], error: p?.error ?? 'not probed' });
      continue;
    }
    try {
      out.set(spec.id, { changes: kindOf(spec).diff(spec as never, p.actual as never) });
    } catch (err) {
      out.set(spec.id, { changes: [], error: errorMessage(err) });
    }
  }
  return out;
}

export interface PendingItem {
  spec: ResourceSpec;
  actual: unknown;
  changes: Change[];
}

export interface PlannedStep {
  /** The resources this step applies (more than one when the kind batches them). */
  items: PendingItem[];
  step: ApplyStep;
}

/**
 * Turns pending resources (in profile order, only those with changes) into apply steps: consecutive
 * resources of a kind that has applyBatch become one step (five packages in a row: one apt-get), the
 * others one step each. Order is kept, so a command that adds a package source still runs before the
 * packages listed after it.
 */
export function planApplySteps(pending: PendingItem[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  let i = 0;
  while (i < pending.length) {
    const first = pending[i]!;
    const kind = kindOf(first.spec);
    let j = i + 1;
    if (kind.applyBatch) while (j < pending.length && pending[j]!.spec.kind === first.spec.kind) j++;
    const items = pending.slice(i, j);
    const step = items.length > 1 && kind.applyBatch
      ? kind.applyBatch(items as never)
      : kind.apply(first.spec as never, first.actual as never, first.changes);
    steps.push({ items, step });
    i = j;
  }
  return steps;
}
