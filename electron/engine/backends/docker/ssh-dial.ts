// A Docker engine reached over SSH (`ssh://user@host[:port]`), as the docker CLI does it: every HTTP
// connection to the engine is an exec of `docker system dial-stdio` on the remote host, whose stdin and
// stdout are the engine's socket. The SSH connection is Prodlike's own pool (host keys verified against
// known_hosts and the keys the user trusted, like every SSH machine), not docker-modem's ssh:// agent,
// which opens one unverified connection per request.

import http from 'node:http';
import type { Duplex } from 'node:stream';
import { DockerError, SshError } from '../../errors.js';
import type { SshConnection, SshConnectionPool, SshTarget } from '../ssh/connection.js';

export interface SshEngineTarget {
  user: string;
  host: string;
  port: number;
}

export interface SshDialOptions {
  /** The app's data folder: trusted host keys. */
  dataDir: string;
  /** Key file offered when the address names none (the app's SSH identity); ssh-agent is offered too. */
  identity?: string;
  knownHostsFiles?: string[];
  agentSocket?: string;
  connectTimeoutMs?: number;
}

/** `ssh://user@host:port` → its parts; the user defaults to the local one, the port to 22. */
export function parseSshEngine(address: string, localUser: string): SshEngineTarget {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new DockerError(`the Docker engine address ${address} is not a valid ssh:// URL`, { where: address, hint: 'write it as ssh://user@host or ssh://user@host:port' });
  }
  if (url.protocol !== 'ssh:' || !url.hostname) throw new DockerError(`the Docker engine address ${address} is not an ssh://user@host address`, { where: address, hint: 'write it as ssh://user@host or ssh://user@host:port' });
  if (url.pathname && url.pathname !== '/') {
    throw new DockerError(`the Docker engine address ${address} has a path (${url.pathname}); ssh:// engines take none`, { where: address, hint: 'remove the path: the remote docker CLI finds its own socket' });
  }
  return { user: decodeURIComponent(url.username) || localUser, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 22) };
}

export function sshTarget(t: SshEngineTarget, o: SshDialOptions): SshTarget {
  const target: SshTarget = { host: t.host, port: t.port, user: t.user, agent: true, connectTimeoutMs: o.connectTimeoutMs ?? 15_000 };
  if (o.identity) target.identity = o.identity;
  return target;
}

/** The shape http.Agent expects of a socket, for an SSH channel (which is a plain Duplex). */
function socketLike(ch: Duplex): Duplex {
  const s = ch as Duplex & Record<string, unknown>;
  for (const m of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref']) {
    if (typeof s[m] !== 'function') s[m] = () => s;
  }
  return s;
}

export class SshEngineDial {
  private pool?: Promise<SshConnectionPool>;

  constructor(
    readonly engine: SshEngineTarget,
    private readonly opts: SshDialOptions,
  ) {}

  private target(): SshTarget {
    return sshTarget(this.engine, this.opts);
  }

  /** The pooled connection to the engine's host (opened on first use, host key verified). */
  async connection(): Promise<SshConnection> {
    this.pool ??= (async () => {
      const [{ SshConnectionPool }, { HostKeyStore }] = await Promise.all([import('../ssh/connection.js'), import('../ssh/host-keys.js')]);
      const hostKeys: ConstructorParameters<typeof SshConnectionPool>[0]['hostKeys'] = { store: HostKeyStore.inDataDir(this.opts.dataDir) };
      if (this.opts.knownHostsFiles) hostKeys.knownHostsFiles = this.opts.knownHostsFiles;
      const poolOpts: ConstructorParameters<typeof SshConnectionPool>[0] = { hostKeys };
      if (this.opts.agentSocket !== undefined) poolOpts.agentSocket = this.opts.agentSocket;
      return new SshConnectionPool(poolOpts);
    })();
    return (await this.pool).get(this.target());
  }

  /** One `docker system dial-stdio` channel: a byte stream to the remote engine's socket. */
  async dial(): Promise<Duplex> {
    const conn = await this.connection();
    const where = `${this.engine.user}@${this.engine.host}:${this.engine.port}`;
    return new Promise((resolve, reject) => {
      conn.client.exec('docker system dial-stdio', (err, ch) => {
        if (err) {
          reject(new SshError(`cannot run \`docker system dial-stdio\` on ${where}: ${err.message}`, { where, hint: 'the SSH server must allow commands (exec channels)' }));
          return;
        }
        let stderr = '';
        ch.stderr.on('data', (d: Buffer) => {
          if (stderr.length < 2000) stderr += d.toString();
        });
        ch.on('exit', (code: number | null) => {
          if (code && code !== 0) {
            const msg = stderr.trim().split('\n').pop() ?? '';
            ch.emit(
              'error',
              new DockerError(`the Docker CLI on ${where} could not reach its engine (exit ${code}${msg ? `: ${msg}` : ''})`, {
                where,
                hint: code === 127 ? 'install the Docker CLI on that host (the engine is reached through `docker system dial-stdio`)' : 'check `docker version` as that user on that host',
              }),
            );
            ch.destroy();
          }
        });
        resolve(socketLike(ch));
      });
    });
  }

  /** An http.Agent whose connections are dial-stdio channels (kept alive: one exec serves many requests). */
  agent(): http.Agent {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    (agent as unknown as { createConnection: (o: unknown, cb: (err: Error | null, s?: Duplex) => void) => undefined }).createConnection = (_o, cb) => {
      this.dial().then(
        (s) => cb(null, s),
        (err: Error) => cb(err),
      );
      return undefined;
    };
    return agent;
  }

  async close(): Promise<void> {
    const pool = await this.pool?.catch(() => undefined);
    this.pool = undefined;
    await pool?.close();
  }
}
