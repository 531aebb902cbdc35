// A minimal QMP client (QEMU Machine Protocol, JSON lines over the VM's unix socket): connect, leave
// capabilities negotiation, run one command, disconnect.

import net from 'node:net';
import { VmError } from './vm-error.js';

export async function qmp(socket: string, command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
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
