// The background agent: runs handed to it give the same output, exit codes and events as in-process
// runs; its socket is the user's only; a kill -9 mid-run leaves no lock and loses no record; scheduled
// drift keeps its results in the history and says when drift appears and goes away. Containers are
// checked with the docker CLI, the socket with stat, the agent's pid with the kernel.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, containerNames, docker, exec, purge, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';
import { startSshd, testKey } from '../../support/sshd.js';
import { waitFor } from '../../support/wait.js';
import { processAlive } from '../../../electron/engine/state/process.js';

const NAME = unique('pl-it-agent');
let ws: Workspace;
let file: string;
// The workspace turns the agent off for every other test; these runs may use it (and not CI's veto).
const AGENT = { PRODLIKE_NO_AGENT: '', CI: '', PRODLIKE_AGENT_IDLE: '120s' };

const profile = (extra = '') => `name: ${NAME}
machines:
${['a', 'b', 'c']
  .map(
    (m) => `  ${m}:
    docker: { image: debian:bookworm }
    resources:
      - file: /etc/agent-test
        content: "${m}\\n"
      - directory: /srv/${m}
${m === 'a' ? extra : ''}`,
  )
  .join('')}`;

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => ws.run(args, { env: { ...AGENT, ...env } });

interface Status {
  running: boolean;
  agent?: { pid: number; socket: string; runsServed: number; schedules: { profile: string; last?: { state: string } }[] };
}
async function status(): Promise<Status> {
  const r = await run(['agent', 'status', '--json']);
  return JSON.parse(r.stdout) as Status;
}

/** Timings and run ids differ between two runs of the same work; nothing else may. */
const normal = (r: CliRun) => `${r.code}\n${r.stdout}\n${r.stderr}`.replace(/\b\d+(\.\d+)? m?s\b/g, '<t>').replace(/\b[0-9a-f]{8}\b/g, '<id>');

/** The events of a --json run without ids and timings. */
const eventShape = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => typeof e.type === 'string')
    .map((e) => `${String(e.type)} ${String(e.machine ?? '')} ${String(e.phase ?? '')} ${String(e.status ?? '')} ${JSON.stringify((e.resource as object | undefined) ?? '')}`)
    .sort();


const alive = processAlive;

const history = () =>
  readFileSync(path.join(ws.dataDir, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { runId: string; kind: string; ok: boolean; drifted?: number; error?: { message: string } });

beforeAll(async () => {
  ws = await workspace();
  file = await ws.write('profiles/agent.yaml', profile());
});
afterAll(async () => {
  if (ws) await run(['agent', 'stop']);
  purge(NAME);
});

describe('prodlike agent', () => {
  it('starts on request, one per data folder, behind a socket only the user can open', async () => {
    expect((await run(['agent', 'status'])).code).toBe(3);
    const started = await run(['agent', 'start']);
    expect(started.code, started.stderr).toBe(0);
    const st = await status();
    expect(st.running).toBe(true);
    const sock = statSync(st.agent!.socket);
    expect(sock.isSocket()).toBe(true);
    expect(sock.mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(st.agent!.socket)).mode & 0o777).toBe(0o700);
    expect(sock.uid).toBe(process.getuid!());
    // A second start finds it: still one agent.
    await run(['agent', 'start']);
    expect((await status()).agent!.pid).toBe(st.agent!.pid);
  });

  it('up goes through the agent and makes the containers; the same output, exit codes and events as --no-agent', async () => {
    const before = (await status()).agent!.runsServed;
    const up = await run(['up', file]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect((await status()).agent!.runsServed).toBe(before + 1);
    expect(containerNames(NAME, false)).toEqual([`${NAME}-a`, `${NAME}-b`, `${NAME}-c`]);
    for (const m of ['a', 'b', 'c']) expect(exec(`${NAME}-${m}`, 'cat /etc/agent-test; test -d /srv/' + m + ' && echo dir')).toBe(`${m}\ndir`);

    // No change: text, exit code, events.
    expect(normal(await run(['up', file]))).toBe(normal(await run(['up', file, '--no-agent'])));
    expect(eventShape((await run(['up', file, '--json'])).stdout)).toEqual(eventShape((await run(['up', file, '--json', '--no-agent'])).stdout));
    expect((await status()).agent!.runsServed).toBe(before + 3);

    // Pending changes: plan exits 2 both ways; drift exits 2 both ways, with the same findings.
    docker('exec', `${NAME}-b`, 'sh', '-c', 'echo changed > /etc/agent-test');
    const plan = await run(['plan', file]);
    expect(plan.code).toBe(2);
    expect(normal(plan)).toBe(normal(await run(['plan', file, '--no-agent'])));
    const drift = await run(['drift', file]);
    expect(drift.code).toBe(2);
    expect(normal(drift)).toBe(normal(await run(['drift', file, '--no-agent'])));

    // An error: exit 1 and the same message (file:line:col) from either.
    const bad = await ws.write('profiles/bad.yaml', `name: ${NAME}-bad\nmachines:\n  x:\n    docker: { image: debian:bookworm }\n    resources:\n      - nosuchkind: x\n`);
    const e1 = await run(['up', bad]);
    expect(e1.code).toBe(1);
    expect(normal(e1)).toBe(normal(await run(['up', bad, '--no-agent'])));
    expect(e1.stderr).toContain('bad.yaml:6');
    expect(exec(`${NAME}-b`, 'cat /etc/agent-test')).toBe('changed'); // plan and drift changed nothing
  });

  it('kill -9 of the agent mid-run: the CLI says so (exit 1), no lock is left, the run is in the history, and the next run works', async () => {
    await ws.write('profiles/agent.yaml', profile('      - command: sleep 8 && touch /srv/slept\n        creates: /srv/slept\n'));
    const pid = (await status()).agent!.pid;
    const child = spawn(process.execPath, [BIN, 'up', file], { cwd: ws.dir, env: { ...ws.env, ...AGENT }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    const lock = path.join(ws.dataDir, 'locks', `${NAME}.lock`);
    // The lock is the agent's, and the command is running in the container.
    await waitFor('the run to hold its lock', () => existsSync(lock) && (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid === pid);
    await waitFor('the command to run', () => (docker('exec', `${NAME}-a`, 'sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\0" " "').includes('sleep 8') ? true : undefined));
    process.kill(pid, 'SIGKILL');
    const code = await exited;
    expect(code, out).toBe(1);
    expect(out).toContain('the Prodlike agent stopped during the run (killed or crashed)');
    expect(alive(pid)).toBe(false);
    // A lock file may remain on disk, but it is stale: its holder is gone, and the next run takes it over.
    if (existsSync(lock)) expect(alive((JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid)).toBe(false);
    const rec = history().at(-1)!;
    expect(rec).toMatchObject({ kind: 'up', ok: false });
    expect(rec.error?.message).toContain('agent stopped during the run');

    const again = await run(['up', file]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(exec(`${NAME}-a`, 'test -e /srv/slept && echo yes')).toBe('yes');
    expect(existsSync(lock)).toBe(false);
    // That run started a new agent in the background (runs start one on demand).
    await waitFor('a new agent', async () => ((await status()).running ? true : undefined));
    await ws.write('profiles/agent.yaml', profile());
  });

  it('drift --every runs in the agent: results in the history, a notice when drift appears and when it goes away', async () => {
    await run(['up', file]);
    await waitFor('the agent', async () => ((await status()).running ? true : undefined));
    const st = await status();
    // Watch the agent's notices as the app would.
    const notices: { message: string; check: { state: string } }[] = [];
    const watch = net.connect(st.agent!.socket);
    let buf = '';
    watch.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const m = JSON.parse(buf.slice(0, i)) as { t: string; notice?: (typeof notices)[number] };
        buf = buf.slice(i + 1);
        if (m.t === 'notice') notices.push(m.notice!);
      }
    });
    watch.write(JSON.stringify({ op: 'watch' }) + '\n');
    const driftsBefore = history().filter((r) => r.kind === 'drift').length;
    const sched = await run(['drift', '--every', '5s', file]);
    expect(sched.code, sched.stdout + sched.stderr).toBe(0);
    expect(sched.stdout).toContain(`drift of ${NAME} against its profile every 5s, in the agent`);
    await waitFor('a first scheduled check', () => (history().filter((r) => r.kind === 'drift').length > driftsBefore ? true : undefined));
    expect(notices).toEqual([]); // in sync: nothing to say

    docker('exec', `${NAME}-c`, 'rm', '/etc/agent-test');
    await waitFor('a drift notice', () => notices.find((n) => n.check.state === 'drift'), 30_000);
    expect(notices[0]!.message).toContain(`${NAME} drifted`);
    expect(history().filter((r) => r.kind === 'drift').some((r) => (r.drifted ?? 0) > 0)).toBe(true);
    expect((await status()).agent!.schedules[0]).toMatchObject({ profile: NAME, last: { state: 'drift' } });

    await run(['up', file]);
    await waitFor('an in-sync notice', () => notices.find((n) => n.check.state === 'in-sync'), 30_000);
    expect(notices.at(-1)!.message).toContain('back in sync');
    watch.destroy();

    const stop = await run(['drift', '--every', 'off', file]);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`stopped scheduled drift of ${NAME}`);
    expect((await status()).agent!.schedules).toEqual([]);
  });

  it('an SSH host: the agent keeps its connection open between runs (the same TCP connection serves the next run), and replaces it when it dies', async () => {
    const sshd = await startSshd();
    try {
      const { identity } = await testKey();
      const S = unique('pl-it-agent-ssh');
      const f = await ws.write('profiles/ssh.yaml', `name: ${S}\nmachines:\n  db:\n    ssh: { host: 127.0.0.1, port: ${sshd.port}, user: root, identity: ${identity} }\n    resources:\n      - directory: /srv/${S}\n`);
      expect((await run(['trust', `127.0.0.1:${sshd.port}`])).code).toBe(0);
      await waitFor('the agent', async () => ((await run(['agent', 'start'])).code === 0 ? true : undefined));
      // Established connections to sshd's port 22, by the client's port, as the container's kernel sees them.
      const peers = async () =>
        (await sshd.exec('cat /proc/net/tcp /proc/net/tcp6 2>/dev/null'))
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((c) => c[1]?.endsWith(':0016') && c[3] === '01')
          .map((c) => c[2]!)
          .sort();
      const first = await run(['up', f]);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect((await sshd.exec(`test -d /srv/${S} && echo yes`)).trim()).toBe('yes');
      const open = await peers();
      expect(open).toHaveLength(1);
      const second = await run(['up', f]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('nothing to change');
      expect(await peers()).toEqual(open);
      // In-process, the connection is the run's own and closes with it.
      expect((await run(['up', f, '--no-agent'])).code).toBe(0);
      expect(await peers()).toEqual(open);

      // The warm connection dies (sshd's process for it is killed, as a host restart would): the next run
      // through the agent still works, on a new connection.
      await sshd.exec('for p in /proc/[0-9]*; do [ "$(cat $p/stat | cut -d" " -f4)" = 1 ] && grep -q sshd $p/comm && kill ${p#/proc/}; done; true');
      const third = await run(['up', f]);
      expect(third.code, third.stdout + third.stderr).toBe(0);
      expect(third.stdout).toContain('nothing to change');
      const reopened = await peers();
      expect(reopened).toHaveLength(1);
      expect(reopened).not.toEqual(open);
    } finally {
      await sshd.stop();
    }
  });

  it('a bad interval is one clear error', async () => {
    const r = await run(['drift', '--every', 'often', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--every often: expected a duration like 30s, 15m, 1h or 1d, or off');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('agent stop ends it: the socket goes, status says none, and runs go in-process', async () => {
    const pid = (await status()).agent!.pid;
    const r = await run(['agent', 'stop']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('agent stopped');
    await waitFor('the agent to exit', () => (alive(pid) ? undefined : true), 10_000);
    expect((await run(['agent', 'status'])).code).toBe(3);
    const up = await run(['up', file], { PRODLIKE_NO_AGENT: '1' });
    expect(up.code).toBe(0);
    expect((await status()).running).toBe(false); // PRODLIKE_NO_AGENT: not started on demand either
  });
});
