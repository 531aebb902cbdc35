// DockerExecTransport against a real container started with the docker CLI (not through the provider).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerExecTransport } from '../../../../electron/engine/backends/docker/exec-transport.js';
import { BASE_IMAGE, uniqueProfile } from '../../../support/docker-profile.js';
import { docker, dockerExec, dockerTry } from '../../../support/docker.js';

const NAME = `${uniqueProfile('pl-dkr-exec')}-box`;
let t: DockerExecTransport;

beforeAll(() => {
  docker('run', '-d', '--init', '--name', NAME, '--label', 'prodlike.test=exec', BASE_IMAGE, 'sleep', 'infinity');
  t = new DockerExecTransport(NAME, { machine: 'box' });
});

afterAll(() => {
  dockerTry('rm', '-f', NAME);
});

describe('DockerExecTransport', () => {
  it('returns the exit code, with stdout and stderr kept apart', async () => {
    const r = await t.exec('echo to-out; echo to-err >&2; exit 3');
    expect(r).toEqual({ code: 3, stdout: 'to-out\n', stderr: 'to-err\n' });
    expect((await t.exec('true')).code).toBe(0);
    expect((await t.exec('exit 127')).code).toBe(127);
  });

  it('runs as root with sh', async () => {
    expect((await t.exec('id -u; echo $0')).stdout).toBe('0\nsh\n');
  });

  it('round-trips 1 MB through stdin, and the process sees EOF', async () => {
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = 97 + (i % 26);
    const r = await t.exec('cat', { stdin: payload });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(payload.length);
    expect(r.stdout === payload.toString('latin1')).toBe(true);
    // wc only prints once stdin is closed
    expect((await t.exec('wc -c', { stdin: 'hello' })).stdout.trim()).toBe('5');
    expect((await t.exec('cat', { stdin: '' })).stdout).toBe('');
  });

  it('streams output to the callbacks as it comes, multi-byte characters intact', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const r = await t.exec('printf "größe "; sleep 0.1; printf "✓\\n"; echo warn >&2', {
      onStdout: (c) => out.push(c),
      onStderr: (c) => err.push(c),
    });
    expect(out.join('')).toBe('größe ✓\n');
    expect(r.stdout).toBe('größe ✓\n');
    expect(err.join('')).toBe('warn\n');
  });

  it('a timeout fails with a message naming machine and seconds, and the command is killed', async () => {
    const started = Date.now();
    await expect(t.exec('sleep 30; echo never', { timeoutMs: 500 })).rejects.toThrow('command on box timed out after 0.5 s');
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 300));
    expect(dockerExec(NAME, 'ps -eo args')).not.toContain('sleep 30');
  });

  it('a timeout kills what the command started too, a child that changed its user (as apt-get\'s downloads do) among them', async () => {
    // Root in a container may not read the environ of a process of another user: only the parent links it.
    await expect(t.exec('setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "sleep 41 & sleep 42" & sleep 43', { timeoutMs: 1000 })).rejects.toThrow('timed out');
    // One not started by it is left alone.
    docker('exec', '-d', NAME, 'sleep', '44');
    await new Promise((r) => setTimeout(r, 500));
    const ps = dockerExec(NAME, 'ps -eo user,args');
    expect(ps).not.toMatch(/sleep 4[123]/);
    expect(ps).toMatch(/root +sleep 44/);
  });

  it('an aborted signal cancels the command', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    await expect(t.exec('sleep 30', { signal: ac.signal })).rejects.toThrow('cancelled');
  });

  it('a stopped container is a clear error', async () => {
    const gone = new DockerExecTransport('pl-dkr-no-such-container', { machine: 'ghost' });
    await expect(gone.exec('true')).rejects.toThrow(/cannot run a command on ghost/);
  });

  it('is quick: per-exec latency of `true`', async () => {
    await t.exec('true');
    const n = 20;
    const started = performance.now();
    for (let i = 0; i < n; i++) await t.exec('true');
    const ms = (performance.now() - started) / n;
    console.log(`exec latency (true): ${ms.toFixed(1)} ms`);
    // A figure, not a timing test (npm run bench measures speed): the bound only catches an exec that
    // reconnects or re-resolves the engine each time, which costs seconds, not milliseconds.
    expect(ms).toBeLessThan(1000);
  });
});
