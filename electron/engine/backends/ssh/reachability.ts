// The light check behind an SSH machine's "reachable" / "unreachable (why)": a TCP connect and the
// server's `SSH-` banner, without logging in (no key, no host-key prompt, nothing run on the host).

import net from 'node:net';

export type Reachability = { ok: true } | { ok: false; reason: string };

export function checkSshReachable(host: string, port: number, timeoutMs = 5000): Promise<Reachability> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let settled = false;
    const done = (r: Reachability) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () => done({ ok: false, reason: `no answer from ${host}:${port} within ${Math.round(timeoutMs / 1000)} s` }));
    sock.once('data', (d: Buffer) =>
      done(d.toString('latin1').startsWith('SSH-') ? { ok: true } : { ok: false, reason: `${host}:${port} answers, but not as an SSH server` }),
    );
    sock.once('end', () => done({ ok: false, reason: `${host}:${port} closed the connection before the SSH greeting` }));
    sock.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: describe(err, host, port) }));
  });
}

function describe(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${host}:${port} (no SSH server listening there)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host name ${host} does not resolve`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${host}`;
    case 'ETIMEDOUT':
      return `no answer from ${host}:${port}`;
    default:
      return `${host}:${port}: ${err.message}`;
  }
}
