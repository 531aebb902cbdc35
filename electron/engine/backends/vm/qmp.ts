// A minimal QMP client (QEMU Machine Protocol, JSON lines over the VM's unix socket): connect, leave
// capabilities negotiation, run one command, disconnect.

import net from 'node:net';
import { VmError } from './vm-error.js';

/**
 * One command. QEMU answers from its main loop, which a busy host's slow disk can hold for longer than
 * seconds: 60 s by default, so that a slow answer is not taken for a dead QEMU (and killed).
 */
export async function qmp(socket: string, command: string, args?: Record<string, unknown>, timeoutMs = 60_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(socket);
    let buf = '';
    let step = 0;
    const timer = setTimeout(() => finish(new VmError(`QEMU's control socket ${socket} did not answer within ${timeoutMs / 1000} s`, { where: socket })), timeoutMs);
    const finish = (err: Error | undefined, value?: unknown) => {
      clearTimeout(timer);
      conn.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    conn.on('error', (err: NodeJS.ErrnoException) => finish(new VmError(`cannot reach QEMU's control socket ${socket}: ${err.code ?? err.message}`, { where: socket })));
    conn.on('data', (d) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { desc: string }; event?: string };
        if (msg.event) continue;
        if (step === 0 && msg.QMP) {
          step = 1;
          conn.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
        } else if (step === 1) {
          if (msg.error) return finish(new VmError(`QMP refused capabilities: ${msg.error.desc}`));
          step = 2;
          conn.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
        } else if (step === 2) {
          if (msg.error) return finish(new VmError(`QMP ${command} failed: ${msg.error.desc}`));
          return finish(undefined, msg.return);
        }
      }
    });
    conn.on('close', () => {
      // `quit` closes the socket without an answer: that is success.
      if (step === 2 && command === 'quit') finish(undefined, {});
      else finish(new VmError(`QEMU closed its control socket ${socket} before answering ${command}`, { where: socket }));
    });
  });
}

/**
 * How long a QMP `stop` or `cont` may take. On `stop` QEMU drains and flushes its block layer in its
 * main loop, which takes more than 10 s on a busy host whose disk is slow (a CI machine under load).
 */
export const QMP_PAUSE_MS = 120_000;

/** The guest stayed paused: it answers nothing, not even SSH, until it runs again. */
export class VmPausedError extends VmError {
  override name = 'VmPausedError';
}

/**
 * Runs `work` with the guest's CPUs stopped (QMP `stop`), then lets the guest run again whatever
 * happened: also when `stop` did not answer in time, since QEMU may still carry it out (one client at a
 * time on its socket, in order, so a `cont` after it comes after it). A guest that does not run again is
 * an error of its own (`VmPausedError`), which wins over the work's.
 */
export async function whilePaused<T>(socket: string, work: () => Promise<T>, timeoutMs = QMP_PAUSE_MS): Promise<T> {
  try {
    await qmp(socket, 'stop', undefined, timeoutMs);
    return await work();
  } finally {
    await resume(socket, timeoutMs);
  }
}

/** `cont` until QEMU says the guest runs (`query-status`), for `timeoutMs` at most. */
export async function resume(socket: string, timeoutMs = QMP_PAUSE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const left = () => Math.max(1000, deadline - Date.now());
    try {
      await qmp(socket, 'cont', undefined, left());
      const st = (await qmp(socket, 'query-status', undefined, left())) as { running?: boolean; status?: string } | undefined;
      if (st?.running) return;
      last = `QEMU says it is ${st?.status ?? 'not running'}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new VmPausedError(`the VM is paused and did not run again within ${Math.round(timeoutMs / 1000)} s: ${last}`, {
        where: socket,
        hint: 'run `prodlike up` on its profile again: it resumes a paused VM',
      });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
