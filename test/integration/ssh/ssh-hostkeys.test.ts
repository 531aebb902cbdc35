// Host keys and connect failures against a real sshd: nothing is accepted unless known or trusted.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshError } from '../../../electron/engine/errors.js';
import { fetchHostKey, fingerprint } from '../../../electron/engine/transport/host-keys.js';
import { SshTransport } from '../../../electron/engine/transport/ssh-transport.js';
import { closedPort, silentServer, startSshd, testKey, type Sshd } from '../../support/sshd.js';
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
