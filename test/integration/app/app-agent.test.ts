// The app's engine serves as the agent while it is open: the real browser-mode server (dist/web/server.mjs)
// and the real `prodlike` CLI over one data folder. A terminal's `up` runs in the app (the containers
// checked with the docker CLI), the app streams it live, lists it while it runs and keeps it in its
// history (its HTTP API, as the page reads it); the CLI's output and exit codes are those of --no-agent.
// The app replaces a CLI-started agent when it opens, refuses `agent stop`, and once stopped leaves no
// socket behind: the next CLI run works without it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiPush } from '../../../shared/api.js';
import type { RunEvent } from '../../../shared/events.js';
import type { DriftSchedule } from '../../../shared/agent.js';
import { containerNames, docker, exec, purge, ROOT, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';
import { waitFor as waitUntil } from '../../support/wait.js';
import { processAlive } from '../../../electron/engine/state/process.js';

const NAME = unique('pl-it-appagent');
let ws: Workspace;
let file: string;
let runtimeDir: string;
let server: ChildProcess | undefined;
let serverOut = '';
let api: { port: number; token: string };

// The workspace turns the agent off for every other test; these runs may use it (not CI's veto: the
// first test starts a standalone agent for the app to replace).
// The data folder is the default one (under XDG_DATA_HOME), not PRODLIKE_DATA_DIR: the app moves its old
// state only into the default folder.
const agentEnv = () => ({ PRODLIKE_NO_AGENT: '', CI: '', PRODLIKE_AGENT_IDLE: '120s', XDG_RUNTIME_DIR: runtimeDir, PRODLIKE_DATA_DIR: '', XDG_DATA_HOME: path.join(ws.dir, 'xdg-data') });
const dataDir = () => path.join(ws.dir, 'xdg-data', 'prodlike');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => ws.run(args, { env: { ...agentEnv(), ...env } });

const profile = (extra = '') => `name: ${NAME}
machines:
  one:
    docker: { image: debian:bookworm }
    resources:
      - file: /etc/app-agent
        content: "served by the app\\n"
${extra}`;

interface Status {
  running: boolean;
  socket?: string;
  agent?: { pid: number; socket: string; runsServed: number; app?: string; version: string };
}
const status = async (): Promise<Status> => JSON.parse((await run(['agent', 'status', '--json'])).stdout) as Status;

/** Timings and run ids differ between two runs of the same work; nothing else may. */
const normal = (r: CliRun) => `${r.code}\n${r.stdout}\n${r.stderr}`.replace(/\b\d+(\.\d+)? m?s\b/g, '<t>').replace(/\b[0-9a-f]{8}\b/g, '<id>');

const waitFor = <T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000) => waitUntil(what, f, ms, () => `the server said:
${serverOut}`);

const alive = processAlive;

/** One call to the app's API, as the page makes it (token header, JSON). */
function call<T>(channel: string, body: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body ?? null);
    const req = http.request({ host: '127.0.0.1', port: api.port, path: `/api/${channel}`, method: 'POST', headers: { 'x-prodlike-token': api.token, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        const env = JSON.parse(text) as { result?: T; error?: { message: string } };
        if (env.error) reject(new Error(`${channel}: ${env.error.message}`));
        else resolve(env.result as T);
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** The app's push stream (what the page's EventSource receives). */
function pushes(): { seen: ApiPush[]; close(): void; connected: Promise<void> } {
  const seen: ApiPush[] = [];
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  const req = http.get({ host: '127.0.0.1', port: api.port, path: '/api/events', headers: { 'x-prodlike-token': api.token } }, (res) => {
    let buf = '';
    res.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes(': connected')) connected();
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const msg = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (msg.startsWith('data: ')) seen.push(...(JSON.parse(msg.slice(6)) as ApiPush[]));
      }
    });
  });
  req.on('error', () => undefined);
  return { seen, connected: ready, close: () => req.destroy() };
}

function startServer(): ChildProcess {
  // Without --data-dir: the CLI's default folder, and the desktop app's old one moved into it.
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/web/server.mjs'), '--profiles', path.join(ws.dir, 'profiles')], {
    cwd: ws.dir,
    env: { ...ws.env, ...agentEnv(), XDG_CONFIG_HOME: path.join(ws.dir, 'config') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (serverOut += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (serverOut += d.toString()));
  return child;
}

const OLD_RUN = { runId: 'old00001', kind: 'up', profile: 'from-the-old-app', profileFile: '/old/app.yaml', ok: true, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 5, summary: { ok: 1, changed: 0, pending: 0, failed: 0 } };

beforeAll(async () => {
  // The CLI is built by the global setup; the server from the same sources here.
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--quiet', '--only=web'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('building the browser-mode server failed');
  ws = await workspace();
  runtimeDir = path.join(ws.dir, 'runtime');
  file = await ws.write('profiles/app-agent.yaml', profile());
  // The desktop app's state before it shared the CLI's folder (Electron's userData on Linux).
  mkdirSync(path.join(ws.dir, 'config', 'Prodlike'), { recursive: true });
  writeFileSync(path.join(ws.dir, 'config', 'Prodlike', 'history.jsonl'), JSON.stringify(OLD_RUN) + '\n');
});

afterAll(async () => {
  if (server?.exitCode === null) server.kill('SIGKILL');
  if (ws) await run(['agent', 'stop']);
  purge(NAME);
});

describe('the app serves as the agent while it is open', () => {
  it('replaces a CLI-started agent when it opens; `agent status` names the app, its pid and version', async () => {
    expect((await run(['agent', 'start'])).code).toBe(0);
    const before = (await status()).agent!;
    expect(before.app).toBeUndefined();

    server = startServer();
    const url = await waitFor('the server to print its URL', () => /http:\/\/127\.0\.0\.1:(\d+)\/#token=(\S+)/.exec(serverOut) ?? undefined);
    api = { port: Number(url[1]), token: url[2]! };
    const st = await waitFor('the app to serve', async () => {
      const s = await status();
      return s.agent?.app ? s.agent : undefined;
    });
    expect(st).toMatchObject({ pid: server.pid, app: 'the browser-mode app' });
    await waitFor('the CLI-started agent to exit', () => !alive(before.pid));
    const sock = statSync(st.socket);
    expect(sock.isSocket()).toBe(true);
    expect(sock.mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(st.socket)).mode & 0o777).toBe(0o700);
    expect(path.dirname(st.socket)).toBe(path.join(runtimeDir, 'prodlike'));

    const text = await run(['agent', 'status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`agent running: the browser-mode app (pid ${server.pid}, version ${st.version})`);
  });

  it("a terminal's up runs in the app: the container is made, and the app shows the run live, while it runs, and in its history", async () => {
    await ws.write('profiles/app-agent.yaml', profile('      - command: sleep 3 && touch /srv/slept\n        creates: /srv/slept'));
    const stream = pushes();
    await stream.connected;
    const served = (await status()).agent!.runsServed;
    const up = run(['up', file]);
    // While it runs, the app lists it (runs:active) and has its detail so far (runs:get), as a page
    // loaded now would show it.
    const active = await waitFor('the run among the app\'s active runs', async () => (await call<{ runId: string; profileFile: string }[]>('runs:active', null)).find((r) => r.profileFile === file));
    const detail = await call<{ running: boolean; record: { runId: string } }>('runs:get', { runId: active.runId });
    expect(detail).toMatchObject({ running: true, record: { runId: active.runId } });
    const done = await up;
    expect(done.code, done.stdout + done.stderr).toBe(0);

    // Checked without Prodlike: the container and its files.
    expect(containerNames(NAME, false)).toEqual([`${NAME}-one`]);
    expect(exec(`${NAME}-one`, 'cat /etc/app-agent; test -f /srv/slept && echo slept')).toBe('served by the app\nslept');
    expect((await status()).agent!.runsServed).toBe(served + 1);

    // Live: the run's events reached the app's push stream (run-start … run-end).
    const events = await waitFor('the run-end push', () => {
      const evs = stream.seen.filter((p): p is Extract<ApiPush, { type: 'run-event' }> => p.type === 'run-event').map((p) => p.event).filter((e: RunEvent) => e.runId === active.runId);
      return evs.some((e) => e.type === 'run-end') ? evs : undefined;
    });
    stream.close();
    expect(events[0]).toMatchObject({ type: 'run-start', profileFile: file });
    expect(events.find((e) => e.type === 'resource')).toBeDefined();
    expect(events.at(-1)).toMatchObject({ type: 'run-end', ok: true });
    expect(stream.seen.some((p) => p.type === 'status-changed' && p.file === file)).toBe(true);

    // History: the app's, which is the CLI's too, with the desktop app's old runs moved in.
    const history = await call<{ runId: string; ok: boolean }[]>('runs:history', { limit: 20 });
    expect(history[0]).toMatchObject({ runId: active.runId, ok: true });
    expect(history.map((r) => r.runId)).toContain('old00001');
    expect(existsSync(path.join(ws.dir, 'config', 'Prodlike', 'MOVED-TO-SHARED-DATA-FOLDER.txt'))).toBe(true);
    const cliHistory = await run(['history', '--json']);
    expect(cliHistory.stdout).toContain(active.runId);
    expect(cliHistory.stdout).toContain('old00001');
  });

  it('the output and exit codes are those of --no-agent: no change (0), drift found by plan (2), a broken profile (1)', async () => {
    const served = (await status()).agent!.runsServed;
    expect(normal(await run(['up', file]))).toBe(normal(await run(['up', file, '--no-agent'])));
    docker('exec', `${NAME}-one`, 'sh', '-c', 'echo changed > /etc/app-agent');
    const plan = await run(['plan', file]);
    expect(plan.code).toBe(2);
    expect(normal(plan)).toBe(normal(await run(['plan', file, '--no-agent'])));
    const bad = await ws.write('profiles/bad.yaml', `name: ${NAME}-bad\nmachines:\n  x:\n    docker: { image: debian:bookworm }\n    resources:\n      - nosuchkind: x\n`);
    const broken = await run(['up', bad]);
    expect(broken.code).toBe(1);
    expect(normal(broken)).toBe(normal(await run(['up', bad, '--no-agent'])));
    expect(broken.stderr).toContain('bad.yaml:6');
    expect((await status()).agent!.runsServed).toBe(served + 3);
  });

  it("the app's Cancel reaches a terminal's run in it: the CLI gets the result (exit 1) and the lock is released", async () => {
    await ws.write('profiles/app-agent.yaml', profile('      - command: sleep 30 && touch /srv/never\n        creates: /srv/never'));
    const up = run(['up', file]);
    const active = await waitFor('the run among the app\'s active runs', async () => (await call<{ runId: string; profileFile: string }[]>('runs:active', null)).find((r) => r.profileFile === file));
    await waitFor('the command to run', () => docker('exec', `${NAME}-one`, 'sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\0" " "').includes('sleep 30'));
    expect(await call<{ cancelled: boolean }>('runs:cancel', { runId: active.runId })).toEqual({ cancelled: true });
    const done = await up;
    expect(done.code, done.stdout + done.stderr).toBe(1);
    expect(done.stdout + done.stderr).toMatch(/cancel/i);
    expect(existsSync(path.join(dataDir(), 'locks', `${NAME}.lock`))).toBe(false);
    expect(await call<unknown[]>('runs:active', null)).toEqual([]);
    await ws.write('profiles/app-agent.yaml', profile());
  });

  it('`agent stop` is refused while the app is open, and the app keeps serving', async () => {
    const stop = await run(['agent', 'stop']);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain('the browser-mode app');
    expect(stop.stderr).toContain('quit the app');
    expect((await status()).agent).toMatchObject({ pid: server!.pid, app: 'the browser-mode app' });
  });

  it("`drift --every` in a terminal sets the schedule in the app's own scheduler (the one the Drift tab shows), and `--every off` removes it there", async () => {
    const set = await run(['drift', '--every', '1h', file]);
    expect(set.code, set.stderr).toBe(0);
    const listed = await call<DriftSchedule[]>('drift:schedules', null);
    expect(listed.map((x) => ({ file: x.file, everyMs: x.everyMs }))).toEqual([{ file, everyMs: 3_600_000 }]);
    const off = await run(['drift', '--every', 'off', file]);
    expect(off.code, off.stderr).toBe(0);
    expect(await call<DriftSchedule[]>('drift:schedules', null)).toEqual([]);
  });

  it('quitting mid-run cancels the terminal\'s run (its CLI gets the result, exit 1; no lock left), the socket is gone, `agent status` says none, and the next CLI run works (in-process, then with a background agent again)', async () => {
    await ws.write('profiles/app-agent.yaml', profile('      - command: sleep 30 && touch /srv/late\n        creates: /srv/late'));
    const socket = (await status()).agent!.socket;
    const up = run(['up', file]);
    const active = await waitFor('the run among the app\'s active runs', async () => (await call<{ runId: string; profileFile: string }[]>('runs:active', null)).find((r) => r.profileFile === file));
    const lock = path.join(dataDir(), 'locks', `${NAME}.lock`);
    // The profile's lock is the app's (one lock table for the app's runs and the terminal's).
    await waitFor('the run to hold its lock', () => existsSync(lock) && (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid === server!.pid);
    await waitFor('the command to run', () => docker('exec', `${NAME}-one`, 'sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\0" " "').includes('sleep 30'));
    const exited = new Promise<number | null>((r) => server!.once('exit', (code) => r(code)));
    server!.kill('SIGTERM');
    const cancelled = await up;
    expect(await exited).toBe(0);
    expect(cancelled.code, cancelled.stdout + cancelled.stderr).toBe(1);
    expect(cancelled.stdout + cancelled.stderr).toMatch(/cancel/i);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(socket)).toBe(false);
    const runs = JSON.parse((await run(['history', '--json'])).stdout) as { runId: string; ok: boolean }[];
    expect(runs.find((r) => r.runId === active.runId)).toMatchObject({ ok: false });
    await ws.write('profiles/app-agent.yaml', profile());
    const st = await run(['agent', 'status']);
    expect(st.code).toBe(3);
    expect(st.stdout).toContain('no agent running');
    // CI set: this run may not start a background agent, so it runs in this process.
    const next = await run(['up', file], { CI: '1' });
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(exec(`${NAME}-one`, 'cat /etc/app-agent')).toBe('served by the app');
    expect((await status()).running).toBe(false);
    // Without CI's veto, a run starts a background agent again for the next command.
    expect((await run(['up', file])).code).toBe(0);
    const again = await waitFor('a background agent', async () => (await status()).agent);
    expect(again.app).toBeUndefined();
    expect(again.pid).not.toBe(server!.pid);
  });
});
