// The `prodlike` command as installed (bin/prodlike → the native client): with a warm agent, a run is
// served without starting Node (PRODLIKE_NODE=/bin/false proves it: starting Node would fail), with the
// same output and exit codes as the Node CLI in-process; relative paths are the caller's folder's;
// Ctrl-C cancels the run; a kill -9 of the agent mid-run is reported and recorded. Containers are checked
// with the docker CLI.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, exec, purge, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';
import { AGENT_ENV, CLIENT, NATIVE, NO_NODE, twoContainers } from '../../support/native-client.js';

const built = existsSync(CLIENT);
const NAME = unique('pl-it-native');
const AGENT = AGENT_ENV;
let ws: Workspace;
let file: string;

const profile = (extra = '') => twoContainers(NAME, 'native-test', extra);

function native(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const t = Date.now();
  return new Promise((resolve) => {
    execFile(NATIVE, args, { cwd: ws.dir, env: { ...ws.env, ...AGENT, ...env }, timeout: 300_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - t });
    });
  });
}
const nodeRun = (args: string[]) => ws.run([...args, '--no-agent']);
const normal = (r: CliRun) => `${r.code}\n${r.stdout}\n${r.stderr}`.replace(/\b\d+(\.\d+)? m?s\b/g, '<t>').replace(/\b[0-9a-f]{8}\b/g, '<id>');
const served = async () => (JSON.parse((await native(['agent', 'status', '--json'])).stdout) as { agent: { runsServed: number; pid: number } }).agent;
const history = () =>
  readFileSync(path.join(ws.dataDir, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { runId: string; kind: string; ok: boolean; error?: { message: string } });

async function waitFor(what: string, f: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!built) return;
  ws = await workspace();
  file = await ws.write('profiles/native.yaml', profile());
  const up = await nodeRun(['up', file]);
  if (up.code !== 0) throw new Error(up.stdout + up.stderr);
  const st = await native(['agent', 'start']);
  if (st.code !== 0) throw new Error(st.stdout + st.stderr);
});
afterAll(async () => {
  if (ws) await native(['agent', 'stop']);
  purge(NAME);
});

describe.skipIf(!built)(`the native client (${built ? 'built' : 'not built: no C compiler when `npm run build` ran'})`, () => {
  it('serves a no-change up through the agent without Node: same output and exit code as in-process', async () => {
    const before = (await served()).runsServed;
    const r = await native(['up', 'profiles/native.yaml'], NO_NODE);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('nothing to change');
    expect((await served()).runsServed).toBe(before + 1);
    expect(normal(r)).toBe(normal(await nodeRun(['up', 'profiles/native.yaml'])));
    const json = await native(['up', file, '--json'], NO_NODE);
    expect(json.code).toBe(0);
    const last = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as { result: { ok: boolean; summary: { changed: number } } };
    expect(last.result).toMatchObject({ ok: true, summary: { changed: 0 } });
  });

  it('plan and drift exit 2 on a change, write --junit in the caller’s folder, and change nothing', async () => {
    docker('exec', `${NAME}-b`, 'sh', '-c', 'echo changed > /etc/native-test');
    const plan = await native(['plan', file], NO_NODE);
    expect(plan.code).toBe(2);
    expect(normal(plan)).toBe(normal(await nodeRun(['plan', file])));
    const drift = await native(['drift', 'profiles/native.yaml', '--junit', 'drift.xml'], NO_NODE);
    expect(drift.code).toBe(2);
    expect(normal(drift)).toBe(normal(await nodeRun(['drift', 'profiles/native.yaml'])));
    expect(readFileSync(path.join(ws.dir, 'drift.xml'), 'utf8')).toContain('<testsuite');
    expect(exec(`${NAME}-b`, 'cat /etc/native-test')).toBe('changed');
    const up = await native(['up', file], NO_NODE);
    expect(up.code).toBe(0);
    expect(exec(`${NAME}-b`, 'cat /etc/native-test')).toBe('b');
  });

  it('a bad profile: exit 1 and the same located message as in-process', async () => {
    const bad = await ws.write('profiles/bad.yaml', `name: ${NAME}-bad\nmachines:\n  x:\n    docker: { image: debian:bookworm }\n    resources:\n      - nosuchkind: x\n`);
    const r = await native(['up', bad], NO_NODE);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.yaml:6');
    expect(normal(r)).toBe(normal(await nodeRun(['up', bad])));
  });

  it('what the agent does not serve is the Node CLI: a missing --out, --no-agent, another command', async () => {
    expect((await native(['capture', file], NO_NODE)).code).toBe(1); // Node would print it: /bin/false exits 1
    const cap = await native(['capture', file]);
    expect(cap.code).toBe(1);
    expect(cap.stderr).toContain('capture needs --out <file>');
    expect((await native(['up', file, '--no-agent'], NO_NODE)).code).toBe(1);
    const list = await native(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(NAME);
  });

  it('Ctrl-C cancels the run in the agent: exit 1, the command in the container is stopped', async () => {
    await ws.write('profiles/native.yaml', profile('      - command: sleep 30 && touch /srv/slept\n        creates: /srv/slept\n'));
    const child = spawn(NATIVE, ['up', file], { cwd: ws.dir, env: { ...ws.env, ...AGENT, ...NO_NODE }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    const sleeping = () => docker('exec', `${NAME}-a`, 'sh', '-c', 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "').includes('sleep 30');
    await waitFor('the command to run', sleeping);
    const t = Date.now();
    child.kill('SIGINT');
    expect(await exited, out).toBe(1);
    expect(Date.now() - t).toBeLessThan(20_000);
    await waitFor('the command to be stopped', () => !sleeping(), 10_000);
    expect(exec(`${NAME}-a`, 'test -e /srv/slept && echo yes || echo no')).toBe('no');
    expect(history().at(-1)).toMatchObject({ kind: 'up', ok: false });
  });

  it('kill -9 of the agent mid-run: the client says so (exit 1), the run is in the history, the next run works', async () => {
    const pid = (await served()).pid;
    const child = spawn(NATIVE, ['up', file], { cwd: ws.dir, env: { ...ws.env, ...AGENT }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    await waitFor('the command to run', () => docker('exec', `${NAME}-a`, 'sh', '-c', 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "').includes('sleep 30'));
    process.kill(pid, 'SIGKILL');
    expect(await exited, out).toBe(1);
    expect(out).toContain('the Prodlike agent stopped during the run (killed or crashed)');
    const rec = history().at(-1)!;
    expect(rec).toMatchObject({ kind: 'up', ok: false });
    expect(rec.error?.message).toContain('agent stopped during the run');
    await ws.write('profiles/native.yaml', profile());
    const again = await native(['up', file]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});
