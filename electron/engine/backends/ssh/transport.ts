// SshTransport: runs `sh -c <script>` on a host over the pooled SSH connection, as root (directly, or
// through `sudo -n` with `become` for a non-root user). stdout and stderr stay separate; stdin carries
// file content, so nothing large is ever put on a command line.

import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { SshMachineSpec } from '../../../../shared/profile.js';
import { SshError } from '../../errors.js';
import type { ExecOptions, ExecResult, Transport } from '../../transport.js';
import type { ConnectGuard } from './address.js';
import { SshConnectionPool, type SshConnection, type SshTarget } from './connection.js';

/** Single-quotes a string for POSIX sh. */
import { shq } from '../../sh-command.js';

export function sshTarget(spec: SshMachineSpec): SshTarget {
  const target: SshTarget = {
    host: spec.host,
    port: spec.port,
    user: spec.user,
    agent: spec.agent,
    connectTimeoutMs: spec.connectTimeoutMs,
  };
  if (spec.identity) target.identity = spec.identity;
  if (spec.jump) {
    target.jump = {
      host: spec.jump.host,
      port: spec.jump.port,
      user: spec.jump.user,
      agent: spec.agent || !spec.jump.identity,
      connectTimeoutMs: spec.connectTimeoutMs,
    };
    if (spec.jump.identity) target.jump.identity = spec.jump.identity;
  }
  return target;
}

// What `sudo -n` prints when it would have to ask (first line of its stderr, exit code 1).
const SUDO_NEEDS_PASSWORD = /^sudo: (a password is required|a terminal is required)/m;
const SUDO_NOT_ALLOWED = /^(sudo: )?\S+ is not in the sudoers file|^Sorry, user \S+ may not run sudo/m;
const SUDO_MISSING = /sudo: (command )?not found/;

export class SshTransport implements Transport {
  readonly target: string;
  private readonly where: string;
  private readonly sshTarget: SshTarget;
  private readonly useSudo: boolean;

  constructor(
    private readonly spec: SshMachineSpec,
    private readonly pool: SshConnectionPool,
    /** A writing run's production guard: judges every connection this transport uses. */
    private readonly guard?: ConnectGuard,
  ) {
    this.where = `${spec.host}:${spec.port}`;
    this.target = `ssh ${spec.user}@${this.where}`;
    this.sshTarget = sshTarget(spec);
    this.useSudo = spec.become && spec.user !== 'root';
  }

  /** Opens (or reuses) the connection and, with `become`, checks that sudo works without a password. */
  async connect(): Promise<void> {
    await this.pool.get(this.sshTarget, this.guard);
    if (this.useSudo) await this.exec('true');
  }

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const command = this.useSudo ? `sudo -n -- sh -c ${shq(script)}` : `sh -c ${shq(script)}`;
    const timeoutMs = opts.timeoutMs ?? this.spec.commandTimeoutMs;
    let conn = await this.pool.get(this.sshTarget, this.guard);
    let result: ExecResult;
    try {
      result = await runChannel(conn, command, opts, timeoutMs, this.where);
    } catch (err) {
      // A warm connection (the agent's, kept between runs) that died while idle in a way its socket has
      // not told yet: the command never started on it, so it goes once more on a new connection.
      if (!(err instanceof NotStarted) || !(conn.closed || DEAD.test(err.message))) throw err;
      this.pool.discard(conn);
      conn = await this.pool.get(this.sshTarget, this.guard);
      result = await runChannel(conn, command, opts, timeoutMs, this.where);
    }
    if (this.useSudo && result.code !== 0) this.checkSudo(result);
    return result;
  }

  private checkSudo(r: ExecResult): void {
    const { user } = this.spec;
    if (r.code === 1 && SUDO_NEEDS_PASSWORD.test(r.stderr)) {
      throw new SshError(`sudo on ${this.spec.host} needs a password; allow NOPASSWD for ${user} or connect as root`, {
        where: this.where,
        hint: `add "${user} ALL=(ALL) NOPASSWD:ALL" to /etc/sudoers.d/${user} on the host, or set user: root`,
      });
    }
    if (r.code === 1 && SUDO_NOT_ALLOWED.test(r.stderr)) {
      throw new SshError(`${user} may not use sudo on ${this.spec.host}`, { where: this.where, hint: `allow sudo for ${user}, or connect as root` });
    }
    if (r.code === 127 && SUDO_MISSING.test(r.stderr)) {
      throw new SshError(`sudo is not installed on ${this.spec.host}, so become: true cannot work`, {
        where: this.where,
        hint: 'install sudo on the host, or connect as root',
      });
    }
  }

  async close(): Promise<void> {
    await this.pool.release(this.sshTarget);
  }
}

/** The channel for a command could not be opened: nothing ran. */
class NotStarted extends SshError {}
/** What ssh2 says of a connection that is gone (a closed socket, or one that closed while the channel opened). */
const DEAD = /Not connected|No response from server/;

function runChannel(conn: SshConnection, command: string, opts: ExecOptions, timeoutMs: number, where: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(aborted(where));
    const started = (err: Error | undefined, channel: ClientChannel) => {
      if (err) return reject(new NotStarted(`cannot start a command on ${where}: ${err.message}`, { where, cause: err }));
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      const outText = new StringDecoder('utf8');
      const errText = new StringDecoder('utf8');
      let code: number | null = null;
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const kill = () => {
        // OpenSSH honours the signal request (7.9+); closing the channel also hangs up on the command.
        try {
          channel.signal('KILL');
        } catch {
          /* the channel may be gone already */
        }
        channel.close();
      };
      const timer = setTimeout(() => {
        kill();
        const secs = Math.round(timeoutMs / 100) / 10;
        settle(() =>
          reject(
            new SshError(`a command on ${where} did not finish within ${secs} s and was stopped`, {
              where,
              hint: 'raise command_timeout for this machine if the command is legitimately slow',
              details: { timeoutSeconds: secs, stderr: Buffer.concat(errOut).toString('utf8').slice(-2000) },
            }),
          ),
        );
      }, timeoutMs);
      const onAbort = () => {
        kill();
        settle(() => reject(aborted(where)));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      channel.on('data', (d: Buffer) => {
        out.push(d);
        if (opts.onStdout) opts.onStdout(outText.write(d));
      });
      channel.stderr.on('data', (d: Buffer) => {
        errOut.push(d);
        if (opts.onStderr) opts.onStderr(errText.write(d));
      });
      channel.on('exit', (c: number | null, signalName?: string) => {
        code = c ?? (signalName ? 128 + signalNumber(signalName) : 255);
      });
      channel.on('error', (e: Error) => settle(() => reject(new SshError(`the SSH channel to ${where} failed: ${e.message}`, { where, cause: e }))));
      channel.on('close', () => {
        settle(() => {
          if (code === null) {
            reject(new SshError(`the connection to ${where} was lost while a command ran`, { where, hint: 'run again; if it repeats, check the host and the network' }));
            return;
          }
          resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') });
        });
      });
      if (opts.stdin !== undefined) channel.end(opts.stdin);
      else channel.end();
    };
    try {
      conn.client.exec(command, started);
    } catch (err) {
      // ssh2 throws "Not connected" when the socket is no longer writable.
      started(err as Error, undefined as unknown as ClientChannel);
    }
  });
}

function aborted(where: string): Error {
  const e = new Error(`cancelled: a command on ${where} was stopped`);
  e.name = 'AbortError';
  return e;
}

function signalNumber(name: string): number {
  return ({ HUP: 1, INT: 2, QUIT: 3, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15 } as Record<string, number>)[name] ?? 0;
}
