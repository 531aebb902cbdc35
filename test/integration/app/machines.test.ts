// Machines you can use, through the app host's API (validation included): shells that survive a
// re-attach, resize, and leave no process behind when closed (checked with docker exec ps); container
// logs with follow; restart; live status pushes. Real Docker.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiChannel, ApiPush, ApiRequest, ApiResult } from '../../../shared/api.js';
import type { RunResult } from '../../../shared/report.js';
import { Engine } from '../../../electron/engine/engine.js';
import { dispatch } from '../../../electron/api/dispatch.js';
import { createApi, type Api } from '../../../electron/api/handlers.js';
import { PushHub } from '../../../electron/api/push-hub.js';
import { BASE_IMAGE, uniqueProfile } from '../../support/docker-profile.js';
import { docker, dockerExec, purgeProfile } from '../../support/docker.js';

let engine: Engine;
let host: Api;
let file: string;
let box: string;
const pushes: ApiPush[] = [];
const readers = new Set<(p: ApiPush) => void>();
const subscribeReads = (f: (p: ApiPush) => void) => (readers.add(f), () => void readers.delete(f));
const name = uniqueProfile('pl-mach');

async function call<C extends ApiChannel>(channel: C, req: ApiRequest<C>): Promise<ApiResult<C>> {
  const env = await dispatch(host.handlers, channel, req);
  if ('error' in env) throw new Error(`${env.error.name}: ${env.error.message}`);
  return env.result as ApiResult<C>;
}

async function until<T>(what: string, get: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const shellOut = (id: string) => pushes.filter((p) => p.type === 'shell-data' && p.shellId === id).map((p) => (p.type === 'shell-data' ? p.data : '')).join('');
const procs = () => dockerExec(box, 'ps -eo args');

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pl-mach-'));
  file = path.join(dir, 'mach.yaml');
  writeFileSync(file, `name: ${name}\nrole: test\nmachines:\n  box:\n    docker: { image: ${BASE_IMAGE} }\n`);
  engine = new Engine({ dataDir: path.join(dir, 'data'), profileFolders: [dir], env: { ...process.env, HOME: dir, PRODLIKE_NO_CACHE: '1' } });
  const hub = new PushHub();
  hub.subscribe((p) => {
    pushes.push(p);
    for (const r of readers) r(p);
  });
  host = createApi({ engine, hub, mode: 'web', version: 'test', dataDir: path.join(dir, 'data') });
  const up = (await engine.start({ kind: 'up', file }).done) as RunResult;
  expect(up.ok).toBe(true);
  box = docker('ps', '-q', '--filter', `label=prodlike.profile=${name}`);
});

afterAll(async () => {
  await host?.close();
  purgeProfile(name);
});

describe('shells', () => {
  it('re-attach with their output, resize, and leave no process on the machine when closed', async () => {
    const { shellId } = await call('shell:open', { file, machine: 'box', cols: 80, rows: 24 });
    await call('shell:input', { shellId, data: 'echo shell-$((6*7))\n' });
    await until('echo', () => shellOut(shellId).includes('shell-42'));
    expect((await call('shell:list', undefined)).map((s) => s.shellId)).toContain(shellId);
    // A tab change: the renderer forgets the terminal, then re-attaches and repaints from the backlog.
    const attached = await call('shell:attach', { shellId });
    expect(attached.backlog).toContain('shell-42');
    expect(attached.shell).toMatchObject({ machine: 'box', file, cols: 80, rows: 24 });
    await call('shell:resize', { shellId, cols: 132, rows: 40 });
    await call('shell:input', { shellId, data: 'stty size\n' });
    await until('stty', () => shellOut(shellId).includes('40 132'));
    expect((await call('shell:attach', { shellId })).shell).toMatchObject({ cols: 132, rows: 40 });

    // A foreground program that ignores EOF, as a user would leave it.
    await call('shell:input', { shellId, data: 'sleep 7777\n' });
    await until('sleep running', () => procs().includes('sleep 7777'));
    expect(procs()).toMatch(/bash -l/);
    await call('shell:close', { shellId });
    await until('no shell left', () => !/bash -l|sleep 7777/.test(procs()), 5000);
    await expect(call('shell:attach', { shellId })).rejects.toThrow(/This shell has ended/);
  });
});

describe('container logs and restart', () => {
  it('shows the last lines, follows new ones, and stops following on request', async () => {
    dockerExec(box, 'for i in 1 2 3; do echo "old line $i"; done > /proc/1/fd/1');
    const { streamId, lines } = await call('machines:logs', { file, machine: 'box', follow: true, tail: 2 });
    expect(lines).toEqual(['old line 2', 'old line 3']);
    dockerExec(box, 'echo "new line" > /proc/1/fd/1');
    const got = await until('followed line', () => pushes.find((p) => p.type === 'machine-logs' && p.streamId === streamId));
    expect(got.type === 'machine-logs' && got.lines).toEqual(['new line']);
    await call('machines:logs-stop', { streamId });
    await until('end', () => pushes.find((p) => p.type === 'machine-logs-end' && p.streamId === streamId));
  });

  it('restarts a machine, and the state pushes say so', async () => {
    const before = docker('inspect', '-f', '{{.State.StartedAt}}', box);
    const n = pushes.length;
    const st = await call('machines:restart', { file, machine: 'box' });
    expect(st.state).toBe('running');
    expect(docker('inspect', '-f', '{{.State.StartedAt}}', box)).not.toBe(before);
    const states = () => pushes.slice(n).flatMap((p) => (p.type === 'machine-state' && p.change.profile === name && p.change.machine === 'box' ? [p.change.state] : []));
    await until('stopped then running', () => states().join(',') === 'stopped,running' || states().length >= 2);
    expect(states()).toEqual(['stopped', 'running']);
  });

  it('explains why an SSH machine has no container logs', async () => {
    const sshFile = path.join(path.dirname(file), 'ssh.yaml');
    writeFileSync(sshFile, `name: ${name}-ssh\nrole: test\nmachines:\n  host:\n    ssh: { host: 127.0.0.1, port: 2, user: root }\n`);
    await expect(call('machines:logs', { file: sshFile, machine: 'host', follow: false })).rejects.toThrow(/an SSH host: container logs and restart are for Docker machines/);
  });
});

describe('status after a run', () => {
  it('says status-changed only once the run is recorded: a status read on the push shows that run', async () => {
    // As the app does: read the status the moment the push arrives.
    let read: Promise<ApiResult<'profiles:get'>> | undefined;
    const before = pushes.length;
    const stop = subscribeReads((p) => {
      if (!read && p.type === 'status-changed' && p.file === file) read = call('profiles:get', { file });
    });
    const { runId } = await call('runs:start', { kind: 'plan', file });
    await until('status-changed', () => pushes.slice(before).some((p) => p.type === 'status-changed' && p.file === file), 60_000);
    stop();
    const { status } = await read!;
    expect(status.lastRun?.runId).toBe(runId);
  });
});
