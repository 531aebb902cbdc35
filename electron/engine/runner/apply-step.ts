// Runs one apply step on a machine, streaming its output as log events, and turns a failure into an
// error a person can act on: what failed, where, the exit code and the last lines the step printed
// (stderr, or stdout when stderr is empty) — once, in the message. The probe after the step runs in
// the same exec (fusedScript): a change costs one round-trip.

import { randomBytes } from 'node:crypto';
import type { MachineSpec, ResourceSpec } from '../../../shared/profile.js';
import type { ErrorInfo } from '../../../shared/report.js';
import type { RunContext } from '../backends/backend.js';
import { PROBE_ARG_MAX, type ApplyStep } from '../resources/index.js';
import type { ExecResult, Transport } from '../transport.js';
import { shq } from '../sh-command.js';
import { LineStream } from './log-lines.js';

/** How many of the last output lines a failure shows. */
export const TAIL_LINES = 10;
const KEEP_CHARS = 4000;

/** The last `n` non-empty lines of `text`. */
export function tailLines(text: string, n = TAIL_LINES): string[] {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim()).slice(-n);
}

/** A failed step's error: exit code and the tail of stderr (stdout when stderr is empty). */
export function stepFailure(what: string, machine: string, where: string, res: ExecResult): ErrorInfo {
  const stream = res.stderr.trim() ? 'stderr' : 'stdout';
  const tail = tailLines(stream === 'stderr' ? res.stderr : res.stdout);
  // 128+9: SIGKILL — the out-of-memory killer, or the machine stopped under the step.
  const killed = res.code === 137 ? ', killed: out of memory, or the machine was stopped meanwhile' : '';
  return {
    name: 'ApplyFailed',
    message: `${what} failed on machine ${machine} (exit ${res.code}${killed})${tail.length ? `:\n${tail.map((l) => `  ${l}`).join('\n')}` : ', and printed nothing'}`,
    where,
    details: { exitCode: res.code, [stream]: (stream === 'stderr' ? res.stderr : res.stdout).trim().slice(-KEEP_CHARS) },
  };
}

/** What ends a fused step's stdout (its exit code and `@@\n` follow), and what ends its stderr. */
const stepEnd = (nonce: string) => `\n@@PL:${nonce}:APPLIED:`;
const stepErrEnd = (nonce: string) => `\n@@PL:${nonce}:APPLIED@@\n`;

/** An apply step's outcome: its error, or (when a probe ran after it in the same round-trip) that probe's result. */
export interface AppliedStep {
  error?: ErrorInfo;
  /** The output of `then`, run after the step succeeded; absent when it did not run. */
  then?: ExecResult;
}

/**
 * One script that runs an apply step and, when it succeeds, `then` (a probe) in the same round-trip: a
 * change costs one exec, not two (one costs about 0.2 s of the engine's CPU on a container). The step
 * runs as its own `sh -c`, exactly as alone (an `exit` or a trap of it ends only it), with the exec's
 * stdin; a line with its exit code then closes its stdout, and another its stderr. `then` reads no stdin.
 */
export function fusedScript(step: string, then: string, nonce: string): string {
  // The two printf lines print stepEnd(nonce) + code + "@@\n" and stepErrEnd(nonce).
  return `sh -c ${shq(step)}
_pl_arc=$?
printf '\\n@@PL:${nonce}:APPLIED:%s@@\\n' "$_pl_arc"
printf '\\n@@PL:${nonce}:APPLIED@@\\n' >&2
[ "$_pl_arc" -eq 0 ] || exit "$_pl_arc"
exec </dev/null
${then}`;
}

/**
 * A fused run's result split in two: the step's (its exit code from its closing line) and, when that
 * was 0, what ran after it. Without the closing line (the exec was cut short) all of it is the step's.
 */
export function splitFused(res: ExecResult, nonce: string): { step: ExecResult; then?: ExecResult } {
  // The nonce is hex: the mark has nothing a pattern would read as special.
  const m = new RegExp(`${stepEnd(nonce)}(\\d+)@@\n`).exec(res.stdout);
  if (!m) return { step: res };
  const errMark = stepErrEnd(nonce);
  const e = res.stderr.indexOf(errMark);
  const code = Number(m[1]);
  const step = { code, stdout: res.stdout.slice(0, m.index), stderr: e < 0 ? res.stderr : res.stderr.slice(0, e) };
  if (code !== 0) return { step };
  return { step, then: { code: res.code, stdout: res.stdout.slice(m.index + m[0].length), stderr: e < 0 ? '' : res.stderr.slice(e + errMark.length) } };
}

/** Where text goes, and is ended (a LineStream). */
export interface TextSink {
  write(text: string): void;
  end(): void;
}

/**
 * Passes a stream's text on up to the first `mark` (the step's output, live), nothing after it (what
 * ran next), and ends the sink at its own end. Text that could be the start of the mark waits for the
 * next chunk.
 */
export class UntilMark implements TextSink {
  private held = '';
  private done = false;
  constructor(private readonly mark: string, private readonly sink: TextSink) {}

  write(chunk: string): void {
    if (this.done) return;
    const text = this.held + chunk;
    const at = text.indexOf(this.mark);
    if (at >= 0) {
      this.done = true;
      this.held = '';
      if (at > 0) this.sink.write(text.slice(0, at));
      return;
    }
    // The longest end of the text that begins the mark is held back.
    let keep = Math.min(this.mark.length - 1, text.length);
    while (keep > 0 && !this.mark.startsWith(text.slice(text.length - keep))) keep--;
    this.held = text.slice(text.length - keep);
    if (text.length > keep) this.sink.write(text.slice(0, text.length - keep));
  }

  end(): void {
    if (!this.done && this.held) this.sink.write(this.held);
    this.held = '';
    this.done = true;
    this.sink.end();
  }
}

/**
 * Runs one apply step; with `then`, a script run after it in the same exec when the step succeeded (the
 * probe of what comes next), unless the two together are too long for one argument.
 */
export async function runApplyStep(
  machine: MachineSpec,
  transport: Transport,
  step: ApplyStep,
  spec: ResourceSpec,
  what: string,
  ctx: RunContext,
  then?: string,
): Promise<AppliedStep> {
  const where = `machine ${machine.name}, ${what}${spec.pos ? ` (${spec.pos.file}:${spec.pos.line}:${spec.pos.col})` : ''}`;
  // Line by line as the command prints, batched (log-lines.ts): the log is live during a long install.
  const out = new LineStream({ runId: ctx.runId, machine: machine.name, stream: 'stdout', emit: ctx.emit });
  const err = new LineStream({ runId: ctx.runId, machine: machine.name, stream: 'stderr', emit: ctx.emit });
  const nonce = randomBytes(8).toString('hex');
  const script = then === undefined ? step.script : fusedScript(step.script, then, nonce);
  const fused = then !== undefined && script.length <= PROBE_ARG_MAX;
  const stdout: TextSink = fused ? new UntilMark(stepEnd(nonce), out) : out;
  const stderr: TextSink = fused ? new UntilMark(stepErrEnd(nonce), err) : err;
  const finish = () => {
    stdout.end();
    stderr.end();
  };
  try {
    const res = await transport.exec(fused ? script : step.script, {
      ...(step.stdin !== undefined ? { stdin: step.stdin } : {}),
      onStdout: (chunk) => stdout.write(chunk),
      onStderr: (chunk) => stderr.write(chunk),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    finish();
    const split = fused ? splitFused(res, nonce) : { step: res };
    if (split.step.code !== 0) return { error: stepFailure(what, machine.name, where, split.step) };
    return split.then ? { then: split.then } : {};
  } catch (e) {
    finish();
    return { error: { name: 'ApplyFailed', message: `${what} could not run on machine ${machine.name}: ${e instanceof Error ? e.message : String(e)}`, where } };
  }
}
