// Host keys and connect failures against a real sshd: nothing is accepted unless known or trusted.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../../electron/engine/engine.js';
import type { SshError } from '../../../../electron/engine/errors.js';
import { guardProductionHosts, registerProductionHosts } from '../../../../electron/engine/runner/production-guard.js';
import { fetchHostKey, fingerprint } from '../../../../electron/engine/backends/ssh/host-keys.js';
import { SshConnectionPool } from '../../../../electron/engine/backends/ssh/connection.js';
import { SshTransport, sshTarget } from '../../../../electron/engine/backends/ssh/transport.js';
import { prodHost } from '../../../unit/engine/runner/drift-fixtures.js';
import { closedPort, silentServer, startSshd, testKey, type Sshd } from '../../../support/sshd.js';
import { keySources, specFor, trust } from './helpers.js';

const run = promisify(execFile);
let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

function hostKeyFp(s: Sshd): string {
  return fingerprint(Buffer.from(s.hostKey.base64, 'base64'));
}

async function connectError(t: SshTransport): Promise<SshError> {
  try {
    await t.connect();
  } catch (err) {
    return err as SshError;
  }
  throw new Error('connected, but should not have');
}

describe('host keys', () => {
  it('refuses an unknown host key, naming host:port and the fingerprint', async () => {
    const src = keySources();
    const pool = src.pool();
    const err = await connectError(new SshTransport(specFor(sshd), pool));
    expect(err.name).toBe('SshError');
    expect(err.message).toBe(`host key of 127.0.0.1:${sshd.port} is not trusted (ED25519 ${hostKeyFp(sshd)})`);
    expect(err.hint).toBe(`check the fingerprint, then run \`prodlike trust 127.0.0.1:${sshd.port}\``);
    await pool.close();
  });

  it('fetchHostKey reads the key without logging in; trusting it lets the connection through', async () => {
    const src = keySources();
    const fetched = await fetchHostKey(sshd.host, sshd.port, 5000);
    expect(fetched.keyType).toBe('ssh-ed25519');
    expect(fetched.fingerprint).toBe(hostKeyFp(sshd));
    // the same fingerprint ssh-keygen computes
    const { stdout } = await run('sh', ['-c', `echo '${sshd.hostKeyLine}' | ssh-keygen -lf -`]);
    expect(stdout).toContain(fetched.fingerprint);

    const trusted = await src.store.trust(sshd.host, sshd.port, fetched.keyType, fetched.key);
    expect(trusted).toMatchObject({ host: `[127.0.0.1]:${sshd.port}`, keyType: 'ssh-ed25519', fingerprint: fetched.fingerprint });
    expect(await src.store.list()).toHaveLength(1);
    const pool = src.pool();
    await new SshTransport(specFor(sshd), pool).connect();
    await pool.close();

    expect(await src.store.revoke(sshd.host, sshd.port)).toBe(true);
    expect(await src.store.revoke(sshd.host, sshd.port)).toBe(false);
    const again = src.pool();
    await expect(new SshTransport(specFor(sshd), again).connect()).rejects.toThrow('is not trusted');
    await again.close();
  });

  it('accepts keys from known_hosts, plain and hashed', async () => {
    const src = keySources();
    writeFileSync(src.knownHosts, `# a comment\nother.example ssh-ed25519 ${sshd.hostKey.base64}\n${sshd.hostKeyLine}\n`);
    const pool = src.pool();
    await new SshTransport(specFor(sshd), pool).connect();
    await pool.close();

    // ssh-keygen -H hashes the names in place, as HashKnownHosts=yes would have written them
    await run('ssh-keygen', ['-H', '-f', src.knownHosts]);
    const hashed = (await import('node:fs')).readFileSync(src.knownHosts, 'utf8');
    expect(hashed).toContain('|1|');
    expect(hashed).not.toContain('127.0.0.1');
    const pool2 = src.pool();
    await new SshTransport(specFor(sshd), pool2).connect();
    await pool2.close();
  });

  it('refuses a CHANGED host key loudly, with the expected and presented fingerprints', async () => {
    const own = await startSshd();
    try {
      const src = keySources();
      writeFileSync(src.knownHosts, `${own.hostKeyLine}\n`);
      await trust(src, own);
      const expected = hostKeyFp(own);
      await own.regenerateHostKey();
      const pool = src.pool();
      const err = await connectError(new SshTransport(specFor(own), pool));
      await pool.close();
      expect(err.message).toMatch(new RegExp(`^HOST KEY OF 127\\.0\\.0\\.1:${own.port} HAS CHANGED`));
      expect(err.message).toContain('possible man-in-the-middle attack');
      expect(err.details).toEqual({ fingerprint: hostKeyFp(own), expected });
    } finally {
      await own.stop();
    }
  });
});

describe('a key trusted only through `prodlike trust`', () => {
  it('refuses a CHANGED host key when the only record is the trusted-keys store (no known_hosts line)', async () => {
    const own = await startSshd();
    try {
      const src = keySources();
      // What `prodlike trust 127.0.0.1:<port>` does: fetch the key, store it. known_hosts stays empty.
      const trusted = await new Engine({ dataDir: src.dataDir }).trustHostKey(own.host, own.port);
      expect(trusted.fingerprint).toBe(hostKeyFp(own));
      expect(readFileSync(src.knownHosts, 'utf8')).toBe('');
      const ok = src.pool();
      await new SshTransport(specFor(own), ok).connect();
      await ok.close();

      await own.regenerateHostKey();
      const pool = src.pool();
      const err = await connectError(new SshTransport(specFor(own), pool));
      await pool.close();
      expect(err.name).toBe('SshError');
      expect(err.message).toMatch(new RegExp(`^HOST KEY OF 127\\.0\\.0\\.1:${own.port} HAS CHANGED: it presents ED25519 ${hostKeyFp(own).replace(/[+/]/g, '\\$&')}, but ${trusted.fingerprint.replace(/[+/]/g, '\\$&')} is the key on record`));
      expect(err.details).toEqual({ fingerprint: hostKeyFp(own), expected: trusted.fingerprint });
      expect(pool.connectsOpened).toBe(0);
    } finally {
      await own.stop();
    }
  });
});

/** A TCP listener that counts connections: a "production host" that must never see one. */
async function countingServer(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let n = 0;
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    n++;
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    connections: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

describe('the production guard at the socket', () => {
  it('refuses before any TCP connection when the resolved address is a production host, however it is spelt', async () => {
    const prodHostServer = await countingServer();
    try {
      const src = keySources();
      const dir = mkdtempSync(join(tmpdir(), 'pl-guard-it-'));
      await registerProductionHosts(src.dataDir, { format: 'prodlike-baseline/1', profile: 'p', captured_at: '2025-01-01T00:00:00Z', hosts: { 'web-1': prodHost({ address: `127.0.0.1:${prodHostServer.port}` }) } }, 'prod.yaml');
      const profile = { name: 'dev', role: 'dev' as const, vars: {}, machines: [{ name: 'web', ssh: specFor(sshd), resources: [] }], file: join(dir, 'dev.yaml'), files: [join(dir, 'dev.yaml')] };
      const guard = await guardProductionHosts(profile, { dataDir: src.dataDir, folders: [], allowProductionHosts: false });
      for (const host of ['localhost', '127.1', '2130706433', '::ffff:127.0.0.1', '127.0.0.1']) {
        const pool = src.pool();
        const err = await pool.get(sshTarget(specFor(sshd, { host, port: prodHostServer.port })), guard).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        await pool.close();
        expect(err?.name, host).toBe('RefusedError');
        expect(err?.message, host).toMatch(new RegExp(`^refusing to write to production: .*:${prodHostServer.port}, resolved to .* just before connecting, is production host web-1 in prod\\.yaml`));
      }
      expect(prodHostServer.connections()).toBe(0);

      // Another host passes the same guard and connects (trusted, real sshd).
      await trust(src, sshd);
      const pool = src.pool();
      await pool.get(sshTarget(specFor(sshd)), guard);
      expect(pool.connectsOpened).toBe(1);
      await pool.close();
    } finally {
      await prodHostServer.close();
    }
  });

  it('connects to the address it checked, not to a second lookup of the name', async () => {
    const src = keySources();
    await src.store.trust('dev-box.test', sshd.port, sshd.hostKey.type, Buffer.from(sshd.hostKey.base64, 'base64'));
    const names: Record<string, string[]> = { 'dev-box.test': ['127.0.0.1'], 'shop-web.test': ['192.0.2.1', '127.0.0.1'] };
    const resolve = async (host: string) => names[host] ?? [];
    const seen: string[][] = [];
    const guard = (ep: { host: string; addresses: string[] }) => {
      seen.push(ep.addresses);
      if (ep.addresses.includes('192.0.2.1')) throw new Error(`refused ${ep.host}: 192.0.2.1 is production`);
    };
    const pool = new SshConnectionPool({ hostKeys: { store: src.store, knownHostsFiles: [src.knownHosts] }, agentSocket: '', resolve });
    // A name only the injected resolver knows: ssh2 can only reach it through the address it was given.
    const dev = sshTarget(specFor(sshd, { host: 'dev-box.test' }));
    await pool.get(dev, guard);
    expect(pool.connectsOpened).toBe(1);
    // Any production address among those the name resolves to refuses, before connecting.
    await expect(pool.get(sshTarget(specFor(sshd, { host: 'shop-web.test' })), guard)).rejects.toThrow('refused shop-web.test: 192.0.2.1 is production');
    expect(seen).toEqual([['127.0.0.1'], ['127.0.0.1'], ['192.0.2.1', '127.0.0.1']]);
    expect(pool.connectsOpened).toBe(1);
    await pool.close();
  });

  it('a connection opened by a read-only run is not reused by a writing run to a production host', async () => {
    const src = keySources();
    await trust(src, sshd);
    const pool = src.pool();
    const target = sshTarget(specFor(sshd));
    await pool.get(target); // drift or capture: no guard
    const guard = (ep: { host: string; port: number; addresses: string[] }) => {
      if (ep.addresses.includes('127.0.0.1')) throw new Error(`guarded ${ep.host}:${ep.port}`);
    };
    await expect(pool.get(target, guard)).rejects.toThrow(`guarded 127.0.0.1:${sshd.port}`);
    expect(pool.connectsOpened).toBe(1);
    await pool.close();
  });

  it('checks a jump host target before the jump host forwards to it', async () => {
    const src = keySources();
    await trust(src, sshd);
    const pool = src.pool();
    const seen: unknown[] = [];
    const guard = (ep: { host: string; via?: unknown }) => {
      seen.push(ep);
      if (ep.host === 'web-1.shop.internal.') throw new Error('refused the jump target');
    };
    const spec = specFor(sshd, { host: 'web-1.shop.internal.', port: 22, jump: { host: sshd.host, port: sshd.port, user: sshd.user, identity: sshd.identity } });
    await expect(pool.get(sshTarget(spec), guard)).rejects.toThrow('refused the jump target');
    expect(seen).toEqual([{ host: 'web-1.shop.internal.', port: 22, addresses: [], via: { host: '127.0.0.1', port: sshd.port, addresses: ['127.0.0.1'] } }]);
    // Only the jump host's connection was opened; nothing was forwarded to the target.
    expect(pool.connectsOpened).toBe(1);
    await pool.close();
  });
});

describe('connect failures name host:port', () => {
  it('connection refused', async () => {
    const port = await closedPort();
    const src = keySources();
    const pool = src.pool();
    const err = await connectError(new SshTransport(specFor(sshd, { port }), pool));
    expect(err.message).toBe(`connection to 127.0.0.1:${port} refused: nothing listens there`);
    await pool.close();
  });

  it('unreachable: no handshake within the connect timeout', async () => {
    const silent = await silentServer();
    const src = keySources();
    const pool = src.pool();
    const start = Date.now();
    const err = await connectError(new SshTransport(specFor(sshd, { port: silent.port, connectTimeoutMs: 800 }), pool));
    expect(Date.now() - start).toBeLessThan(3000);
    expect(err.message).toBe(`127.0.0.1:${silent.port} is unreachable: no SSH handshake within 0.8 s`);
    await pool.close();
    await silent.close();
  });

  it('authentication failure names the user and the key that was tried', async () => {
    const src = keySources();
    await trust(src, sshd);
    const pool = src.pool();
    const { identity } = await testKey();
    const err = await connectError(new SshTransport(specFor(sshd, { user: 'nobody-here' }), pool));
    expect(err.message).toBe(`authentication failed for user nobody-here at 127.0.0.1:${sshd.port} (tried key ${identity})`);
    expect(JSON.stringify(err.details)).not.toMatch(/PRIVATE KEY/);
    await pool.close();
  });

  it('a missing identity file is named', async () => {
    const src = keySources();
    const pool = src.pool();
    await expect(new SshTransport(specFor(sshd, { identity: '/nonexistent/id_ed25519' }), pool).connect()).rejects.toThrow(
      `cannot read the identity file /nonexistent/id_ed25519 for 127.0.0.1:${sshd.port}: ENOENT`,
    );
    await pool.close();
  });
});
