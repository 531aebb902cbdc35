// SSH connections: one per user@host:port for the whole run (a pool), host keys always verified,
// optional jump host (the bastion's connection is pooled too and shared by every target behind it).
// Every failure is an SshError that names host:port and says what to do; key material never appears.
// Names are resolved here, once, and ssh2 is given the address that was resolved: a connect guard (the
// production guard of a writing run) judges exactly the address the socket will go to.

import { lookup } from 'node:dns/promises';
import { NodeSSH, type Config } from 'node-ssh';
import type { Client } from 'ssh2';
import ssh2 from 'ssh2';
import { SshError } from '../../errors.js';
import { canonicalIp, type ConnectGuard, type ResolvedEndpoint } from './address.js';
import { connectError, hostKeyCheck, type HostKeyOptions } from './host-keys.js';
import { FileCache } from './file-cache.js';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /** Private key file (already ~-expanded). */
  identity?: string;
  /** Offer the ssh-agent at $SSH_AUTH_SOCK too. */
  agent: boolean;
  connectTimeoutMs: number;
}

export interface SshTarget extends SshEndpoint {
  jump?: SshEndpoint;
}

export interface SshConnection {
  readonly key: string;
  readonly client: Client;
  /** Where it goes: the host as written and the addresses it resolved to (a jump target: as seen here). */
  readonly endpoint: ResolvedEndpoint;
  readonly closed: boolean;
  close(): void;
}

export function poolKey(t: SshTarget): string {
  // The credentials are part of it: in the agent, a profile that names another key for the same
  // user@host gets a connection of its own, not one another profile's key opened.
  const base = `${t.user}@${t.host}:${t.port}${t.identity ? ` key ${t.identity}` : ''}${t.agent ? ' +agent' : ''}`;
  return t.jump ? `${base} via ${poolKey(t.jump)}` : base;
}

export interface SshPoolOptions {
  hostKeys: HostKeyOptions;
  /** Where to find ssh-agent; default $SSH_AUTH_SOCK. */
  agentSocket?: string;
  /** The key offered to machines whose profile names none (the app's "SSH identity" setting). */
  defaultIdentity?: string;
  /** Name resolution (every address, in the order to try); default node:dns lookup. Tests inject their own. */
  resolve?: (host: string) => Promise<string[]>;
}

export class SshConnectionPool {
  private readonly live = new Map<string, Promise<SshConnection>>();
  /** How many SSH connections this pool opened (jump hosts included): tests assert reuse with it. */
  connectsOpened = 0;

  constructor(private readonly opts: SshPoolOptions) {}

  /**
   * The open connection to `target`, opening it on first use (concurrent callers share one attempt).
   * `guard` judges the resolved address before a new connection is made, and the recorded one of a
   * connection that is reused (it may have been opened by a run that only reads).
   */
  get(target: SshTarget, guard?: ConnectGuard): Promise<SshConnection> {
    const key = poolKey(target);
    const existing = this.live.get(key);
    const conn = existing ? existing.then((c) => (c.closed ? this.reopen(key, target, guard) : c)) : this.reopen(key, target, guard);
    return guard
      ? conn.then((c) => {
          guard(c.endpoint);
          return c;
        })
      : conn;
  }

  private reopen(key: string, target: SshTarget, guard: ConnectGuard | undefined): Promise<SshConnection> {
    const attempt = this.open(key, target, guard);
    this.live.set(key, attempt);
    // A failed attempt is not cached: the next get() tries again.
    attempt.catch(() => {
      if (this.live.get(key) === attempt) this.live.delete(key);
    });
    return attempt;
  }

  private async open(key: string, target: SshTarget, guard: ConnectGuard | undefined): Promise<SshConnection> {
    let tunnel: { sock: NodeJS.ReadableStream; endpoint: ResolvedEndpoint } | undefined;
    if (target.jump) {
      const bastion = await this.get(target.jump);
      // The jump host resolves the target's name; what it resolves to here is the best we can check.
      const addresses = await resolveAll(target.host, target.connectTimeoutMs, this.opts.resolve).catch(() => []);
      const endpoint: ResolvedEndpoint = { host: target.host, port: target.port, addresses: addresses.map(canonical), via: bastion.endpoint };
      guard?.(endpoint);
      tunnel = { sock: await forward(bastion, target, target.jump), endpoint };
    }
    const conn = await connectOne(key, target, this.opts, tunnel, guard);
    this.connectsOpened++;
    return conn;
  }

  /** Closes this connection if it is still the pool's for its key (the next get() opens a new one). */
  discard(conn: SshConnection): void {
    void this.live.get(conn.key)?.then((c) => {
      if (c === conn && this.live.get(conn.key)) this.live.delete(conn.key);
    }, () => undefined);
    conn.close();
  }

  /** Closes one connection (the next get() reconnects). */
  async release(target: SshTarget): Promise<void> {
    const key = poolKey(target);
    const c = this.live.get(key);
    this.live.delete(key);
    if (c) (await c.catch(() => undefined))?.close();
  }

  async close(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    for (const c of all) (await c.catch(() => undefined))?.close();
  }
}

const canonical = (a: string) => canonicalIp(a) ?? a;

/** Every address `host` resolves to (getaddrinfo, as net.connect would), in the order it would try them. */
async function resolveAll(host: string, timeoutMs: number, resolve?: (host: string) => Promise<string[]>): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`resolving ${host} timed out`), { code: 'EAI_AGAIN' })), timeoutMs);
  });
  try {
    const name = host.replace(/^\[|\]$/g, '');
    const found = await Promise.race([resolve ? resolve(name) : lookup(name, { all: true, verbatim: true }).then((all) => all.map((a) => a.address)), timeout]);
    if (found.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
    return found;
  } finally {
    clearTimeout(timer);
  }
}

function forward(bastion: SshConnection, target: SshEndpoint, jump: SshEndpoint): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    bastion.client.forwardOut('127.0.0.1', 0, target.host, target.port, (err, channel) => {
      if (err)
        reject(
          new SshError(`jump host ${jump.host}:${jump.port} cannot reach ${target.host}:${target.port}: ${err.message}`, {
            where: `${target.host}:${target.port}`,
            hint: 'check the target address as seen from the jump host, and that the jump host allows TCP forwarding',
          }),
        );
      else resolve(channel);
    });
  });
}

interface Auth {
  privateKey?: string;
  agent?: string;
  /** "key ~/.ssh/id_ed25519 and ssh-agent at /tmp/agent.sock": what was offered, for the error. */
  tried: string;
}

// An identity is read and parsed once for all the connections that use it (while the file is unchanged).
const identityFiles = new FileCache((text) => ({ text, parsed: ssh2.utils.parseKey(text) }));

async function authFor(t: SshEndpoint, agentSocket: string | undefined): Promise<Auth> {
  const where = `${t.host}:${t.port}`;
  const auth: Auth = { tried: '' };
  const tried: string[] = [];
  if (t.identity) {
    let text: string;
    let parsed: ReturnType<typeof ssh2.utils.parseKey>;
    try {
      ({ text, parsed } = await identityFiles.get(t.identity));
    } catch (err) {
      throw new SshError(`cannot read the identity file ${t.identity} for ${where}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
        where,
        hint: 'check the identity path in the profile (or the default identity in the settings)',
      });
    }
    if (parsed instanceof Error) {
      const encrypted = /passphrase|encrypted/i.test(parsed.message);
      throw new SshError(
        encrypted
          ? `the identity file ${t.identity} is protected by a passphrase`
          : `the identity file ${t.identity} is not a private key Prodlike can read (${parsed.message})`,
        { where, hint: encrypted ? `add it to ssh-agent (ssh-add ${t.identity}) and set agent: true` : 'point identity at an OpenSSH or PEM private key' },
      );
    }
    auth.privateKey = text;
    tried.push(`key ${t.identity}`);
  }
  if (t.agent || !t.identity) {
    if (agentSocket) {
      auth.agent = agentSocket;
      tried.push(`ssh-agent at ${agentSocket}`);
    } else if (!t.identity) {
      throw new SshError(`no way to authenticate to ${where}: no identity file is set and no ssh-agent runs ($SSH_AUTH_SOCK is not set)`, {
        where,
        hint: 'set identity: for the machine in the profile, or start ssh-agent and ssh-add your key',
      });
    }
  }
  auth.tried = tried.join(' and ');
  return auth;
}

async function connectOne(
  key: string,
  t: SshEndpoint,
  opts: SshPoolOptions,
  tunnel: { sock: NodeJS.ReadableStream; endpoint: ResolvedEndpoint } | undefined,
  guard: ConnectGuard | undefined,
): Promise<SshConnection> {
  const where = `${t.host}:${t.port}`;
  let endpoint: ResolvedEndpoint;
  let address: string | undefined;
  if (tunnel) endpoint = tunnel.endpoint;
  else {
    let addresses: string[];
    try {
      addresses = await resolveAll(t.host, t.connectTimeoutMs, opts.resolve);
    } catch (err) {
      throw connectError(err as Error & { code?: string }, where, t.connectTimeoutMs);
    }
    address = addresses[0];
    endpoint = { host: t.host, port: t.port, addresses: addresses.map(canonical) };
    // The last moment: ssh2 connects to `address`, and nowhere else.
    guard?.(endpoint);
  }
  const withIdentity = !t.identity && opts.defaultIdentity ? { ...t, identity: opts.defaultIdentity } : t;
  const auth = await authFor(withIdentity, opts.agentSocket ?? process.env.SSH_AUTH_SOCK);
  const check = await hostKeyCheck(t.host, t.port, opts.hostKeys);
  const config: Config = {
    username: t.user,
    readyTimeout: t.connectTimeoutMs,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    hostVerifier: (k: Buffer) => check.verify(k),
    algorithms: { serverHostKey: check.algorithms as NonNullable<Config['algorithms']>['serverHostKey'] },
  };
  if (tunnel) config.sock = tunnel.sock as NonNullable<Config['sock']>;
  else {
    config.host = address!;
    config.port = t.port;
  }
  if (auth.privateKey) config.privateKey = auth.privateKey;
  if (auth.agent) config.agent = auth.agent;
  const ssh = new NodeSSH();
  try {
    await ssh.connect(config);
  } catch (err) {
    ssh.connection?.removeAllListeners();
    ssh.connection?.on('error', () => undefined);
    ssh.dispose();
    if (check.failure) throw check.failure;
    const e = err as Error & { code?: string; level?: string };
    if (e.level === 'client-authentication' || /authentication methods failed/i.test(e.message)) {
      throw new SshError(`authentication failed for user ${t.user} at ${where} (tried ${auth.tried})`, {
        where,
        hint: `check that the public key is in ~${t.user}/.ssh/authorized_keys on the host, and the user name`,
        details: { user: t.user, tried: auth.tried },
      });
    }
    throw connectError(e, where, t.connectTimeoutMs);
  }
  const client = ssh.connection!;
  // Each exec is a few small request/reply packets; with Nagle on, delayed ACKs add ~40 ms to each.
  client.setNoDelay(true);
  let closed = false;
  // After the handshake node-ssh stops listening for errors; an unhandled 'error' would crash the app.
  client.on('error', () => undefined);
  client.on('close', () => {
    closed = true;
  });
  return {
    key,
    client,
    endpoint,
    get closed() {
      return closed;
    },
    close() {
      closed = true;
      ssh.dispose();
    },
  };
}
