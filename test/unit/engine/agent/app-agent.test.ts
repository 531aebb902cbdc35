// The app's engine as the agent, over a real socket in a temporary runtime folder (no Docker: the runs
// here end at their profile's load). The end-to-end path with containers and the real CLI is
// test/integration/app/app-agent.test.ts.
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../../shared/events.js';
import { serveFromApp, type AppAgent } from '../../../../electron/engine/agent/app-agent.js';
import { AgentRun, agentStatus, connectAgent, converse, stopAgent } from '../../../../electron/engine/agent/client.js';
import { agentPaths, ensureRuntimeDir } from '../../../../electron/engine/agent/paths.js';
import { envKey, lineReader, type AgentMessage } from '../../../../electron/engine/agent/protocol.js';
import { serveAgent } from '../../../../electron/engine/agent/serve.js';
import { AgentServer } from '../../../../electron/engine/agent/server.js';
import { Engine } from '../../../../electron/engine/engine.js';

const BUILD = '0.0.0+test';
const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
});

function setup() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pl-appagent-'));
  const env = { ...process.env, XDG_RUNTIME_DIR: path.join(root, 'run') };
  const engine = new Engine({ dataDir: path.join(root, 'data'), profileFolders: [root], cwd: root });
  open.push(engine);
  const file = path.join(root, 'broken.yaml');
  writeFileSync(file, 'name: broken\nmachines: 5\n');
  return { root, env, engine, file, paths: agentPaths(engine.dataDir, env) };
}

function serve(engine: Engine, env: NodeJS.ProcessEnv, logs: string[] = []): AppAgent {
  const agent = serveFromApp({ engine, name: 'the browser-mode app', build: BUILD, version: '0.0.0', env, log: (t) => logs.push(t) });
  open.push(agent);
  return agent;
}

// The agent moves its process into the run's folder (for the messages' relative paths): here that is
// the test runner's own folder, which the files run after this one in the same worker rely on.
async function runThrough(socket: string, file: string) {
  const sock = await connectAgent(socket);
  expect(sock).toBeDefined();
  const run = await AgentRun.open(sock!, { op: 'run', req: { kind: 'plan', file }, opts: { cwd: process.cwd(), env: process.env, lockWaitMs: 0, debug: false, allowProductionHosts: false }, build: BUILD, envKey: envKey(process.env) });
  const events: RunEvent[] = [];
  const result = await run.starter(async () => {
    throw new Error('no result from the agent');
  }).start({ kind: 'plan', file }, (e) => events.push(e)).done;
  return { result, events, pid: run.pid };
}

describe('the app serving as the agent', () => {
  it('listens on its data folder\'s socket (0600 in a 0700 folder) and says it is the app, with its pid and version', async () => {
    const { engine, env, paths } = setup();
    const st = await serve(engine, env).ready;
    expect(st?.app).toBe('the browser-mode app');
    const seen = await agentStatus(paths.socket);
    expect(seen).toMatchObject({ pid: process.pid, version: '0.0.0', app: 'the browser-mode app', dataDir: engine.dataDir });
    expect(statSync(paths.socket).mode & 0o777).toBe(0o600);
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
  });

  it("a terminal's run goes into the app's engine: its events reach the app's subscribers and its record the app's history", async () => {
    const { engine, env, paths, file } = setup();
    await serve(engine, env).ready;
    const appEvents: RunEvent[] = [];
    const done: string[] = [];
    engine.subscribe((e) => appEvents.push(e));
    engine.subscribeRunsDone((id) => done.push(id));
    const { result, events, pid } = await runThrough(paths.socket, file);
    expect(pid).toBe(process.pid);
    expect('ok' in result && result.ok).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['run-start', 'run-end']);
    expect(appEvents).toEqual(events);
    expect(done).toEqual([result.runId]);
    expect((await engine.history()).map((r) => r.runId)).toEqual([result.runId]);
    expect((await agentStatus(paths.socket))?.runsServed).toBe(1);
  });

  it('refuses `agent stop` while open, and a CLI-started agent does not replace it', async () => {
    const { engine, env, paths } = setup();
    await serve(engine, env).ready;
    const sock = await connectAgent(paths.socket);
    const answers: AgentMessage[] = [];
    await converse(sock!, { op: 'stop' }, (m) => answers.push(m));
    expect(answers[0]).toMatchObject({ t: 'error', error: { message: expect.stringContaining('serves while it is open') } });
    // `prodlike agent serve` of another build: it leaves the app serving.
    expect(await serveAgent(paths, { build: 'another', version: '9', idleExitMs: 60_000 })).toBeUndefined();
    expect((await agentStatus(paths.socket))?.app).toBe('the browser-mode app');
  });

  it('takes over from a CLI-started agent: asks it to stop, then serves', async () => {
    const { engine, env, paths } = setup();
    let stopped = false;
    ensureRuntimeDir(paths.dir);
    const cliAgent = new AgentServer({ paths, build: BUILD, version: '0.0.0', idleExitMs: 60_000, onStopped: () => (stopped = true) });
    await cliAgent.listen();
    open.push({ close: () => cliAgent.stop('test end') });
    expect((await agentStatus(paths.socket))?.app).toBeUndefined();
    const logs: string[] = [];
    const st = await serve(engine, env, logs).ready;
    expect(stopped).toBe(true);
    expect(st?.app).toBe('the browser-mode app');
    expect((await agentStatus(paths.socket))?.app).toBe('the browser-mode app');
    expect(logs.join('\n')).toContain('asking the agent');
  });

  it('quitting while an old agent still finishes its runs does not wait for them, and the app then does not serve', async () => {
    const { engine, env, paths } = setup();
    ensureRuntimeDir(paths.dir);
    // An agent busy with a long run: it answers status, and says "stopping" without going away yet.
    const held: net.Socket[] = [];
    const old = net.createServer((sock) => {
      sock.on('data', lineReader((m) => {
        const op = (m as { op: string }).op;
        if (op === 'status') sock.end(JSON.stringify({ t: 'status', status: { pid: 1, build: BUILD, version: '0', startedAt: '', socket: paths.socket, dataDir: engine.dataDir, idleExitMs: 1, runsServed: 1, running: [{ runId: 'r', kind: 'up', file: '/p.yaml' }], schedules: [] } }) + '\n');
        if (op === 'stop') {
          sock.write(JSON.stringify({ t: 'stopping', running: 1 }) + '\n');
          held.push(sock);
        }
      }));
    });
    await new Promise<void>((r) => old.listen(paths.socket, r));
    const logs: string[] = [];
    const agent = serve(engine, env, logs);
    await expect.poll(() => held.length).toBe(1);
    const t0 = Date.now();
    await agent.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    // The old agent goes: the app, closed meanwhile, does not take its place.
    for (const sock of held) sock.end();
    await new Promise<void>((r) => old.close(() => r()));
    expect(await agent.ready).toBeUndefined();
    expect(existsSync(paths.socket)).toBe(false);
  });

  it('a second app on the same data folder does not serve; the first keeps serving', async () => {
    const { engine, env, paths, root } = setup();
    await serve(engine, env).ready;
    const second = new Engine({ dataDir: engine.dataDir, cwd: root });
    open.push(second);
    const logs: string[] = [];
    expect(await serve(second, env, logs).ready).toBeUndefined();
    expect(logs.join('\n')).toContain('not serving as the agent: the browser-mode app');
    expect((await agentStatus(paths.socket))?.app).toBe('the browser-mode app');
  });

  it('on close it stops serving and removes its socket; a standalone agent can serve next', async () => {
    const { engine, env, paths } = setup();
    const agent = serve(engine, env);
    await agent.ready;
    await agent.close();
    expect(existsSync(paths.socket)).toBe(false);
    expect(await agentStatus(paths.socket)).toBeUndefined();
    expect((await stopAgent(paths.socket)).stopped).toBe(false);
    const next = new AgentServer({ paths, build: BUILD, version: '0.0.0', idleExitMs: 60_000 });
    await next.listen();
    open.push({ close: () => next.stop('test end') });
    expect((await agentStatus(paths.socket))?.app).toBeUndefined();
  });
});
