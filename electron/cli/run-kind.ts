// A run command (up, plan, drift, …) from its request to its exit code: the same rendering, output and
// exit codes whether the engine runs in this process or in the agent (it only needs start and cancel),
// and no import of the engine, so that a run handed to the agent does not load it here.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type logUpdateModule from 'log-update';
import { DEFAULT_FORKS, MAX_FORKS, type StartRunRequest } from '../../shared/api.js';
import type { EventSink } from '../../shared/events.js';
import type { DriftReport, ErrorInfo, RunResult } from '../../shared/report.js';
import { REGISTRY_REPO_WORDS, registryRepoProblem } from '../../shared/registry-ref.js';
import type { CliFlags, CliIo } from './io.js';
import { driftJunit, printDrift, printRunResult } from './print.js';
import { createRunRenderer } from './render-run.js';

/** What a run needs of an engine: the local Engine, or the agent's over its socket. */
export interface RunStarter {
  start(req: StartRunRequest, emit?: EventSink): { runId: string; done: Promise<RunResult | DriftReport> };
  cancel(runId: string): boolean;
}

export function printError(io: CliIo, info: ErrorInfo, json: boolean): void {
  if (json) {
    io.out(JSON.stringify({ error: info }));
    return;
  }
  const pc = io.colors;
  io.err(`${pc.red('error:')} ${info.message}`);
  if (info.where && !info.message.includes(info.where)) io.err(`  ${pc.dim('at')} ${info.where}`);
  if (info.hint) io.err(`  ${pc.dim('→')} ${info.hint}`);
  const stack = info.details?.stack;
  if (typeof stack === 'string') io.err(pc.dim(stack));
}

/** The request a run command's arguments make; throws (with a hint) when one is missing. */
export function runRequest(kind: StartRunRequest['kind'], file: string, flags: CliFlags): StartRunRequest {
  const req: StartRunRequest = { kind, file };
  if (flags.against) req.baseline = path.resolve(flags.against);
  if (kind === 'capture') {
    if (!flags.out) throw Object.assign(new Error('capture needs --out <file>'), { hint: 'prodlike capture profiles/shop/production.yaml --out baselines/production.yaml' });
    req.baseline = path.resolve(flags.out);
  }
  if (kind === 'reconcile' && !flags.against) throw Object.assign(new Error('reconcile needs --against <baseline>'), { hint: 'prodlike reconcile profiles/shop/dev.yaml --against baselines/production.yaml' });
  if (flags.volumes) req.volumes = true;
  if (flags['no-rollback']) req.noRollback = true;
  if (flags['no-cache']) req.noCache = true;
  if (flags.push !== undefined) req.push = parsePush(flags.push);
  if (flags['from-plan']) req.planId = flags['from-plan'];
  if (flags.forks !== undefined) req.forks = parseForks(flags.forks);
  if (flags['allow-unreachable']) req.allowUnreachable = true;
  return req;
}

/** `--push <registry>/<repo>`: a registry repository, checked before anything is built. */
export function parsePush(text: string): string {
  const problem = registryRepoProblem(text);
  if (problem) throw Object.assign(new Error(`--push ${text}: expected ${REGISTRY_REPO_WORDS} (${problem})`), { name: 'UsageError', hint: 'prodlike bake <profile> --push 127.0.0.1:5000/shop-cache (Prodlike tags each state itself)' });
  return text;
}

/** `--forks N`: a whole number from 1 to MAX_FORKS. */
export function parseForks(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > MAX_FORKS) {
    throw Object.assign(new Error(`--forks ${text}: expected a whole number from 1 to ${MAX_FORKS}`), { hint: `how many machines to work on at a time; the default is ${DEFAULT_FORKS}` });
  }
  return n;

}

/**
 * `sigint: false`: Ctrl-C is not this process's to take (the agent serving a native client's command).
 * `live`: the terminal's live lines (the agent draws them on the client's, served-terminal.ts); by default
 * log-update on this process's stdout.
 */
export async function runKind(engine: RunStarter, kind: StartRunRequest['kind'], file: string, flags: CliFlags, io: CliIo, opts: { sigint?: boolean; live?: typeof logUpdateModule } = {}): Promise<number> {
  const req = runRequest(kind, file, flags);
  const json = !!flags.json;
  const live = io.tty && !json ? (opts.live ?? (await import('log-update')).default) : undefined;
  const renderer = json ? undefined : createRunRenderer({ tty: io.tty, verbose: !!flags.verbose, colors: io.colors, write: io.out, ...(live ? { live } : {}) });
  const started = engine.start(req, (e) => (json ? io.out(JSON.stringify(e)) : renderer!.onEvent(e)));
  const onSigint = () => {
    engine.cancel(started.runId);
  };
  if (opts.sigint !== false) process.once('SIGINT', onSigint);
  let result: RunResult | DriftReport;
  try {
    result = await started.done;
  } finally {
    process.off('SIGINT', onSigint);
    renderer?.stop();
  }
  return finishRun(result, req, flags, io);
}

/** Prints a run's result and decides the exit code (0 done / in sync, 1 failed, 2 pending or drift). */
export async function finishRun(result: RunResult | DriftReport, req: StartRunRequest, flags: CliFlags, io: CliIo): Promise<number> {
  const json = !!flags.json;
  if ('findings' in result) return finishDrift(result, flags, io);
  if (json) io.out(JSON.stringify({ result }));
  else {
    if (result.error) printError(io, result.error, false);
    printRunResult(io, result, req.baseline, !!req.allowUnreachable);
    if (req.kind === 'plan' && result.ok && result.summary.pending > 0) io.out(io.colors.dim(`apply exactly this plan: prodlike up ${req.file} --from-plan ${result.runId}`));
  }
  if (!result.ok) return 1;
  return req.kind === 'plan' && result.summary.pending > 0 ? 2 : 0;
}

async function finishDrift(report: DriftReport, flags: CliFlags, io: CliIo): Promise<number> {
  if (flags.junit) await writeFile(flags.junit, driftJunit(report));
  if (flags.json) io.out(JSON.stringify({ report }));
  else printDrift(io, report);
  if (report.errors.length) return 1;
  return report.inSync ? 0 : 2;
}
