// An apply step and the probe after it in one exec (apply-step.ts): run here by the real sh, so the
// script's quoting, exit codes, traps and stdin are sh's, and the split is checked against what it
// printed. The step's output alone is streamed; what ran after it is not.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MachineSpec, ResourceSpec } from '../../../../shared/profile.js';
import type { RunEvent } from '../../../../shared/events.js';
import { fusedScript, runApplyStep, splitFused, UntilMark } from '../../../../electron/engine/runner/apply-step.js';
import { PROBE_ARG_MAX } from '../../../../electron/engine/resources/probe-script.js';
import type { ExecOptions, ExecResult, Transport } from '../../../../electron/engine/transport.js';

/** Runs scripts with this machine's sh, as the engine's transports run them on a machine. */
class LocalSh implements Transport {
  readonly target = 'local sh';
  readonly scripts: string[] = [];
  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.scripts.push(script);
    return new Promise((resolve, reject) => {
      const p = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.setEncoding('utf8').on('data', (c: string) => ((stdout += c), opts.onStdout?.(c)));
      p.stderr.setEncoding('utf8').on('data', (c: string) => ((stderr += c), opts.onStderr?.(c)));
      p.on('error', reject);
      p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      // A script that reads no stdin may be gone before it is written: the pipe's EPIPE is not an error here.
      p.stdin.on('error', () => {});
      p.stdin.end(opts.stdin ?? '');
    });
  }
  async close(): Promise<void> {}
}

const dir = mkdtempSync(path.join(tmpdir(), 'pl-fused-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NONCE = '0123456789abcdef';
const then = (mark: string) => `echo then-out; echo then-err >&2; cat; : > ${path.join(dir, mark)}`;

describe('an apply step and the probe after it, in one exec', () => {
  it('runs the step, then the rest; each part gets its own output, and the rest reads no stdin', async () => {
    const res = await new LocalSh().exec(fusedScript(`read -r x; echo "step $x"; echo 'it''s' >&2`, then('ok'), NONCE), { stdin: 'from-stdin\nmore\n' });
    const { step, then: after } = splitFused(res, NONCE);
    expect(step).toEqual({ code: 0, stdout: 'step from-stdin\n', stderr: "its\n" });
    // `cat` in the rest reads nothing: the step's stdin is not passed on.
    expect(after).toEqual({ code: 0, stdout: 'then-out\n', stderr: 'then-err\n' });
    expect(existsSync(path.join(dir, 'ok'))).toBe(true);
  });

  it("a step that fails: its exit code, its output, and the rest does not run", async () => {
    const res = await new LocalSh().exec(fusedScript(`echo partial; echo 'E: no such package' >&2; exit 100`, then('not-run'), NONCE));
    expect(res.code).toBe(100);
    const { step, then: after } = splitFused(res, NONCE);
    expect(step).toEqual({ code: 100, stdout: 'partial\n', stderr: 'E: no such package\n' });
    expect(after).toBeUndefined();
    expect(existsSync(path.join(dir, 'not-run'))).toBe(false);
  });

  it("the step runs as its own sh: its exit and its EXIT trap end only it, quotes survive", async () => {
    const step = `trap 'echo "trap'"'"'s end"' EXIT; printf '%s\\n' "a 'quoted' \\$HOME"; exit 0; echo never`;
    const { step: s, then: after } = splitFused(await new LocalSh().exec(fusedScript(step, then('after-exit'), NONCE)), NONCE);
    expect(s.stdout).toBe("a 'quoted' $HOME\ntrap's end\n");
    expect(after?.stdout).toBe('then-out\n');
    expect(existsSync(path.join(dir, 'after-exit'))).toBe(true);
  });

  it('an exec cut short (no closing line) is all the step\'s', () => {
    const res = { code: 137, stdout: 'installing\n', stderr: 'Killed\n' };
    expect(splitFused(res, NONCE)).toEqual({ step: res });
    // Another run's closing line is not this one's.
    const other = { code: 0, stdout: 'x\n@@PL:ffffffffffffffff:APPLIED:0@@\n', stderr: '' };
    expect(splitFused(other, NONCE)).toEqual({ step: other });
  });
});

describe('UntilMark: the step\'s output streamed, up to its closing line', () => {
  const sinkInto = (got: string[]) => ({ write: (t: string) => got.push(t), end: () => undefined });
  const MARK = `\n@@PL:${NONCE}:APPLIED:`;
  const text = `line 1\nline @@PL 2\n@@PL:${NONCE}:APP\n${MARK}0@@\nthen-out\n`;

  for (const size of [1, 2, 7, 1000]) {
    it(`in chunks of ${size}: passes exactly what comes before the mark`, () => {
      const got: string[] = [];
      const u = new UntilMark(MARK, sinkInto(got));
      for (let i = 0; i < text.length; i += size) u.write(text.slice(i, i + size));
      u.end();
      expect(got.join('')).toBe(text.slice(0, text.indexOf(MARK)));
    });
  }

  it('without the mark (an exec cut short), passes everything by the end', () => {
    const got: string[] = [];
    let ended = 0;
    const u = new UntilMark(MARK, { write: (t) => got.push(t), end: () => ended++ });
    u.write('apt: 50%\n@@PL:01');
    expect(got.join('')).toBe('apt: 50%');
    expect(ended).toBe(0);
    u.end();
    expect(got.join('')).toBe('apt: 50%\n@@PL:01');
    // Its own end ends what it writes to (the log's line stream, which flushes its last line).
    expect(ended).toBe(1);
  });
});

describe('runApplyStep with a probe after it', () => {
  const machine: MachineSpec = { name: 'web', docker: { image: 'x', ports: [], env: {}, volumes: [], privileged: false }, resources: [] };
  const spec = { id: 'file:/x', kind: 'file', name: '/x' } as unknown as ResourceSpec;
  const logs = (events: RunEvent[], stream: string) => events.flatMap((e) => (e.type === 'log' && e.stream === stream ? [e.text] : [])).join('\n');

  it('one exec: the step\'s output is logged, the probe\'s is returned and not logged', async () => {
    const t = new LocalSh();
    const events: RunEvent[] = [];
    const out = await runApplyStep(machine, t, { script: 'cat; echo step-err >&2', stdin: 'content\n' }, spec, 'file /x', { runId: 'r', emit: (e) => events.push(e) }, then('logged'));
    expect(t.scripts).toHaveLength(1);
    expect(out).toEqual({ then: { code: 0, stdout: 'then-out\n', stderr: 'then-err\n' } });
    expect(logs(events, 'stdout')).toBe('content');
    expect(logs(events, 'stderr')).toBe('step-err');
  });

  it('a failed step is the error, with its own stderr, and nothing ran after it', async () => {
    const out = await runApplyStep(machine, new LocalSh(), { script: 'echo "cannot write /x" >&2; exit 2' }, spec, 'file /x', { runId: 'r', emit: () => {} }, then('failed-step'));
    expect(out.then).toBeUndefined();
    expect(out.error?.message).toBe('file /x failed on machine web (exit 2):\n  cannot write /x');
    expect(existsSync(path.join(dir, 'failed-step'))).toBe(false);
  });

  it('too long for one argument together: the step runs alone, as written, and the caller probes', async () => {
    const t = new LocalSh();
    const long = `: ${'x'.repeat(PROBE_ARG_MAX)}\n${then('too-long')}`;
    const out = await runApplyStep(machine, t, { script: 'echo alone' }, spec, 'file /x', { runId: 'r', emit: () => {} }, long);
    expect(t.scripts).toEqual(['echo alone']);
    expect(out).toEqual({});
    expect(existsSync(path.join(dir, 'too-long'))).toBe(false);
  });
});

