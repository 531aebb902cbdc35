// The agent: a long-lived engine behind a unix socket. Each run gets an Engine of its own (its folder,
// environment and flags are the CLI's) over one shared set of machine backends, so the Docker client,
// the SSH connections and the loaded code stay warm between commands. Runs take the same per-profile
// locks as in-process runs; those hold the agent's pid, so a killed agent leaves only stale locks that
// the next run takes over. It exits after `idleExitMs` without runs, watchers or schedules.

import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { DriftNotice } from '../../../shared/agent.js';
import type { RunEvent } from '../../../shared/events.js';
import { Engine } from '../engine.js';
import { toErrorInfo } from '../errors.js';
import type { ProviderSet } from '../runner/backends.js';
import { DriftScheduler, formatEvery } from './drift-scheduler.js';
import { cliFrame, envKey, lineReader, type AgentMessage, type AgentRequest, type AgentStatus, type CliConnection, type CliRequest, type RunOptions } from './protocol.js';
import type { AgentPaths } from './paths.js';
import type { AppName } from './protocol.js';

export interface AgentServerOptions {
  paths: AgentPaths;
  build: string;
  version: string;
  idleExitMs: number;
  log?: (text: string) => void;
  /** Called once the agent has stopped (the process exits there). */
  onStopped?: () => void;
  /**
   * Serves whole commands from the native client (electron/cli/served-cli.ts: the CLI's parsing and
   * rendering, which the engine does not import). Without it, such clients run their commands in Node.
   */
  cli?: (msg: CliRequest, conn: CliConnection) => Promise<void>;
  /**
   * The app serving as the agent (app-agent.ts): runs go into its engine (Engine.forCaller), so they show
   * in the app live and share its lock table; `prodlike agent stop` is refused (the app serves while open).
   */
  app?: {
    engine: Engine;
    name: AppName;
    /** The app's own drift scheduler (api/local-drift-scheduler.ts): the one scheduler of the folder while the app is open. */
    scheduler?: DriftScheduler;
  };
}

export class AgentServer {
  private readonly server = net.createServer((sock) => this.accept(sock));
  private readonly sharedProviders = new Map<string, ProviderSet>();
  private readonly running = new Map<string, { kind: string; file: string; done: Promise<unknown> }>();
  private readonly watchers = new Set<net.Socket>();
  /** Each schedule's folder and environment, from the CLI that set it (kept in memory, never on disk). */
  private readonly scheduleOpts = new Map<string, RunOptions>();
  readonly scheduler: DriftScheduler;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private runsServed = 0;
  private readonly startedAt = new Date().toISOString();
  private readonly myEnvKey = envKey(process.env);

  constructor(private readonly opts: AgentServerOptions) {
    this.scheduler = opts.app?.scheduler ?? new DriftScheduler({
      file: path.join(opts.paths.dataDir, 'drift-schedules.json'),
      check: (spec) => {
        const o = this.scheduleOpts.get(spec.file) ?? { cwd: path.dirname(spec.file), env: process.env, lockWaitMs: 0, debug: false, allowProductionHosts: false };
        return this.startRun({ kind: 'drift', file: spec.file, ...(spec.against ? { baseline: spec.against } : {}) }, o, () => undefined).done;
      },
      notify: (n) => this.notify(n),
      warn: (t) => this.log(`warning: ${t}`),
    });
  }

  private log(text: string): void {
    this.opts.log?.(`${new Date().toISOString()} ${text}`);
  }

  async listen(): Promise<void> {
    const { socket } = this.opts.paths;
    await fs.rm(socket, { force: true });
    // The folder is 0700 already; the socket is made 0600 from its first moment as well.
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(socket, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(umask);
    }
    await fs.chmod(socket, 0o600);
    // The app loads (and closes) its own scheduler.
    if (!this.opts.app?.scheduler) await this.scheduler.load();
    this.log(`agent ${process.pid} listening on ${socket} (build ${this.opts.build}, ${Number.isFinite(this.opts.idleExitMs) ? `exits after ${formatEvery(this.opts.idleExitMs)} idle` : 'no idle exit'})${this.scheduler.size ? `, ${this.scheduler.size} drift schedule(s)` : ''}`);
    this.touch();
  }

  status(): AgentStatus {
    return {
      pid: process.pid,
      build: this.opts.build,
      version: this.opts.version,
      startedAt: this.startedAt,
      socket: this.opts.paths.socket,
      dataDir: this.opts.paths.dataDir,
      idleExitMs: this.opts.idleExitMs,
      runsServed: this.runsServed,
      running: [...this.running].map(([runId, r]) => ({ runId, kind: r.kind, file: r.file })),
      schedules: this.scheduler.list(),
      ...(this.opts.app ? { app: this.opts.app.name } : {}),
    };
  }

  /** No new work; runs under way finish (their CLIs get their results), then the agent exits. */
  stop(why: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log(`stopping (${why})${this.running.size ? `, after ${this.running.size} run(s) under way` : ''}`);
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.server.close();
      await Promise.all([...this.running.values()].map((r) => r.done));
      if (!this.opts.app?.scheduler) await this.scheduler.close();
      await Promise.all([...this.sharedProviders.values()].map((p) => p.close().catch(() => undefined)));
      for (const w of this.watchers) w.end();
      await fs.rm(this.opts.paths.socket, { force: true });
      this.log('stopped');
      this.opts.onStopped?.();
    })();
    return this.stopping;
  }

  /** Re-arms the idle exit when nothing keeps the agent busy. */
  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // Infinity: no idle exit (the app serving as the agent while it is open).
    if (this.stopping || this.running.size || this.watchers.size || this.scheduler.size || !Number.isFinite(this.opts.idleExitMs)) return;
    this.idleTimer = setTimeout(() => void this.stop(`idle for ${formatEvery(this.opts.idleExitMs)}`), this.opts.idleExitMs);
  }

  private accept(sock: net.Socket): void {
    let handled = false;
    const send = (m: AgentMessage) => writeSoon(sock, JSON.stringify(m) + '\n');
    sock.on('error', () => undefined);
    sock.on(
      'data',
      lineReader((value) => {
        const msg = value as AgentRequest;
        if (handled) {
          this.emitter.get(sock)?.(msg);
          return;
        }
        handled = true;
        this.handle(sock, msg, send).catch((err: unknown) => {
          send({ t: 'error', error: toErrorInfo(err) });
          sock.end();
        });
      }),
    );
  }

  /** Follow-up messages on a connection (a run's cancel). */
  private readonly emitter = new WeakMap<net.Socket, (msg: AgentRequest) => void>();

  private async handle(sock: net.Socket, msg: AgentRequest, send: (m: AgentMessage) => void): Promise<void> {
    switch (msg.op) {
      case 'status':
        send({ t: 'status', status: this.status() });
        sock.end();
        return;
      case 'stop':
        if (this.opts.app) {
          send({ t: 'error', error: { name: 'AgentError', message: `the agent is ${this.opts.app.name} (pid ${process.pid}), which serves while it is open`, hint: 'quit the app to stop it; --no-agent runs one command in-process' } });
          sock.end();
          return;
        }
        send({ t: 'stopping', running: this.running.size });
        void this.stop('asked to');
        // The connection ends when the agent is gone, so `agent stop` can wait for that.
        await this.stopping;
        sock.end();
        return;
      case 'watch':
        this.watchers.add(sock);
        this.touch();
        sock.on('close', () => {
          this.watchers.delete(sock);
          this.touch();
        });
        return;
      case 'run': {
        const why = this.mismatch(msg);
        if (why) {
          // build: a new agent would replace this one (the CLI starts it); never the app, which serves while open.
          send({ t: 'mismatch', why, build: msg.build !== this.opts.build && !this.opts.app });
          sock.end();
          return;
        }
        let finished = false;
        send({ t: 'accepted', pid: process.pid });
        const started = this.startRun(msg.req, msg.opts, (event) => send({ t: 'event', event }));
        this.emitter.set(sock, (m) => {
          if (m.op === 'cancel') started.cancel();
        });
        // The CLI went away (killed, terminal closed): as if it had run the command itself and died.
        sock.on('close', () => {
          if (!finished) started.cancel();
        });
        const result = await started.done;
        finished = true;
        send({ t: 'result', result });
        sock.end();
        return;
      }
      case 'schedule': {
        const why = this.mismatch(msg);
        if (why) {
          send({ t: 'mismatch', why });
          sock.end();
          return;
        }
        const engine = this.engineFor(msg.opts);
        const profile = await engine.loadProfile(msg.file);
        this.scheduleOpts.set(profile.file, msg.opts);
        const schedule = await this.scheduler.set({ file: profile.file, profile: profile.name, everyMs: msg.everyMs, ...(msg.against ? { against: msg.against } : {}) });
        this.log(`scheduled drift of ${profile.name} every ${formatEvery(msg.everyMs)}${msg.against ? ` against ${msg.against}` : ''}`);
        this.touch();
        send({ t: 'scheduled', schedule });
        sock.end();
        return;
      }
      case 'unschedule': {
        // As the schedule was set: a path or a name, from the CLI's folder (a file since deleted by its path).
        const file = await this.engineFor({ cwd: msg.cwd, env: process.env, lockWaitMs: 0, debug: false, allowProductionHosts: false })
          .loadProfile(msg.file)
          .then((p) => p.file)
          .catch(() => path.resolve(msg.cwd, msg.file));
        const removed = await this.scheduler.remove(file);
        // A name (shop/dev) rather than a path: match the schedules by profile name.
        if (!removed.length) for (const s of this.scheduler.list().filter((x) => x.profile === msg.file)) removed.push(...(await this.scheduler.remove(s.file)));
        for (const r of removed) this.scheduleOpts.delete(r.file);
        this.touch();
        send({ t: 'unscheduled', removed });
        sock.end();
        return;
      }
      case 'cancel':
      case 'resize':
        sock.end();
        return;
      case 'cli':
        return this.serveCli(sock, msg);
    }
  }

  /** A native client's command: the CLI layer's handler runs it; frames go back, not lines. */
  private async serveCli(sock: net.Socket, msg: CliRequest): Promise<void> {
    const frame = (type: Parameters<CliConnection['frame']>[0], payload: string) => writeSoon(sock, cliFrame(type, payload));
    if (!this.opts.cli || this.stopping) {
      frame('f', this.stopping ? 'the agent is stopping' : 'this agent does not serve commands');
      sock.end();
      return;
    }
    let cancel: (() => void) | undefined;
    let resize: ((columns: number, rows: number) => void) | undefined;
    // The latest size, for a handler that comes after it (the terminal resized while the command was read).
    let size: [number, number] | undefined;
    let finished = false;
    this.emitter.set(sock, (m) => {
      if (m.op === 'cancel') cancel?.();
      else if (m.op === 'resize' && Number.isInteger(m.columns) && Number.isInteger(m.rows)) {
        size = [m.columns, m.rows];
        resize?.(...size);
      }
    });
    // The client went away (killed, terminal closed): as if it had run the command itself and died.
    sock.on('close', () => {
      if (!finished) cancel?.();
    });
    try {
      await this.opts.cli(msg, {
        mismatch: (id) => this.mismatch(id),
        start: (req, opts, emit) => {
          const started = this.startRun(req, opts, emit);
          cancel = started.cancel;
          return { ...started, pid: process.pid };
        },
        frame,
        onResize: (f) => {
          resize = f;
          if (size) f(...size);
        },
      });
    } catch (err) {
      // Lines would be garbage to the client: the error is its stderr, the exit code 1.
      frame('e', `prodlike: ${(err as Error)?.message ?? String(err)}\n`);
      frame('x', '1');
    } finally {
      finished = true;
      sock.end();
    }
  }

  private mismatch(msg: { build: string; envKey: string }): string | undefined {
    if (this.stopping) return 'the agent is stopping';
    if (msg.build !== this.opts.build) return `the agent runs another build of Prodlike (${this.opts.build}, this CLI is ${msg.build})`;
    if (msg.envKey !== this.myEnvKey) return 'the agent was started with another Docker engine, ssh-agent or PATH';
    return undefined;
  }

  private engineFor(o: RunOptions): Engine {
    if (this.opts.app) return this.opts.app.engine.forCaller({ env: o.env, cwd: o.cwd, lockWaitMs: o.lockWaitMs, debug: o.debug, allowProductionHosts: o.allowProductionHosts, sharedProviders: this.sharedProviders });
    return new Engine({
      dataDir: this.opts.paths.dataDir,
      env: o.env,
      cwd: o.cwd,
      lockWaitMs: o.lockWaitMs,
      debug: o.debug,
      allowProductionHosts: o.allowProductionHosts,
      sharedProviders: this.sharedProviders,
    });
  }

  private startRun(req: Parameters<Engine['start']>[0], o: RunOptions, emit: (e: RunEvent) => void) {
    const engine = this.engineFor(o);
    // Relative paths in messages ("prodlike allow profiles/x.yaml") read as the CLI's folder would.
    try {
      process.chdir(o.cwd);
    } catch {
      // the folder is gone: messages show absolute paths
    }
    const started = engine.start(req, (e) => {
      emit(e);
      for (const w of this.watchers) w.write(JSON.stringify({ t: 'event', event: e } satisfies AgentMessage) + '\n');
    });
    const done = started.done.finally(() => {
      this.running.delete(started.runId);
      void engine.close();
      this.touch();
    });
    this.running.set(started.runId, { kind: req.kind, file: req.file, done });
    this.runsServed++;
    this.touch();
    return { runId: started.runId, done, cancel: () => engine.cancel(started.runId) };
  }

  private notify(n: DriftNotice): void {
    this.log(`drift: ${n.message}`);
    for (const w of this.watchers) w.write(JSON.stringify({ t: 'notice', notice: n } satisfies AgentMessage) + '\n');
  }
}

/**
 * Writes to a client, the writes of one tick together: the events a probe's result sets off (one per
 * resource) go out in one system call instead of one each. end() sends what is corked first.
 */
function writeSoon(sock: net.Socket, data: string | Buffer): void {
  if (sock.destroyed) return;
  sock.cork();
  sock.write(data);
  process.nextTick(() => sock.uncork());
}
