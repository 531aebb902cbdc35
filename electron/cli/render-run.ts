// Renders the run event stream for a terminal: a live block per machine on a TTY (log-update), plain
// lines otherwise. Results that matter (changed, failed, pending, drift) are printed for good, with
// their diffs; resources that were already right are only counted.

import type logUpdateModule from 'log-update';
import type { RunEvent } from '../../shared/events.js';
import type { Change, DriftStatus, ResourceStatus } from '../../shared/report.js';
import type { Colors } from './io.js';

/** Above this many machines the live block is one progress line. */
const FLEET_LINES = 10;

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface MachineLine {
  phase: string;
  detail: string;
  /** Latest status per resource id: a resource can be reported again (re-probed after a package). */
  statuses: Map<string, ResourceStatus>;
  done: boolean;
  failedPhase: boolean;
}

export interface RunRenderer {
  onEvent(e: RunEvent): void;
  stop(): void;
}

export function statusMark(pc: Colors, s: ResourceStatus | DriftStatus): string {
  switch (s) {
    case 'ok':
    case 'in-sync':
      return pc.green('ok');
    case 'changed':
      return pc.yellow('changed');
    case 'pending':
      return pc.cyan('will change');
    case 'failed':
      return pc.red('FAILED');
    case 'skipped':
      return pc.dim('skipped');
    case 'drifted':
      return pc.yellow('drifted');
    case 'missing':
      return pc.red('missing');
    case 'extra':
      return pc.magenta('extra');
    case 'not-checked':
      return pc.dim('not checked');
  }
}

export function formatChanges(pc: Colors, changes: Change[], indent = '      '): string[] {
  const out: string[] = [];
  for (const c of changes) {
    out.push(`${indent}${pc.dim('-')} ${c.summary}`);
    if (c.diff) {
      for (const line of c.diff.split('\n')) {
        if (line.startsWith('Index:') || line.startsWith('====')) continue;
        const colored = line.startsWith('+') && !line.startsWith('+++') ? pc.green(line) : line.startsWith('-') && !line.startsWith('---') ? pc.red(line) : line.startsWith('@@') ? pc.cyan(line) : pc.dim(line);
        if (line) out.push(`${indent}  ${colored}`);
      }
    }
  }
  return out;
}

/**
 * `live`: log-update, for the live machine lines on a terminal. The caller loads it (only on a
 * terminal: it and its dependencies are ~20 ms of every run's start-up); without it there are none.
 */
export function createRunRenderer(opts: { tty: boolean; verbose: boolean; colors: Colors; write?: (s: string) => void; live?: typeof logUpdateModule }): RunRenderer {
  const logUpdate = opts.live!;
  const pc = opts.colors;
  opts = { ...opts, tty: opts.tty && !!opts.live };
  const write = opts.write ?? ((s: string) => process.stdout.write(s + '\n'));
  const machines = new Map<string, MachineLine>();
  // A fleet (drift/capture over many hosts) shows one line, hosts done/total and failures, not a block per host.
  let fleet: { done: number; total: number; failed: number; printed: number } | undefined;
  const fleetLine = (f: NonNullable<typeof fleet>) => `hosts ${f.done}/${f.total} done${f.failed ? `, ${pc.red(`${f.failed} failed`)}` : ', 0 failed'}`;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  // After run-end the live block is final: a frame drawn after log-update's done() would draw it again
  // below (the run's record is written between run-end and the result, which can take longer than a tick).
  let ended = false;

  const render = () => {
    if (fleet && machines.size > FLEET_LINES) return `${fleet.done < fleet.total ? pc.cyan(SPINNER[frame % SPINNER.length]!) : fleet.failed ? pc.red('✗') : pc.green('✓')} ${fleetLine(fleet)}`;
    const lines: string[] = [];
    for (const [name, m] of machines) {
      const n = (st: ResourceStatus) => [...m.statuses.values()].filter((x) => x === st).length;
      const c = { ok: n('ok'), changed: n('changed'), pending: n('pending'), failed: n('failed') };
      const mark = m.failedPhase || c.failed ? pc.red('✗') : m.done ? pc.green('✓') : pc.cyan(SPINNER[frame % SPINNER.length]!);
      const counts = [c.ok && `${c.ok} ok`, c.changed && pc.yellow(`${c.changed} changed`), c.pending && pc.cyan(`${c.pending} to change`), c.failed && pc.red(`${c.failed} failed`)].filter(Boolean).join(', ');
      lines.push(`${mark} ${pc.bold(name.padEnd(12))} ${m.done ? '' : `${m.phase.padEnd(9)} ${m.detail}`}${counts ? pc.dim('  ') + counts : ''}`);
    }
    return lines.join('\n');
  };
  const persist = (line: string) => {
    if (opts.tty && !ended) logUpdate.clear();
    write(line);
    if (opts.tty && machines.size && !ended) logUpdate(render());
  };
  const machine = (name: string) => {
    let m = machines.get(name);
    if (!m) {
      m = { phase: 'waiting', detail: '', statuses: new Map(), done: false, failedPhase: false };
      machines.set(name, m);
    }
    return m;
  };

  if (opts.tty) {
    timer = setInterval(() => {
      frame++;
      if (machines.size) logUpdate(render());
    }, 80);
    timer.unref();
  }

  return {
    onEvent(e) {
      switch (e.type) {
        case 'run-start':
          for (const m of e.machines) machine(m);
          if (!opts.tty) write(`${e.kind} ${e.profile}: ${e.machines.length} machine(s)`);
          break;
        case 'machine': {
          const m = machine(e.machine);
          m.phase = e.phase;
          if (e.detail) m.detail = e.detail;
          if (e.status === 'failed') {
            // Shown in the live block; the message itself is printed once, with the run's summary.
            m.failedPhase = true;
            m.done = true;
          } else if (!opts.tty && e.status === 'done' && e.detail) {
            write(`  ${e.machine}: ${e.phase} ${e.detail}`);
          }
          break;
        }
        case 'resource': {
          const m = machine(e.machine);
          m.statuses.set(e.resource.id, e.status);
          m.detail = `${e.resource.kind} ${e.resource.name}`;
          if (e.status !== 'ok' || opts.verbose) {
            const head = `  ${statusMark(pc, e.status)} ${pc.bold(e.machine)} ${e.resource.kind} ${e.resource.name}`;
            const body = formatChanges(pc, e.changes);
            // The message holds the exit code and the output's last lines; --verbose streamed it all.
            if (e.error) body.push(...e.error.message.split('\n').map((l, i) => `      ${i === 0 ? pc.red(l) : pc.dim(l)}`));
            persist([head, ...body].join('\n'));
          }
          break;
        }
        case 'drift':
          break;
        case 'log':
          if (!e.machine && e.stream !== 'stdout' && e.stream !== 'stderr') persist(`  ${e.stream === 'warn' ? pc.yellow(e.text.trimEnd()) : e.text.trimEnd()}`);
          // A command's output comes in batches of lines: each line gets the machine's prefix.
          else if (opts.verbose || e.stream === 'warn') persist(e.text.trimEnd().split('\n').map((l) => `  ${pc.dim(`[${e.machine ?? '-'}]`)} ${e.stream === 'warn' ? pc.yellow(l) : pc.dim(l)}`).join('\n'));
          break;
        case 'progress': {
          // "hosts": the fleet runner's count (electron/engine/runner/fleet.ts).
          if (!e.machine && e.task === 'hosts' && e.total) {
            fleet ??= { done: 0, total: e.total, failed: 0, printed: 0 };
            Object.assign(fleet, { done: e.current ?? 0, total: e.total, failed: e.failed ?? 0 });
            // Without a terminal: a line at each tenth of the fleet, and at the end.
            const step = Math.floor((fleet.done / fleet.total) * 10);
            if (!opts.tty && fleet.total > 1 && step > fleet.printed && fleet.done > 0) {
              fleet.printed = step;
              write(`  ${fleetLine(fleet)}`);
            }
            break;
          }
          if (e.machine) {
            const m = machine(e.machine);
            // A machine's step (phase set) counts resources; other progress (a pull) is a share of bytes.
            m.detail = e.phase && e.total ? `${e.task} (${e.current ?? 0}/${e.total})` : e.total ? `${e.task} ${Math.round(((e.current ?? 0) / e.total) * 100)}%` : e.task;
          }
          break;
        }
        case 'run-end':
          for (const m of machines.values()) m.done = true;
          if (opts.tty && !ended) {
            ended = true;
            clearInterval(timer);
            logUpdate(render());
            logUpdate.done();
          }
          break;
      }
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
