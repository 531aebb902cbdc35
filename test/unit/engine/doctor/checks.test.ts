import { describe, expect, it } from 'vitest';
import { debianSuiteFor, decideChecks, engineStart, FAIL_BYTES, GiB, splitArgs, WARN_BYTES } from '../../../../electron/engine/doctor/checks.js';
import type { DoctorFacts } from '../../../../electron/engine/doctor/facts.js';
import { fixable, toReport } from '../../../../electron/engine/doctor/index.js';
import { splitImageRef } from '../../../../electron/engine/doctor/fixes.js';

/** A healthy Debian machine with systemd, as root; each test breaks one thing. */
function facts(over: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    platform: 'linux',
    uid: 0,
    user: 'root',
    processGids: [0],
    dockerGroup: { gid: 999, members: [] },
    root: 'root',
    interactive: false,
    systemd: true,
    bin: { dockerd: '/usr/sbin/dockerd', aptGet: '/usr/bin/apt-get', systemctl: '/usr/bin/systemctl' },
    engineAddress: 'unix:///var/run/docker.sock',
    socketPath: '/var/run/docker.sock',
    defaultSocket: true,
    socket: { path: '/var/run/docker.sock', uid: 0, gid: 999, group: 'docker', mode: 0o140660 },
    engine: { state: 'ok', version: '20.10.24' },
    dockerdArgs: [],
    dockerdLog: '/home/u/.local/share/prodlike/dockerd.log',
    images: [{ image: 'debian:bookworm', profiles: ['shop-dev'], present: true }],
    ssh: [],
    disks: [{ path: '/var/lib/docker', freeBytes: 50 * GiB }],
    profileErrors: [],
    ...over,
  };
}

const check = (f: DoctorFacts, id: string) => decideChecks(f).find((d) => d.check.id === id)!;

describe('doctor: the Docker engine', () => {
  it('a healthy machine passes every check, and nothing is left to fix', () => {
    const decided = decideChecks(facts());
    expect(decided.map((d) => [d.check.id, d.check.status])).toEqual([
      ['docker-installed', 'ok'],
      ['docker-engine', 'ok'],
      ['image:debian:bookworm', 'ok'],
      ['disk-space', 'ok'],
    ]);
    expect(toReport(decided).ok).toBe(true);
    expect(fixable(decided)).toEqual([]);
  });

  it('a stopped engine under systemd is started with systemctl (sudo for a user who has it)', () => {
    const down = { engine: { state: 'down', message: 'ECONNREFUSED' } } as const;
    const d = check(facts(down), 'docker-engine');
    expect(d.check.status).toBe('fail');
    expect(d.check.detail).toContain('installed but not running');
    expect(d.check.fix).toEqual({ description: 'Start the Docker engine (systemd)', command: 'systemctl start docker', automatic: true });
    expect(d.action).toEqual({ kind: 'start-engine', how: 'systemctl', sudo: false, pidFiles: [] });
    const user = check(facts({ ...down, uid: 1000, user: 'ann', root: 'sudo' }), 'docker-engine');
    expect(user.check.fix!.command).toBe('sudo systemctl start docker');
    expect(user.action).toEqual({ kind: 'start-engine', how: 'systemctl', sudo: true, pidFiles: [] });
  });

  it('without systemd, dockerd is started in the background with its log in the data folder', () => {
    const d = check(facts({ systemd: false, engine: { state: 'down', message: 'ENOENT' }, socket: undefined }), 'docker-engine');
    expect(d.check.detail).toContain('there is no socket at /var/run/docker.sock');
    expect(d.check.fix!.command).toBe('/usr/sbin/dockerd >>/home/u/.local/share/prodlike/dockerd.log 2>&1 &');
    expect(d.action).toMatchObject({ how: 'dockerd', args: [], log: '/home/u/.local/share/prodlike/dockerd.log' });
  });

  it('an engine on another socket is started for that socket, with PRODLIKE_DOCKERD_ARGS, never through systemd', () => {
    const f = facts({ engineAddress: 'unix:///tmp/x/docker.sock', socketPath: '/tmp/x/docker.sock', defaultSocket: false, dockerdArgs: splitArgs(' --data-root /tmp/x/data  --bridge=none '), engine: { state: 'down', message: 'ENOENT' } });
    const s = engineStart(f)!;
    expect(s.action).toMatchObject({ how: 'dockerd', args: ['--host', 'unix:///tmp/x/docker.sock', '--data-root', '/tmp/x/data', '--bridge=none'] });
    expect(s.fix.command).toContain('/usr/sbin/dockerd --host unix:///tmp/x/docker.sock --data-root /tmp/x/data --bridge=none >>');
  });

  it('pid files a killed engine left are named, removed first by the fix command, and rechecked by the action', () => {
    const pidFiles = [
      { path: '/var/run/docker.pid', program: 'dockerd' as const },
      { path: '/var/run/docker/containerd/containerd.pid', program: 'containerd' as const },
    ];
    const stale = [
      { ...pidFiles[0]!, pid: 4045, holder: 'node' },
      { ...pidFiles[1]!, pid: 4052 },
    ];
    const down = { systemd: false, engine: { state: 'down', message: 'ENOENT' }, socket: undefined, enginePidFiles: pidFiles } as const;
    const d = check(facts({ ...down, stalePidFiles: stale }), 'docker-engine');
    expect(d.check.detail).toBe(
      'The Docker engine is installed but not running: there is no socket at /var/run/docker.sock. An engine that did not stop cleanly left pid files behind ' +
        '(/var/run/docker.pid names pid 4045, which is now `node`, not dockerd; /var/run/docker/containerd/containerd.pid names pid 4052, which is no longer running, not containerd); ' +
        'dockerd will not start while its pid file names a running process, so the fix removes them first',
    );
    expect(d.check.fix!.command).toBe('rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid && /usr/sbin/dockerd >>/home/u/.local/share/prodlike/dockerd.log 2>&1 &');
    expect(d.action).toMatchObject({ how: 'dockerd', pidFiles });
    // One file, a user with sudo, systemd: the same, in the singular and with sudo on both commands.
    const one = check(facts({ engine: { state: 'down', message: 'ECONNREFUSED' }, uid: 1000, user: 'ann', root: 'sudo', enginePidFiles: pidFiles, stalePidFiles: [stale[0]!] }), 'docker-engine');
    expect(one.check.detail).toMatch(/left a pid file behind \(\/var\/run\/docker\.pid names pid 4045, which is now `node`, not dockerd\); .* so the fix removes it first$/);
    expect(one.check.fix!.command).toBe('sudo rm -f /var/run/docker.pid && sudo systemctl start docker');
    expect(one.action).toEqual({ kind: 'start-engine', how: 'systemctl', sudo: true, pidFiles });
    // None stale: the command is only the start.
    expect(check(facts({ ...down }), 'docker-engine').check.fix!.command).toBe('/usr/sbin/dockerd >>/home/u/.local/share/prodlike/dockerd.log 2>&1 &');
  });

  it('names the engine that answers, and why it is the one used', () => {
    const d = check(facts({ engineAddress: 'ssh://me@box', engineWhy: 'context box (DOCKER_CONTEXT)', socketPath: undefined, defaultSocket: false }), 'docker-engine');
    expect(d.check.detail).toBe('Docker 20.10.24 at ssh://me@box, from context box (DOCKER_CONTEXT)');
    const p = check(facts({ engine: { state: 'ok', version: '4.3.1', product: 'Podman' }, engineAddress: 'unix:///tmp/podman.sock' }), 'docker-engine');
    expect(p.check.detail).toBe('Podman 4.3.1 at unix:///tmp/podman.sock');
  });

  it('a remote engine is not started from here', () => {
    const s = engineStart(facts({ engineAddress: 'tcp://10.0.0.5:2375', socketPath: undefined, defaultSocket: false }))!;
    expect(s.fix.automatic).toBe(false);
    expect(s.action).toBeUndefined();
  });

  it('a user without root or sudo gets the command to run, not an automatic fix', () => {
    const d = check(facts({ uid: 1000, user: 'ann', root: 'none', engine: { state: 'down', message: 'ECONNREFUSED' } }), 'docker-engine');
    expect(d.check.fix).toMatchObject({ command: 'sudo systemctl start docker', automatic: false });
    expect(d.action).toBeUndefined();
    // sudo that asks a password is usable only when someone can type it.
    expect(check(facts({ uid: 1000, user: 'ann', root: 'sudo-password', engine: { state: 'down', message: 'x' } }), 'docker-engine').action).toBeUndefined();
    expect(check(facts({ uid: 1000, user: 'ann', root: 'sudo-password', interactive: true, engine: { state: 'down', message: 'x' } }), 'docker-engine').action).toBeDefined();
  });

  it('no engine installed: install docker.io with apt where apt is there, then start it', () => {
    const f = facts({ bin: { aptGet: '/usr/bin/apt-get' }, systemd: false, socket: undefined, engine: { state: 'down', message: 'ENOENT' } });
    const inst = check(f, 'docker-installed');
    expect(inst.check.status).toBe('fail');
    expect(inst.check.fix!.command).toBe('apt-get update && apt-get install -y docker.io');
    expect(inst.action).toEqual({ kind: 'install-docker', sudo: false });
    expect(check(f, 'docker-engine').check.detail).toContain('install one first');
    expect(fixable(decideChecks(f)).map((d) => d.check.id)).toEqual(['docker-installed']);
    // No apt (another distribution): the way to install, by hand.
    const noApt = check(facts({ bin: {}, socket: undefined, engine: { state: 'down', message: 'ENOENT' } }), 'docker-installed');
    expect(noApt.check.fix!.automatic).toBe(false);
    expect(noApt.action).toBeUndefined();
  });

  it('a socket that refuses the user names the docker group fix and logging in again', () => {
    const f = facts({ uid: 1000, user: 'ann', processGids: [1000], engine: { state: 'denied', message: 'EACCES' } });
    const d = check(f, 'docker-engine');
    expect(d.check.status).toBe('fail');
    expect(d.check.detail).toContain('/var/run/docker.sock (root:docker mode 0660) refuses user ann');
    expect(d.check.fix).toEqual({ description: 'Add ann to the docker group, then log out and in again', command: 'sudo usermod -aG docker ann', automatic: false });
    expect(d.action).toBeUndefined();
  });

  it('a user already in the docker group whose session predates it is told to log in again', () => {
    const d = check(facts({ uid: 1000, user: 'ann', processGids: [1000], dockerGroup: { gid: 999, members: ['ann'] }, engine: { state: 'denied', message: 'EACCES' } }), 'docker-engine');
    expect(d.check.detail).toContain('is in the docker group already');
    expect(d.check.fix!.command).toBe('newgrp docker');
  });

  it('a socket of group root says the engine must give it to the docker group; no docker group: create it', () => {
    const d = check(facts({ uid: 65534, user: 'nobody', processGids: [65534], dockerGroup: undefined, socket: { path: '/var/run/docker.sock', uid: 0, gid: 0, group: 'root', mode: 0o140660 }, engine: { state: 'denied', message: 'EACCES' } }), 'docker-engine');
    expect(d.check.detail).toContain('(root:root mode 0660)');
    expect(d.check.detail).toContain('Its group is not docker');
    expect(d.check.fix!.command).toBe('sudo groupadd docker && sudo usermod -aG docker nobody');
  });
});

describe('doctor: base images', () => {
  const missing = (image: string, over: Partial<DoctorFacts> = {}) => check(facts({ images: [{ image, profiles: ['a', 'b'], present: false }], ...over }), `image:${image}`);

  it('a missing Debian image is pulled, or built with mmdebstrap where no registry answers', () => {
    const d = missing('debian:bookworm', { bin: { ...facts().bin, mmdebstrap: '/usr/bin/mmdebstrap' } });
    expect(d.check.status).toBe('fail');
    expect(d.check.detail).toBe('missing locally (used by a, b)');
    expect(d.check.fix!.command).toBe('docker pull debian:bookworm || { mmdebstrap --variant=apt --include=openssh-server,python3,procps,ca-certificates,sudo bookworm - | docker import - debian:bookworm; }');
    expect(d.action).toEqual({ kind: 'get-image', image: 'debian:bookworm', suite: 'bookworm', sudo: false, installMmdebstrap: false });
  });

  it('mmdebstrap is installed with apt first when missing; without root only the pull is tried', () => {
    expect(missing('debian:12').action).toMatchObject({ suite: 'bookworm', installMmdebstrap: true });
    expect(missing('debian:12').check.fix!.command).toContain('apt-get install -y mmdebstrap && mmdebstrap');
    expect(missing('debian:bookworm', { uid: 1000, root: 'none' }).action).toMatchObject({ suite: undefined });
  });

  it('another image is only pulled', () => {
    const d = missing('pl-doctor-test/img:xyz');
    expect(d.check.fix!.command).toBe('docker pull pl-doctor-test/img:xyz');
    expect(d.action).toEqual({ kind: 'get-image', image: 'pl-doctor-test/img:xyz', sudo: false, installMmdebstrap: false });
  });

  it('images are not judged while the engine does not answer', () => {
    const d = check(facts({ engine: { state: 'down', message: 'x' }, images: [{ image: 'debian:bookworm', profiles: ['a'] }] }), 'image:debian:bookworm');
    expect(d.check.status).toBe('warn');
    expect(d.action).toBeUndefined();
  });

  it('knows which image names mmdebstrap can build', () => {
    expect(debianSuiteFor('debian:bookworm')).toBe('bookworm');
    expect(debianSuiteFor('docker.io/library/debian:trixie')).toBe('trixie');
    expect(debianSuiteFor('debian:11')).toBe('bullseye');
    expect(debianSuiteFor('debian:bookworm-slim')).toBeUndefined();
    expect(debianSuiteFor('debian')).toBeUndefined();
    expect(debianSuiteFor('ubuntu:24.04')).toBeUndefined();
    expect(debianSuiteFor('myregistry/debian:bookworm')).toBeUndefined();
  });

  it('splits an image reference into repository and tag (a registry port is not a tag)', () => {
    expect(splitImageRef('debian:bookworm')).toEqual({ repo: 'debian', tag: 'bookworm' });
    expect(splitImageRef('localhost:5000/shop/web')).toEqual({ repo: 'localhost:5000/shop/web', tag: 'latest' });
    expect(splitImageRef('localhost:5000/shop/web:1.2')).toEqual({ repo: 'localhost:5000/shop/web', tag: '1.2' });
  });
});

describe('doctor: disk space and SSH keys', () => {
  it('fails under 2 GiB free, warns under 10 GiB, on the fullest of the disks', () => {
    const at = (...free: number[]) => check(facts({ disks: free.map((n, i) => ({ path: `/d${i}`, freeBytes: n })) }), 'disk-space').check.status;
    expect(at(50 * GiB)).toBe('ok');
    expect(at(50 * GiB, WARN_BYTES - 1)).toBe('warn');
    expect(at(WARN_BYTES)).toBe('ok');
    expect(at(FAIL_BYTES - 1, 50 * GiB)).toBe('fail');
    expect(at(FAIL_BYTES)).toBe('warn');
  });

  it("a remote engine's disk is not judged from here", () => {
    const d = check(facts({ engineAddress: 'tcp://10.0.0.5:2375', socketPath: undefined, defaultSocket: false, disks: [] }), 'disk-space');
    expect(d.check).toMatchObject({ status: 'ok', detail: 'not measured here: the engine at tcp://10.0.0.5:2375 is remote' });
  });

  it('SSH machines whose key is missing are a warning naming the key, the profiles and machines', () => {
    const ssh = [
      { profile: 'prod', machine: 'web-1', identity: '/home/ann/.ssh/prod', identityExists: false },
      { profile: 'prod', machine: 'db-1', identity: '/home/ann/.ssh/prod', identityExists: false },
      { profile: 'vms', machine: 'web', identity: '/home/ann/.ssh/id_ed25519', identityExists: true },
    ];
    const d = check(facts({ ssh }), 'ssh-keys');
    expect(d.check.status).toBe('warn');
    expect(d.check.detail).toBe('key /home/ann/.ssh/prod does not exist (prod: web-1, db-1)');
    expect(d.check.fix!.command).toContain('ssh-keygen -t ed25519 -f /home/ann/.ssh/prod');
    expect(toReport(decideChecks(facts({ ssh }))).ok).toBe(true);
  });

  it('SSH machines without a key need an agent', () => {
    const ssh = [{ profile: 'p', machine: 'm' }];
    expect(check(facts({ ssh }), 'ssh-keys').check).toMatchObject({ status: 'warn', fix: { command: 'eval "$(ssh-agent)" && ssh-add' } });
    expect(check(facts({ ssh, agentSocket: '/tmp/agent.sock' }), 'ssh-keys').check.status).toBe('ok');
    expect(check(facts(), 'ssh-keys')).toBeUndefined();
  });
});

describe('doctor for vm: machines', () => {
  it('has no VM checks when no profile has vm: machines', () => {
    expect(decideChecks(facts()).filter((d) => d.check.id.startsWith('vm:'))).toEqual([]);
  });
  it('shows each VM check: missing QEMU fails with the install command; plain emulation is a warning', () => {
    const d = decideChecks(facts({ vm: [
      { name: 'QEMU', ok: false, detail: 'qemu-system-x86_64 not found', hint: 'install QEMU (Debian/Ubuntu: apt install qemu-system-x86 qemu-utils cloud-image-utils; macOS: brew install qemu cdrtools)' },
      { name: 'acceleration', ok: true, warn: true, detail: 'none: plain emulation (TCG), slow' },
      { name: 'free disk', ok: true, detail: '40 GiB free' },
    ] }));
    const vm = d.filter((x) => x.check.id.startsWith('vm:')).map((x) => x.check);
    expect(vm.map((c) => [c.id, c.status])).toEqual([['vm:qemu', 'fail'], ['vm:acceleration', 'warn'], ['vm:free-disk', 'ok']]);
    expect(vm[0]!.fix).toMatchObject({ automatic: false, command: 'sudo apt-get install -y qemu-system-x86 qemu-utils cloud-image-utils' });
    expect(toReport(d).ok).toBe(false);
  });
});
