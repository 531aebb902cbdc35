// Real sshd servers for tests and the benchmark: containers from the local `debian:bookworm` image
// (it has openssh-server, sudo, procps), driven through the docker CLI directly, never through
// Prodlike, so a bug in Prodlike cannot hide a bug in its own test setup.
//
//   const sshd = await startSshd();            // published on 127.0.0.1:<random port>
//   ... connect as sshd.user ('root') with sshd.identity; trust sshd.hostKey ...
//   await sshd.stop();
//
// Every container gets its own freshly generated ED25519 host key (the image's keys, if any, would be
// shared by all containers and make host-key tests meaningless). Users, all with the same test key:
//   root     — the default login
//   deploy   — non-root, `sudo` without a password (for `become: true`)
//   pwsudo   — non-root, `sudo` needs a password (for the "sudo needs a password" failure)
// Containers carry the label `prodlike.test=sshd` and are started with --rm; `docker rm -f` removes them.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerAsync } from './docker.js';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSHD_IMAGE = process.env.PRODLIKE_BASE_IMAGE ?? 'debian:bookworm';
export const SSHD_LABEL = 'prodlike.test=sshd';

export interface TestKey {
  /** Path of the private key (ED25519, no passphrase). */
  identity: string;
  /** The `ssh-ed25519 AAAA… comment` line. */
  publicKey: string;
}

export interface SshdOptions {
  /** Docker network to attach to (for jump-host setups); created by the caller. */
  network?: string;
  /** Publish port 22 on 127.0.0.1 (default true). A jump target may stay unpublished. */
  publish?: boolean;
  /** Container name (also its DNS name on `network`). Default: a unique one. */
  name?: string;
}

export interface Sshd {
  /** Always 127.0.0.1 when published. */
  host: string;
  /** The published port on 127.0.0.1 (0 when not published). */
  port: number;
  /** 'root'. Other users: 'deploy' (NOPASSWD sudo), 'pwsudo' (sudo needs a password). */
  user: string;
  identity: string;
  /** Container name: the host name other containers on `network` reach it by (port 22). */
  name: string;
  containerId: string;
  /** The container's host key: type and base64 blob, as in a .pub file. */
  hostKey: { type: string; base64: string };
  /** A known_hosts line for the published address: `[127.0.0.1]:<port> ssh-ed25519 AAAA…`. */
  hostKeyLine: string;
  /** Runs a shell script in the container as root through `docker exec` (independent of Prodlike). */
  exec(script: string): Promise<string>;
  /** Replaces the host key by a new one and restarts sshd on it; returns the new key. */
  regenerateHostKey(): Promise<{ type: string; base64: string }>;
  stop(): Promise<void>;
}

let sharedKey: Promise<TestKey> | undefined;

/** One throwaway client key per test process (ssh-keygen into a temp folder). */
export function testKey(): Promise<TestKey> {
  // The promise is shared, so containers started in parallel all get the same key.
  sharedKey ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodlike-sshkey-'));
    const identity = join(dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'prodlike-test', '-f', identity]);
    return { identity, publicKey: readFileSync(`${identity}.pub`, 'utf8').trim() };
  })();
  return sharedKey;
}


/** Pipes `input` into `docker <args>` (execFile has no stdin option with promisify). */
function dockerWithInput(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

// Generates the host key and starts sshd as PID 1, so `docker rm -f` is immediate and a SIGHUP makes
// sshd re-exec itself with a new key.
const ENTRYPOINT = `set -e
rm -f /etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
printf 'HostKey /etc/ssh/ssh_host_ed25519_key\\nPasswordAuthentication no\\n' > /etc/ssh/sshd_config.d/prodlike-test.conf
mkdir -p /run/sshd
exec /usr/sbin/sshd -D -e`;

// Reads the public key on stdin; makes the three users.
const SETUP = `set -e
read -r key
for u in deploy pwsudo; do id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"; done
echo 'pwsudo:not-the-password-you-are-looking-for' | chpasswd
echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/deploy
echo 'pwsudo ALL=(ALL) ALL' > /etc/sudoers.d/pwsudo
chmod 0440 /etc/sudoers.d/deploy /etc/sudoers.d/pwsudo
for home in /root /home/deploy /home/pwsudo; do
  mkdir -p "$home/.ssh"; printf '%s\\n' "$key" > "$home/.ssh/authorized_keys"
  chmod 700 "$home/.ssh"; chmod 600 "$home/.ssh/authorized_keys"
  owner=$(stat -c %U "$home"); chown -R "$owner:" "$home/.ssh"
done`;

let counter = 0;

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const key = await testKey();
  const name = opts.name ?? `prodlike-test-sshd-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const publish = opts.publish ?? true;
  const args = ['run', '-d', '--rm', '--name', name, '--label', SSHD_LABEL];
  // PRODLIKE_TEST_NETWORK: a user-defined network for hosts whose default bridge is unusable.
  const network = opts.network ?? process.env.PRODLIKE_TEST_NETWORK;
  if (network) args.push('--network', network);
  if (publish) args.push('-p', '127.0.0.1::22');
  args.push(SSHD_IMAGE, 'sh', '-c', ENTRYPOINT);
  const containerId = (await dockerAsync(...args)).trim();
  const exec = (script: string) => dockerAsync('exec', containerId, 'sh', '-c', script);
  try {
    await dockerWithInput(['exec', '-i', containerId, 'sh', '-c', SETUP], `${key.publicKey}\n`);
    let port = 0;
    if (publish) {
      // "127.0.0.1:49153" (one line per address family; we publish only on 127.0.0.1).
      const out = (await dockerAsync('port', containerId, '22/tcp')).trim().split('\n')[0] ?? '';
      port = Number(out.slice(out.lastIndexOf(':') + 1));
      await waitForBanner('127.0.0.1', port, 15_000);
    } else {
      await waitUntil(async () => (await exec('cat /proc/net/tcp /proc/net/tcp6 2>/dev/null')).includes(':0016 00000000:0000 0A'), 15_000);
    }
    const hostKey = await readHostKey(exec);
    const sshd: Sshd = {
      host: '127.0.0.1',
      port,
      user: 'root',
      identity: key.identity,
      name,
      containerId,
      hostKey,
      hostKeyLine: `[127.0.0.1]:${port} ${hostKey.type} ${hostKey.base64}`,
      exec,
      async regenerateHostKey() {
        await exec(`rm -f /etc/ssh/ssh_host_ed25519_key*; ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key; kill -HUP 1`);
        const next = await readHostKey(exec);
        if (publish) await waitForBanner('127.0.0.1', port, 15_000);
        sshd.hostKey = next;
        sshd.hostKeyLine = `[127.0.0.1]:${port} ${next.type} ${next.base64}`;
        return next;
      },
      async stop() {
        await dockerAsync('rm', '-f', containerId).catch(() => undefined);
      },
    };
    return sshd;
  } catch (err) {
    await dockerAsync('rm', '-f', containerId).catch(() => undefined);
    throw err;
  }
}

async function readHostKey(exec: (s: string) => Promise<string>): Promise<{ type: string; base64: string }> {
  const [type = '', base64 = ''] = (await exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
  return { type, base64 };
}

/** Resolves once something on host:port speaks SSH (sends its `SSH-2.0-` banner). */
export async function waitForBanner(host: string, port: number, timeoutMs: number): Promise<void> {
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const sock = net.connect({ host, port });
        const done = (ok: boolean) => {
          sock.destroy();
          resolve(ok);
        };
        sock.setTimeout(1000, () => done(false));
        sock.once('data', (d) => done(d.toString('latin1').startsWith('SSH-')));
        sock.once('error', () => done(false));
        sock.once('end', () => done(false));
      }),
    timeoutMs,
  );
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`sshd did not come up within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A docker network for jump-host setups; remove() deletes it (after its containers are gone). */
export async function createNetwork(): Promise<{ name: string; remove(): Promise<void> }> {
  const name = `prodlike-test-net-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  await dockerAsync('network', 'create', '--label', SSHD_LABEL, name);
  return { name, remove: async () => void (await dockerAsync('network', 'rm', name).catch(() => undefined)) };
}

/** Removes every leftover test sshd container and network (from a crashed run). */
export async function removeAllTestSshd(): Promise<void> {
  const ids = (await dockerAsync('ps', '-aq', '--filter', `label=${SSHD_LABEL}`)).split('\n').filter(Boolean);
  if (ids.length) await dockerAsync('rm', '-f', ...ids).catch(() => undefined);
  const nets = (await dockerAsync('network', 'ls', '-q', '--filter', `label=${SSHD_LABEL}`)).split('\n').filter(Boolean);
  if (nets.length) await dockerAsync('network', 'rm', ...nets).catch(() => undefined);
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A listener on 127.0.0.1 that accepts and never answers: an SSH server that hangs (timeout tests). */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}
