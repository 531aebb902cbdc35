// Runs one apply step on a machine, streaming its output as log events, and turns a failure into an
// error a person can act on: what failed, where, the exit code and the last lines the step printed
// (stderr, or stdout when stderr is empty) — once, in the message.

import type { MachineSpec, ResourceSpec } from '../../../shared/profile.js';
import type { ErrorInfo } from '../../../shared/report.js';
import type { RunContext } from '../backends/backend.js';
import type { ApplyStep } from '../resources/index.js';
import type { ExecResult, Transport } from '../transport.js';
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

export async function runApplyStep(
  machine: MachineSpec,
  transport: Transport,
  step: ApplyStep,
  spec: ResourceSpec,
  what: string,
  ctx: RunContext,
): Promise<ErrorInfo | undefined> {
  const where = `machine ${machine.name}, ${what}${spec.pos ? ` (${spec.pos.file}:${spec.pos.line}:${spec.pos.col})` : ''}`;
  // Line by line as the command prints, batched (log-lines.ts): the log is live during a long install.
  const out = new LineStream({ runId: ctx.runId, machine: machine.name, stream: 'stdout', emit: ctx.emit });
  const err = new LineStream({ runId: ctx.runId, machine: machine.name, stream: 'stderr', emit: ctx.emit });
  try {
    const res = await transport.exec(step.script, {
      ...(step.stdin !== undefined ? { stdin: step.stdin } : {}),
      onStdout: (chunk) => out.write(chunk),
      onStderr: (chunk) => err.write(chunk),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    out.end();
    err.end();
    return res.code === 0 ? undefined : stepFailure(what, machine.name, where, res);
  } catch (e) {
    out.end();
    err.end();
    return { name: 'ApplyFailed', message: `${what} could not run on machine ${machine.name}: ${e instanceof Error ? e.message : String(e)}`, where };
  }
}
