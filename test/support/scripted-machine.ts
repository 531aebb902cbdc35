// A scripted transport for the runner's unit specs: a fake machine that answers Prodlike's batched
// probe scripts from a small model, and apply scripts through a test-supplied handler. Pure logic only
// (no sh runs): it tells which resources a probe asked about by matching each snippet against
// kindOf(spec).probe(spec), so the runner's real script building and parsing are exercised.

import type { ResourceSpec } from '../../shared/profile.js';
import { kindOf } from '../../electron/engine/resources/index.js';
import type { ExecOptions, ExecResult, Transport } from '../../electron/engine/transport.js';

export interface ScriptedModel {
  /** What the probe snippet of `spec` prints on this machine now (the kind's key=value lines). */
  probe(spec: ResourceSpec): string;
  /** Runs an apply script; `which` names the resources whose apply text it contains. */
  apply(script: string, stdin: string | undefined): Partial<ExecResult>;
}

export interface ExecRecord {
  kind: 'probe' | 'apply';
  /** For probes: the resource names asked about, in order. */
  names: string[];
  script: string;
}

export class ScriptedTransport implements Transport {
  readonly target = 'scripted machine';
  readonly execs: ExecRecord[] = [];
  private readonly bySnippet = new Map<string, ResourceSpec>();

  constructor(specs: ResourceSpec[], private readonly model: ScriptedModel) {
    for (const s of specs) {
      this.bySnippet.set(kindOf(s).probe(s as never), s);
      // The read-only probe of a command asks only its `creates`.
      if (s.kind === 'command') this.bySnippet.set(kindOf(s).probe({ ...s, unless: undefined, onlyif: undefined } as never), s);
      // ... and that of a service does not run its `ready:` check.
      if (s.kind === 'service') this.bySnippet.set(kindOf(s).probe({ ...s, ready: undefined } as never), s);
    }
  }

  /** Round-trips: an apply and the probe run after it in the same exec (apply-step.ts) count once. */
  calls = 0;

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.calls++;
    const fused = /^sh -c ('(?:[^']|'\\'')*')\n_pl_arc=\$\?\nprintf '\\n@@PL:([0-9a-f]+):APPLIED:/.exec(script);
    if (fused) {
      // The step, then (when it succeeded) the probe after `exec </dev/null`, as sh would run them.
      const nonce = fused[2]!;
      const step = await this.answer(fused[1]!.slice(1, -1).replace(/'\\''/g, "'"), opts);
      const stdout = `${step.stdout}\n@@PL:${nonce}:APPLIED:${step.code}@@\n`;
      const stderr = `${step.stderr}\n@@PL:${nonce}:APPLIED@@\n`;
      if (step.code !== 0) return { code: step.code, stdout, stderr };
      const probe = await this.answer(script.slice(script.indexOf('\nexec </dev/null\n') + '\nexec </dev/null\n'.length), {});
      return { code: probe.code, stdout: stdout + probe.stdout, stderr: stderr + probe.stderr };
    }
    return this.answer(script, opts);
  }

  private async answer(script: string, opts: ExecOptions): Promise<ExecResult> {
    const text = script === 'sh -s' ? String(opts.stdin) : script;
    const header = /@@PL:([0-9a-f]+):PROBE@@/.exec(text);
    if (!header) {
      this.execs.push({ kind: 'apply', names: [], script });
      const r = this.model.apply(script, opts.stdin === undefined ? undefined : String(opts.stdin));
      const res = { code: r.code ?? 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
      if (res.stdout) opts.onStdout?.(res.stdout);
      if (res.stderr) opts.onStderr?.(res.stderr);
      return res;
    }
    const nonce = header[1]!;
    const out = [`@@PL:${nonce}:PROBE@@`];
    const names: string[] = [];
    const blocks = text.split(new RegExp(`@@PL:${nonce}:B:(\\d+)@@`)).slice(1);
    for (let k = 0; k < blocks.length; k += 2) {
      const i = blocks[k]!;
      const body = /_pl_err=\$\( \{\n([\s\S]*?)\n\} 2>&1 1>&3/.exec(blocks[k + 1]!)?.[1] ?? '';
      const spec = this.bySnippet.get(body);
      if (!spec) throw new Error(`scripted machine: a probe snippet it does not know:\n${body}`);
      names.push(spec.name);
      out.push(`\n@@PL:${nonce}:B:${i}@@\n${this.model.probe(spec)}\n@@PL:${nonce}:E:${i}:0:@@`);
    }
    this.execs.push({ kind: 'probe', names, script });
    return { code: 0, stdout: out.join('\n') + '\n', stderr: '' };
  }

  async close(): Promise<void> {}
}

/** Probe output of the kinds the specs use, in each kind's own format. */
export const probeOutput = {
  service: (s: { running: boolean; exists?: boolean }) =>
    s.exists === false ? 'init=sysv\nexists=0' : `init=sysv\nexists=1\nstatus=${s.running ? 0 : 3}\nenabled=1`,
  package: (version: string | undefined) => `mgr=apt${version ? `\ndpkg=install ok installed\t${version}` : ''}`,
  command: (g: { unless?: number; onlyif?: number; creates?: boolean }) =>
    [g.creates !== undefined ? `creates=${g.creates ? 1 : 0}` : '', g.unless !== undefined ? `unless=${g.unless}` : '', g.onlyif !== undefined ? `onlyif=${g.onlyif}` : '', 'done=1'].filter(Boolean).join('\n'),
};
