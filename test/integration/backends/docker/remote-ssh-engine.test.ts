// A remote Docker engine over SSH (DOCKER_HOST=ssh://root@<box>), as a developer with a build box has it.
//
// The build box: a container with sshd and the Docker CLI, given this machine's engine socket, on the
// host's network (so that its 127.0.0.1 is where the engine publishes ports, as on a real build box).
// The developer's computer: a network namespace of its own (a veth pair to the box), so that its
// 127.0.0.1 is not the box's. `prodlike up` runs there; the published port must then answer on the
// developer's 127.0.0.1, which only the forward can make true. Results are checked with the docker CLI
// (on the engine) and curl (in the namespace), not through Prodlike.
import { execFileSync, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../../../support/cli.js';
import { uniqueProfile } from '../../../support/docker-profile.js';
import { docker, purgeProfile } from '../../../support/docker.js';
import { testKey, waitForBanner } from '../../../support/sshd.js';
import { Engine } from '../../../../electron/engine/engine.js';
import type { RunResult } from '../../../../shared/report.js';

const run = promisify(execFile);
const tag = Math.random().toString(36).slice(2, 7);
const NS = `pl-dev-${tag}`;
const VETH_HOST = `plh${tag}`;
const VETH_NS = `pln${tag}`;
// A /30 of its own in 10.231.0.0/16 (the box listens on .1, the developer's namespace is .2).
const SUBNET = `10.231.${Math.floor(Math.random() * 256)}`;
const BOX_IP = `${SUBNET}.1`;
const DEV_IP = `${SUBNET}.2`;
const PORT = 20000 + Math.floor(Math.random() * 20000);
const NAME = uniqueProfile('pl-remote');

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
let box = '';
let dir = '';
let file = '';
let env: NodeJS.ProcessEnv = {};
let hostKeyLine = '';

const ENTRY = `set -e
rm -f /etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
printf 'HostKey /etc/ssh/ssh_host_ed25519_key\\nPasswordAuthentication no\\nListenAddress ${BOX_IP}\\n' > /etc/ssh/sshd_config.d/prodlike-test.conf
mkdir -p /run/sshd /root/.ssh
printf '%s\\n' "$KEY" > /root/.ssh/authorized_keys
chmod 700 /root/.ssh; chmod 600 /root/.ssh/authorized_keys
exec /usr/sbin/sshd -D -e`;

/** A machine that serves /srv/greeting over HTTP on port 8000, published on `published`. */
const greeter = (name: string, published: string) => `name: ${name}
machines:
  web:
    docker:
      image: debian:bookworm
      ports: ["${published}:8000"]
      command: ["perl", "-MIO::Socket::INET", "-e", "$s = IO::Socket::INET->new(LocalPort => 8000, Listen => 5, ReuseAddr => 1) or die; while ($c = $s->accept) { sysread($c, $b, 4096); open(my $f, '<', '/srv/greeting') or next; my $g = <$f>; print $c \\"HTTP/1.0 200 OK\\\\r\\\\n\\\\r\\\\n$g\\"; close $c }"]
    resources:
      - file: /srv/greeting
        content: "hello from the build box\\n"
`;

/** The CLI on the developer's computer (the namespace). */
function prodlike(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', NS, process.execPath, BIN, ...args], { cwd: dir, env: { ...env, ...extraEnv }, timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

/** curl on the developer's 127.0.0.1. */
async function curlHere(): Promise<string> {
  try {
    return (await run('ip', ['netns', 'exec', NS, 'curl', '-s', '--max-time', '5', `http://127.0.0.1:${PORT}/`])).stdout;
  } catch (err) {
    return `curl failed: ${(err as Error).message.split('\n')[0]}`;
  }
}

beforeAll(async () => {
  ip('netns', 'add', NS);
  ip('link', 'add', VETH_HOST, 'type', 'veth', 'peer', 'name', VETH_NS);
  ip('link', 'set', VETH_NS, 'netns', NS);
  ip('addr', 'add', `${BOX_IP}/30`, 'dev', VETH_HOST);
  ip('link', 'set', VETH_HOST, 'up');
  ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${DEV_IP}/30`, 'dev', VETH_NS);
  ip('netns', 'exec', NS, 'ip', 'link', 'set', VETH_NS, 'up');
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');

  const key = await testKey();
  box = execFileSync(
    'docker',
    ['run', '-d', '--rm', '-e', `KEY=${key.publicKey}`, '--network', 'host', '--label', 'prodlike.test=sshd', '--name', `pl-buildbox-${tag}`,
      '-v', '/var/run/docker.sock:/var/run/docker.sock', '-v', '/usr/local/bin/docker:/usr/local/bin/docker:ro',
      'debian:bookworm', 'sh', '-c', ENTRY],
  ).toString().trim();
  await waitForBanner(BOX_IP, 22, 20_000);
  const pub = docker('exec', box, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub').split(/\s+/);
  hostKeyLine = `${BOX_IP} ${pub[0]} ${pub[1]}`;

  dir = mkdtempSync(path.join(tmpdir(), 'pl-remote-'));
  const home = path.join(dir, 'home');
  mkdirSync(path.join(home, '.ssh'), { recursive: true });
  // The box's host key, as a user who has ssh'd there before has it.
  writeFileSync(path.join(home, '.ssh', 'known_hosts'), `${hostKeyLine}\n`);
  const data = path.join(dir, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(data, 'settings.json'), JSON.stringify({ sshIdentity: key.identity }));
  env = { ...process.env, HOME: home, PRODLIKE_DATA_DIR: data, DOCKER_HOST: `ssh://root@${BOX_IP}`, NO_COLOR: '1', PRODLIKE_NO_CACHE: '1' };
  delete env.SSH_AUTH_SOCK;
  delete env.DOCKER_CONTEXT;
  file = path.join(dir, 'remote.yaml');
  writeFileSync(file, greeter(NAME, `127.0.0.1:${PORT}`));
}, 120_000);

afterAll(async () => {
  if (dir) await prodlike(['destroy', file]).catch(() => undefined);
  // Runs outside CI start the warm agent in this data folder: it goes with the folder.
  if (dir) await prodlike(['agent', 'stop']).catch(() => undefined);
  purgeProfile(NAME);
  if (box) execFileSync('docker', ['rm', '-f', box], { stdio: 'ignore' });
  try {
    ip('netns', 'del', NS);
  } catch {
    // already gone
  }
  try {
    ip('link', 'del', VETH_HOST);
  } catch {
    // deleted with the namespace's end of the pair
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('a remote Docker engine over SSH (DOCKER_HOST=ssh://…)', () => {
  it('refuses a build box whose host key is not known, naming it', async () => {
    const other = path.join(dir, 'home-empty');
    mkdirSync(path.join(other, '.ssh'), { recursive: true });
    const r = await prodlike(['up', file], { HOME: other });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/host key/i);
    expect(r.out).toContain(BOX_IP);
    expect(docker('ps', '-a', '--filter', `label=prodlike.profile=${NAME}`, '--format', '{{.Names}}')).toBe('');
  });

  it('up creates and converges the machine on the remote engine, and its port answers on 127.0.0.1 here', async () => {
    const r = await prodlike(['up', file]);
    expect(r.out).toContain(`forwarding 127.0.0.1:${PORT}`);
    expect(r.code).toBe(0);
    // On the engine: the container runs with the profile's labels and its file.
    expect(docker('inspect', '-f', '{{.State.Running}} {{index .Config.Labels "prodlike.machine"}}', `${NAME}-web`)).toBe('true web');
    expect(docker('exec', `${NAME}-web`, 'cat', '/srv/greeting')).toBe('hello from the build box');
    // Here (the developer's own 127.0.0.1): only the forward can answer.
    expect(await curlHere()).toBe('hello from the build box\n');
  });

  it('status shows the forward, and it outlives the `up` command (a background forwarder)', async () => {
    const r = await prodlike(['status', file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`forwarded 127.0.0.1:${PORT} → 127.0.0.1:${PORT} on ssh://root@${BOX_IP}`);
    const state = JSON.parse(readFileSync(path.join(env.PRODLIKE_DATA_DIR!, 'forwards', `${NAME}.json`), 'utf8')) as { pid: number };
    expect(() => process.kill(state.pid, 0)).not.toThrow();
    expect(await curlHere()).toBe('hello from the build box\n');
  });

  it('doctor says which engine it checked and why, and ends (its SSH connection closed)', async () => {
    const t = Date.now();
    const r = await prodlike(['doctor']);
    expect(r.out).toContain(`at ssh://root@${BOX_IP}, from DOCKER_HOST`);
    expect(Date.now() - t).toBeLessThan(60_000);
  });

  it('down stops the container on the engine and the forward here', async () => {
    const r = await prodlike(['down', file]);
    expect(r.code).toBe(0);
    expect(docker('inspect', '-f', '{{.State.Running}}', `${NAME}-web`)).toBe('false');
    expect(await curlHere()).toMatch(/^curl failed/);
  });

  it('in the app (the engine in this process, a host key trusted in Prodlike), forwards run in-process', async () => {
    // This process shares the box's network, so the port is published on the box's own address; the
    // forward makes it answer on this 127.0.0.1, where nothing else listens on that port.
    const port2 = PORT + 1;
    const name2 = `${NAME}-app`;
    const file2 = path.join(dir, 'app.yaml');
    writeFileSync(file2, greeter(name2, `${BOX_IP}:${port2}`));
    const engine = new Engine({ dataDir: path.join(dir, 'app-data'), profileFolders: [dir], env });
    try {
      await engine.setSettings({ sshIdentity: (await testKey()).identity });
      await engine.trustHostKey(BOX_IP, 22);
      const up = (await engine.start({ kind: 'up', file: file2 }).done) as RunResult;
      expect(up.ok).toBe(true);
      const got = await run('curl', ['-s', '--max-time', '5', `http://127.0.0.1:${port2}/`]).then((r) => r.stdout, (e: Error) => e.message);
      expect(got).toBe('hello from the build box\n');
      const st = await engine.status(file2);
      expect(st.machines[0]!.forwarded).toEqual([`127.0.0.1:${port2} → ${BOX_IP}:${port2} on ssh://root@${BOX_IP}`]);
      expect(((await engine.start({ kind: 'destroy', file: file2 }).done) as RunResult).ok).toBe(true);
      const after = await run('curl', ['-s', '--max-time', '3', `http://127.0.0.1:${port2}/`]).then(() => 'answered', () => 'refused');
      expect(after).toBe('refused');
    } finally {
      await engine.close();
      purgeProfile(name2);
    }
  });
});
