import { describe, expect, it } from 'vitest';
import { describeStale, enginePidFiles, stalePidFiles, type PidReader } from '../../../../electron/engine/doctor/pid-files.js';

/** A file system of a few files: path → text. */
const fsOf = (files: Record<string, string>): PidReader => ({ read: (f) => files[f] });

describe('doctor: the pid files an engine writes', () => {
  it('by default: /var/run/docker.pid and containerd\'s under /var/run/docker', () => {
    expect(enginePidFiles([], undefined)).toEqual([
      { path: '/var/run/docker.pid', program: 'dockerd' },
      { path: '/var/run/docker/containerd/containerd.pid', program: 'containerd' },
    ]);
  });

  it('--pidfile (also -p and --pidfile=) and --exec-root move them; an own --containerd has no pid file of ours', () => {
    expect(enginePidFiles(['--data-root', '/d', '--exec-root', '/x/exec/', '--pidfile', '/x/d.pid'], undefined)).toEqual([
      { path: '/x/d.pid', program: 'dockerd' },
      { path: '/x/exec/containerd/containerd.pid', program: 'containerd' },
    ]);
    expect(enginePidFiles(['-p', '/y.pid', '--exec-root=/e'], undefined).map((f) => f.path)).toEqual(['/y.pid', '/e/containerd/containerd.pid']);
    expect(enginePidFiles(['--pidfile=/z.pid', '--containerd', '/run/containerd/containerd.sock'], undefined)).toEqual([{ path: '/z.pid', program: 'dockerd' }]);
  });

  it('daemon.json sets them where the arguments do not; a broken daemon.json is left to dockerd to report', () => {
    const json = JSON.stringify({ pidfile: '/j/docker.pid', 'exec-root': '/j/exec' });
    expect(enginePidFiles([], json).map((f) => f.path)).toEqual(['/j/docker.pid', '/j/exec/containerd/containerd.pid']);
    expect(enginePidFiles(['--pidfile', '/a.pid'], json).map((f) => f.path)).toEqual(['/a.pid', '/j/exec/containerd/containerd.pid']);
    expect(enginePidFiles([], JSON.stringify({ containerd: '/run/c.sock' })).map((f) => f.program)).toEqual(['dockerd']);
    expect(enginePidFiles([], '{ not json').map((f) => f.path)).toEqual(['/var/run/docker.pid', '/var/run/docker/containerd/containerd.pid']);
  });
});

describe('doctor: stale pid files', () => {
  const files = enginePidFiles([], undefined);

  it('a pid now another program\'s, or nobody\'s, is stale; a live dockerd or containerd is not', () => {
    const io = fsOf({
      '/var/run/docker.pid': '4045\n',
      '/proc/4045/comm': 'node\n',
      '/var/run/docker/containerd/containerd.pid': '4052',
    });
    const stale = stalePidFiles(files, io);
    expect(stale).toEqual([
      { path: '/var/run/docker.pid', program: 'dockerd', pid: 4045, holder: 'node' },
      { path: '/var/run/docker/containerd/containerd.pid', program: 'containerd', pid: 4052 },
    ]);
    expect(stale.map(describeStale)).toEqual([
      '/var/run/docker.pid names pid 4045, which is now `node`, not dockerd',
      '/var/run/docker/containerd/containerd.pid names pid 4052, which is no longer running, not containerd',
    ]);
    const running = fsOf({
      '/var/run/docker.pid': '700',
      '/proc/700/comm': 'dockerd\n',
      '/var/run/docker/containerd/containerd.pid': '701',
      '/proc/701/comm': 'containerd\n',
    });
    expect(stalePidFiles(files, running)).toEqual([]);
  });

  it('a dockerd that has exited but is not reaped (a zombie) runs no more: its file is stale', () => {
    const io = fsOf({ '/var/run/docker.pid': '8058', '/proc/8058/comm': 'dockerd\n', '/proc/8058/stat': '8058 (dockerd) Z 1 8058 8058 0 -1 4227084 0 0' });
    expect(stalePidFiles(files, io)).toEqual([{ path: '/var/run/docker.pid', program: 'dockerd', pid: 8058 }]);
    const live = fsOf({ '/var/run/docker.pid': '8058', '/proc/8058/comm': 'dockerd\n', '/proc/8058/stat': '8058 (dockerd) S 1 8058 8058 0 -1 4227328 0 0' });
    expect(stalePidFiles(files, live)).toEqual([]);
  });

  it('no file, or one that holds no pid, is not touched', () => {
    expect(stalePidFiles(files, fsOf({}))).toEqual([]);
    expect(stalePidFiles(files, fsOf({ '/var/run/docker.pid': '', '/var/run/docker/containerd/containerd.pid': 'x1' }))).toEqual([]);
    expect(stalePidFiles(files, fsOf({ '/var/run/docker.pid': '-3', '/var/run/docker/containerd/containerd.pid': '0' }))).toEqual([]);
  });

  it('the program is matched exactly: a dockerd pid file naming containerd is stale', () => {
    const io = fsOf({ '/var/run/docker.pid': '9', '/proc/9/comm': 'containerd' });
    expect(stalePidFiles(files, io)).toEqual([{ path: '/var/run/docker.pid', program: 'dockerd', pid: 9, holder: 'containerd' }]);
  });
});
