// `prodlike doctor` against a Docker engine of the test's own (its own socket, data and exec roots), so
// that "stopped" and "started by --fix" never touch the machine's engine, which other runs share.
// Results are checked with the docker CLI against that socket, not through Prodlike.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secondEngine, type SecondEngine } from '../../support/second-engine.js';
import { BIN, workspace, type Workspace } from '../../support/cli.js';

const isRoot = process.getuid?.() === 0;
const hasDockerd = spawnSync('sh', ['-c', 'command -v dockerd || test -x /usr/sbin/dockerd']).status === 0;

describe.skipIf(!isRoot || !hasDockerd)('prodlike doctor on an engine of its own', () => {
  let dir: string;
  let sock: string;
  let ws: Workspace;
  let env: NodeJS.ProcessEnv;
  const dockerOn = (...args: string[]) => spawnSync('docker', ['-H', `unix://${sock}`, ...args], { encoding: 'utf8', timeout: 30_000 });

  let engine2: SecondEngine;

  beforeAll(async () => {
    engine2 = await secondEngine('pl-doctor');
    ({ dir, sock } = engine2);
    ws = await workspace();
    await ws.write('profiles/app.yaml', 'name: doctor-app\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n');
    env = {
      DOCKER_HOST: `unix://${sock}`,
      PRODLIKE_DOCKERD_ARGS: engine2.dockerdArgs,
      PRODLIKE_BASE_IMAGE: '',
    };
  });

  afterAll(async () => {
    holder?.kill();
    // The engine doctor started for this test, by its pid file; never the machine's own.
    await engine2?.stop();
    if (ws) await rm(ws.dir, { recursive: true, force: true }).catch(() => undefined);
  });

  it('a stopped engine is reported with the command that starts it on that socket', async () => {
    const r = await ws.run(['doctor'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✗ Docker engine running and reachable: The Docker engine is installed but not running: there is no socket at ${sock}`);
    expect(r.stdout).toMatch(new RegExp(`\\$ \\S*dockerd --host unix://${sock} --data-root ${dir}/data --exec-root ${dir}/exec --pidfile ${dir}/docker.pid --bridge=pltest\\w+ --iptables=false >>${ws.dataDir}/dockerd.log 2>&1 &`));
    expect(r.stdout).toContain('can fix them');

    const j = await ws.run(['doctor', '--json'], { env });
    const report = JSON.parse(j.stdout) as { ok: boolean; checks: { id: string; status: string; fix?: { automatic: boolean } }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'docker-engine')).toMatchObject({ status: 'fail', fix: { automatic: true } });
    expect(report.checks.find((c) => c.id === 'image:debian:bookworm')).toMatchObject({ status: 'warn' });
  });

  it('--fix with nobody to ask and without --yes says what it would do and does nothing', async () => {
    const r = await ws.run(['doctor', '--fix'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('--fix would do (nothing was done: no terminal to ask, and no --yes)');
    expect(r.stdout).toContain('Start the Docker engine in the background');
    expect(dockerOn('version').status).not.toBe(0);
    expect(existsSync(sock)).toBe(false);
  });

  it('--fix at a terminal asks before each fix, and "n" does nothing', async () => {
    // A terminal; "n" is typed at each question.
    const { stdout: out, code } = await ws.atTerminal(['doctor', '--fix'], 'n\n', { env });
    expect(out).toContain('Start the Docker engine in the background');
    expect(out).toContain('[y/N]');
    expect(out).toContain('skipped docker-engine');
    expect(code).toBe(1);
    expect(existsSync(sock)).toBe(false);
  });

  // What a killed engine leaves (or a machine restored from a snapshot): its pid files, naming pids that are
  // soon other programs'. dockerd then refuses to start ("pid file found, ensure docker is not running").
  let holder: ChildProcess | undefined;
  const pidFile = () => path.join(dir, 'docker.pid');
  const containerdPidFile = () => path.join(dir, 'exec', 'containerd', 'containerd.pid');

  it('pid files a killed engine left, naming another live program, are named and the fix command removes them first', async () => {
    holder = spawn('sleep', ['600'], { stdio: 'ignore' });
    await mkdir(path.dirname(containerdPidFile()), { recursive: true });
    await writeFile(pidFile(), `${holder.pid}\n`);
    await writeFile(containerdPidFile(), `${holder.pid}`);
    const r = await ws.run(['doctor'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `An engine that did not stop cleanly left pid files behind (${pidFile()} names pid ${holder.pid}, which is now \`sleep\`, not dockerd; ${containerdPidFile()} names pid ${holder.pid}, which is now \`sleep\`, not containerd); dockerd will not start while its pid file names a running process, so the fix removes them first`,
    );
    expect(r.stdout).toContain(`$ rm -f ${pidFile()} ${containerdPidFile()} && `);
  });

  it('--fix --yes removes the stale pid files, leaves their process alone, starts the engine and gets the missing base image (no registry here: built with mmdebstrap)', async () => {
    const r = await ws.run(['doctor', '--fix', '--yes'], { env, timeoutMs: 600_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${pidFile()} names pid ${holder!.pid}, which is now \`sleep\`, not dockerd: removing it`);
    expect(r.stdout).toMatch(new RegExp(`fixed docker-engine: removed the stale pid files ${pidFile()} and ${containerdPidFile()}, then started dockerd in the background \\(pid \\d+, log .*dockerd\\.log\\)`));
    // Independently: the process the files named still runs, and the pid file is now the engine's.
    expect(holder!.exitCode).toBeNull();
    expect(existsSync(`/proc/${holder!.pid}`)).toBe(true);
    holder!.kill();
    expect(readFileSync(`/proc/${readFileSync(pidFile(), 'utf8').trim()}/comm`, 'utf8').trim()).toBe('dockerd');
    expect(r.stdout).toMatch(/fixed image:debian:bookworm: (pulled debian:bookworm|built debian:bookworm with mmdebstrap)/);
    expect(r.code).toBe(0);
    // Independently: the engine on that socket answers, and it has the image.
    expect(dockerOn('version', '--format', '{{.Server.Version}}').status).toBe(0);
    const img = dockerOn('image', 'inspect', 'debian:bookworm', '--format', '{{.Id}}');
    expect(img.status).toBe(0);
    expect(img.stdout.trim()).toMatch(/^sha256:/);
    expect(readFileSync(path.join(ws.dataDir, 'dockerd.log'), 'utf8')).toContain(`API listen on ${sock}`);
    // The engine outlives the command that started it.
    const again = await ws.run(['doctor'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('✓ Base image debian:bookworm: present (used by doctor-app)');
  }, 660_000);

  it('a missing base image is reported with its fix, and a pull that cannot work fails honestly', async () => {
    await ws.write('profiles/other.yaml', 'name: doctor-other\nmachines:\n  m:\n    docker: { image: pl-doctor-test/img:xyz }\n');
    const r = await ws.run(['doctor'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ Base image pl-doctor-test/img:xyz: missing locally (used by doctor-other)');
    expect(r.stdout).toContain('$ docker pull pl-doctor-test/img:xyz');
    expect(r.stdout).toContain('✓ Docker engine running and reachable');

    const fix = await ws.run(['doctor', '--fix', '--yes'], { env });
    expect(fix.code).toBe(1);
    expect(fix.stdout).toContain('failed image:pl-doctor-test/img:xyz: pl-doctor-test/img:xyz could not be pulled');
    expect(dockerOn('image', 'inspect', 'pl-doctor-test/img:xyz').status).not.toBe(0);
    await rm(path.join(ws.dir, 'profiles', 'other.yaml'));
  }, 120_000);

  it('a socket that refuses the user names the docker group fix', async () => {
    // A socket of root:root, mode 0660, and a user who is neither.
    await chown(sock, 0, 0);
    await chmod(sock, 0o660);
    await chmod(ws.dir, 0o755);
    await chmod(path.join(ws.dir, 'profiles'), 0o755);
    await chmod(dir, 0o711);
    const dataDir = path.join(dir, 'nobody-data');
    await mkdir(dataDir, { mode: 0o777 });
    await chmod(dataDir, 0o777);
    const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'doctor'], {
      cwd: ws.dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NO_COLOR: '1', PRODLIKE_DATA_DIR: dataDir, ...env },
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`✗ Docker engine running and reachable: The engine's socket ${sock} (root:root mode 0660) refuses user nobody: permission denied.`);
    expect(r.stdout).toContain('Its group is not docker');
    expect(r.stdout).toContain('fix: Add nobody to the docker group, then log out and in again');
    expect(r.stdout).toMatch(/\$ (sudo groupadd docker && )?sudo usermod -aG docker nobody/);
    // Nothing about it is automatic: --fix --yes leaves it to the user.
    const fix = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'doctor', '--fix', '--yes'], {
      cwd: ws.dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NO_COLOR: '1', PRODLIKE_DATA_DIR: dataDir, ...env },
      timeout: 60_000,
    });
    expect(fix.status).toBe(1);
    expect(fix.stdout).not.toContain('fixed');
    expect(dockerOn('version').status).toBe(0);
  });
});
