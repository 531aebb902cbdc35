// Runs commands in a container through the engine's exec API: `sh -c script` as root, stdout and
// stderr demultiplexed, the exit code from exec inspect. No per-call setup beyond the exec itself.

import { randomBytes } from 'node:crypto';
import type { Duplex, Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import { DockerError, ProdlikeError } from '../../errors.js';
import { engineMessage, engineUnreachableError, getDocker, isEngineUnreachable, statusCode } from './client.js';
import type { EngineSource } from './engine-context.js';
import { killMarkedScript, runToEnd } from './marked.js';
import type { ExecOptions, ExecResult, Transport } from '../../transport.js';

/** Environment variable that marks every process of one exec, so a timed-out one can be found and killed. */
const MARK = 'PRODLIKE_EXEC_ID';

export interface DockerExecTransportOptions {
  /** The machine name, for messages ("web"). Defaults to the container reference. */
  machine?: string;
  /** The engine to talk to; defaults to the process-wide client. */
  docker?: Docker;
  /** Engine address for messages when `docker` is given. */
  address?: string;
  /** What chose that engine, for the hint when it does not answer (engineUnreachableError). */
  source?: EngineSource;
  /** The container's name, for `target` when `container` is an ID. */
  name?: string;
  /** Default per-exec timeout when the call does not give one (none by default). */
  timeoutMs?: number;
  /**
   * Shell text run before the first command (in the same exec): waits until what the container does as
   * it starts is done (a container from cache starts its services), so the first probe sees the result.
   */
  waitFirst?: string;
}

export class DockerExecTransport implements Transport {
  readonly target: string;
  private readonly docker: Docker;
  private readonly address: string;
  private readonly source: EngineSource | undefined;
  private readonly machine: string;
  private container: Docker.Container;
  private waitFirst: string | undefined;

  /** `container` is a container ID or name. */
  constructor(container: string, private readonly opts: DockerExecTransportOptions = {}) {
    if (opts.docker) {
      this.docker = opts.docker;
      this.address = opts.address ?? 'the Docker engine';
      this.source = opts.source;
    } else {
      const shared = getDocker();
      this.docker = shared.docker;
      this.address = shared.address;
      this.source = shared.engine.source;
    }
    this.container = this.docker.getContainer(container);
    this.machine = opts.machine ?? container;
    this.target = `docker ${opts.name ?? container}`;
    this.waitFirst = opts.waitFirst;
  }

  /** The machine's container was replaced (by one made from its saved state): later commands run there. */
  retarget(containerId: string, waitFirst?: string): void {
    this.container = this.docker.getContainer(containerId);
    this.waitFirst = waitFirst;
  }

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs;
    const mark = randomBytes(8).toString('hex');
    const withStdin = opts.stdin !== undefined;
    if (opts.signal?.aborted) throw this.abortedError();
    const gate = this.waitFirst;
    this.waitFirst = undefined;

    let exec: Docker.Exec;
    try {
      exec = await this.container.exec({
        Cmd: ['sh', '-c', gate ? `${gate}\n${script}` : script],
        User: 'root',
        Env: [`${MARK}=${mark}`],
        AttachStdin: withStdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
    } catch (err) {
      throw this.cannotRun(err);
    }

    let stream: Duplex | Readable;
    try {
      // Hijacking gives a raw socket we can half-close, which is how stdin's EOF reaches the process.
      stream = (await exec.start({ hijack: withStdin, stdin: withStdin, Detach: false, Tty: false })) as Duplex | Readable;
    } catch (err) {
      throw this.cannotRun(err);
    }

    const stdout = new Collector(opts.onStdout);
    const stderr = new Collector(opts.onStderr);
    this.docker.modem.demuxStream(stream, stdout, stderr);

    const finished = new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      stream.once('end', () => done());
      stream.once('close', () => done());
      stream.once('error', (err: Error) => done(err));
    });

    if (withStdin) {
      const input = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : (opts.stdin as Buffer);
      (stream as Duplex).end(input);
    }

    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const interrupted = new Promise<never>((_, reject) => {
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => reject(this.timeoutError(timeoutMs)), timeoutMs);
      }
      if (opts.signal) {
        onAbort = () => reject(this.abortedError());
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
    });

    try {
      await Promise.race([finished, interrupted]);
    } catch (err) {
      stream.destroy();
      // The exec API cannot kill; find the processes by their mark and kill them from a second exec.
      if (err instanceof ProdlikeError && (err.name === 'TimeoutError' || err.name === 'AbortError')) void this.killMarked(mark);
      throw err instanceof ProdlikeError ? err : this.cannotRun(err);
    } finally {
      if (timer) clearTimeout(timer);
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    }

    const code = await this.exitCode(exec);
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  async close(): Promise<void> {
    // Nothing per transport: the client and its agent are shared by the process.
  }

  /** The stream can end a moment before the engine records the exit code; ask again briefly. */
  private async exitCode(exec: Docker.Exec): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      let info: Docker.ExecInspectInfo;
      try {
        info = await exec.inspect();
      } catch (err) {
        throw this.cannotRun(err);
      }
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      if (attempt >= 200) {
        throw new DockerError(`command on ${this.machine}: the engine did not report an exit code`, { where: this.machine });
      }
      await new Promise((r) => setTimeout(r, attempt < 10 ? 2 : 20));
    }
  }

  private async killMarked(mark: string): Promise<void> {
    try {
      await runToEnd(this.container, ['sh', '-c', killMarkedScript(MARK, mark)], 'root');
    } catch {
      // Best effort: the container may be gone, which ends the command too.
    }
  }

  private timeoutError(ms: number): ProdlikeError {
    const secs = Math.round(ms / 100) / 10;
    return new ProdlikeError(`command on ${this.machine} timed out after ${secs} s`, {
      name: 'TimeoutError',
      where: this.machine,
      hint: 'the command was stopped; make it faster or raise its timeout',
    });
  }

  private abortedError(): ProdlikeError {
    return new ProdlikeError(`command on ${this.machine} was cancelled`, { name: 'AbortError', where: this.machine });
  }

  private cannotRun(err: unknown): Error {
    if (err instanceof ProdlikeError) return err;
    if (isEngineUnreachable(err)) return engineUnreachableError(this.address, err, this.source);
    const code = statusCode(err);
    if (code === 404 || code === 409) {
      return new DockerError(`cannot run a command on ${this.machine}: container ${this.target.slice(7)} is not running (${engineMessage(err)})`, {
        where: this.machine,
        hint: 'bring it up: `prodlike up`',
        cause: err,
      });
    }
    return new DockerError(`cannot run a command on ${this.machine}: ${engineMessage(err)}`, { where: this.machine, cause: err });
  }
}

/** Collects one demultiplexed stream; hands decoded text to a callback as it arrives. */
class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onChunk?: (chunk: string) => void) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    if (this.onChunk) {
      const text = this.decoder.write(chunk);
      if (text) this.onChunk(text);
    }
    cb();
  }

  text(): string {
    if (this.onChunk) {
      const rest = this.decoder.end();
      if (rest) this.onChunk(rest);
    }
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
