// SshTransport against a real sshd: commands, stdin, exit codes, connection reuse, sudo, jump hosts.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport, sshTarget } from '../../../../electron/engine/backends/ssh/transport.js';
import { serviceKind } from '../../../../electron/engine/resources/service-resource.js';
import { createNetwork, startSshd, type Sshd } from '../../../support/sshd.js';
import { keySources, specFor, trust, type KeySources } from './helpers.js';

let sshd: Sshd;
let src: KeySources;

beforeAll(async () => {
  sshd = await startSshd();
  src = keySources();
  await trust(src, sshd);
});
afterAll(async () => {
  await sshd?.stop();
});

async function acceptedLogins(): Promise<number> {
  const { dockerAsync: docker } = await import('../../../support/docker.js');
  // sshd -D -e logs to stderr, which is the container log: one line per successful authentication.
  const logs = await new Promise<string>((resolve, reject) => {
    import('node:child_process').then(({ execFile }) =>
      execFile('docker', ['logs', sshd.containerId], (err, out, errOut) => (err ? reject(err) : resolve(out + errOut))),
    );
  });
  void docker;
  return logs.split('\n').filter((l) => l.includes('Accepted publickey')).length;
}

describe('SshTransport', () => {
  it('runs sh -c scripts and reports exit code, stdout and stderr separately', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd), pool);
    try {
      const r = await t.exec('echo out; echo err >&2; exit 3');
      expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
      const quoted = await t.exec(`printf '%s|' "it's" "a \\"test\\"" $HOME`);
      expect(quoted.stdout).toBe(`it's|a "test"|/root|`);
      expect(t.target).toBe(`ssh root@127.0.0.1:${sshd.port}`);
    } finally {
      await pool.close();
    }
  });

  it('sends 1 MB of stdin intact', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd), pool);
    try {
      const data = randomBytes(512 * 1024).toString('hex'); // 1 MiB of text
      const r = await t.exec('sha256sum | cut -d" " -f1; wc -c </dev/null >/dev/null', { stdin: data });
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(createHash('sha256').update(data).digest('hex'));
    } finally {
      await pool.close();
    }
  });

  it('streams output through onStdout/onStderr', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd), pool);
    let out = '';
    let err = '';
    try {
      await t.exec('for i in 1 2 3; do echo $i; echo e$i >&2; done', { onStdout: (c) => (out += c), onStderr: (c) => (err += c) });
      expect(out).toBe('1\n2\n3\n');
      expect(err).toBe('e1\ne2\ne3\n');
    } finally {
      await pool.close();
    }
  });

  it('reuses one connection for many commands (20 execs → 1 SSH login)', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd), pool);
    const t2 = new SshTransport(specFor(sshd), pool); // a second machine on the same user@host:port
    const before = await acceptedLogins();
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => t.exec(`echo ${i}`)));
      for (let i = 0; i < 10; i++) await t2.exec(`echo ${i}`);
      // measure one round-trip once connected
      const n = 20;
      const start = performance.now();
      for (let i = 0; i < n; i++) await t.exec('true');
      const perExec = (performance.now() - start) / n;
      console.log(`[measure] one exec round-trip over SSH (connected): ${perExec.toFixed(1)} ms`);
      expect(pool.connectsOpened).toBe(1);
      expect((await acceptedLogins()) - before).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('stops a command at the command timeout and names host:port and the seconds', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd, { commandTimeoutMs: 500 }), pool);
    try {
      await expect(t.exec('sleep 30')).rejects.toThrow(`a command on 127.0.0.1:${sshd.port} did not finish within 0.5 s`);
      // the connection survives a timed-out command
      expect((await t.exec('echo still here')).stdout).toBe('still here\n');
    } finally {
      await pool.close();
    }
  });

  it('a warm connection that died before its socket said so: the command goes on a new connection', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd), pool);
    try {
      await t.exec('true');
      // The TCP connection is gone, and the pool still holds it (its close event has not run yet).
      const conn = await pool.get(sshTarget(specFor(sshd)));
      (conn.client as unknown as { _sock: { destroy(): void } })._sock.destroy();
      expect(conn.closed).toBe(false);
      expect((await t.exec('echo after')).stdout).toBe('after\n');
      expect(pool.connectsOpened).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('a command that fails on a live connection is not run again', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd), pool);
    try {
      const marker = `/tmp/once-${Date.now()}`;
      expect((await t.exec(`echo x >> ${marker}; exit 3`)).code).toBe(3);
      expect((await t.exec(`wc -l < ${marker}`)).stdout.trim()).toBe('1');
      expect(pool.connectsOpened).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('reconnects when the connection was closed', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd), pool);
    try {
      await t.exec('true');
      await t.close();
      expect((await t.exec('echo again')).stdout).toBe('again\n');
      expect(pool.connectsOpened).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('a service start with ready: returns once the check passes, while its start script goes on over SSH', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd), pool);
    try {
      // An init script that answers at once and then confirms for 20 s (as Debian's PostgreSQL script does for 2 s).
      const setup = await t.exec(`cat > /etc/init.d/plssh <<'EOS'
#!/bin/sh
case "$1" in
  start) touch /run/plssh.ready; echo confirming; exec sleep 20 ;;
  status) [ -e /run/plssh.ready ] && exit 0; exit 3 ;;
  stop) rm -f /run/plssh.ready ;;
esac
EOS
chmod 755 /etc/init.d/plssh; rm -f /run/plssh.ready`);
      expect(setup.code, setup.stderr).toBe(0);
      const spec = { id: 'service:plssh', kind: 'service' as const, name: 'plssh', state: 'running' as const, ready: 'test -e /run/plssh.ready' };
      const actual = serviceKind.parse((await t.exec(serviceKind.probe(spec))).stdout, spec);
      expect(actual).toMatchObject({ running: false, ready: false });
      const started = Date.now();
      const r = await t.exec(serviceKind.apply(spec, actual, serviceKind.diff(spec, actual)).script);
      expect(r.code, r.stderr).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await t.exec('pgrep -f "sleep 20" >/dev/null && echo confirming')).stdout).toBe('confirming\n');
    } finally {
      await t.exec('pkill -f "sleep 20"; rm -f /run/plssh.ready /etc/init.d/plssh').catch(() => undefined);
      await pool.close();
    }
  });
});

describe('become', () => {
  it('runs as root through sudo -n for a user with NOPASSWD sudo', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd, { user: 'deploy', become: true }), pool);
    try {
      await t.connect();
      const r = await t.exec('id -un; printf %s "$1"; cat', { stdin: 'from stdin' });
      expect(r.stdout).toBe('root\nfrom stdin');
      const plain = new SshTransport(specFor(sshd, { user: 'deploy' }), pool);
      expect((await plain.exec('id -un')).stdout).toBe('deploy\n');
    } finally {
      await pool.close();
    }
  });

  it('says clearly when sudo needs a password', async () => {
    const pool = src.pool();
    const t = new SshTransport(specFor(sshd, { user: 'pwsudo', become: true }), pool);
    try {
      await expect(t.connect()).rejects.toThrow('sudo on 127.0.0.1 needs a password; allow NOPASSWD for pwsudo or connect as root');
    } finally {
      await pool.close();
    }
  });
});

describe('jump host', () => {
  it('reaches a target that is only reachable through the bastion', async () => {
    const net = await createNetwork();
    const bastion = await startSshd({ network: net.name });
    const target = await startSshd({ network: net.name, publish: false });
    const pool = src.pool();
    try {
      await trust(src, bastion);
      // The target is known by its name on the docker network, port 22, as the bastion resolves it.
      await src.store.trust(target.name, 22, target.hostKey.type, Buffer.from(target.hostKey.base64, 'base64'));
      const spec = specFor(target, {
        host: target.name,
        port: 22,
        jump: { host: bastion.host, port: bastion.port, user: 'root', identity: bastion.identity },
      });
      const t = new SshTransport(spec, pool);
      const r = await t.exec('hostname; cat /proc/1/cmdline | tr "\\0" " "');
      expect(r.stdout.split('\n')[0]).toBe(target.containerId.slice(0, 12));
      expect(pool.connectsOpened).toBe(2); // bastion + target
    } finally {
      await pool.close();
      await Promise.all([bastion.stop(), target.stop()]);
      await net.remove();
    }
  });
});
