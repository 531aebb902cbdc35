// Pid files an engine that did not stop cleanly leaves behind. dockerd refuses to start while its pid
// file names a live process ("pid file found, ensure docker is not running or delete /var/run/docker.pid"),
// and it takes a live pid in containerd's pid file for its containerd. After a kill or a machine restored
// from a snapshot, /var/run keeps both files and the pids in them are soon another program's: the engine
// then cannot start until someone deletes them. Doctor names such a file, and its fix removes it just before
// it starts the engine — only when the process the file names is not the program that wrote it.
// Pure: gather.ts and fixes.ts pass the file system's reader (fsReader), the tests their own.

import type { ConfigReader } from '../backends/docker/engine-context.js';
import { exitedStat } from '../state/process.js';

export type PidProgram = 'dockerd' | 'containerd';

export interface PidFile {
  path: string;
  program: PidProgram;
}

export interface StalePidFile extends PidFile {
  pid: number;
  /** The program that has that pid now (its /proc/<pid>/comm); undefined: no process has it. */
  holder?: string;
}

/** A file's text, undefined when it cannot be read. */
export type PidReader = Pick<ConfigReader, 'read'>;

const DEFAULT_PIDFILE = '/var/run/docker.pid';
const DEFAULT_EXEC_ROOT = '/var/run/docker';

/** A flag's value in dockerd's arguments: "--pidfile x", "--pidfile=x", or the short form "-p x". */
function flag(args: string[], long: string, short?: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === long || (short && a === short)) value = args[++i];
    else if (a.startsWith(`${long}=`)) value = a.slice(long.length + 1);
  }
  return value;
}

/**
 * The pid files the engine started with these arguments writes: its own (--pidfile) and, unless it is
 * pointed at a containerd of its own (--containerd), its containerd's under the exec root. The arguments
 * win over /etc/docker/daemon.json ("pidfile", "exec-root", "containerd"), which wins over the defaults.
 */
export function enginePidFiles(args: string[], daemonJson: string | undefined): PidFile[] {
  let config: Record<string, unknown> = {};
  try {
    const parsed: unknown = daemonJson ? JSON.parse(daemonJson) : {};
    if (parsed && typeof parsed === 'object') config = parsed as Record<string, unknown>;
  } catch {
    // dockerd itself reports a broken daemon.json, in its log, when it starts.
  }
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const pidfile = flag(args, '--pidfile', '-p') ?? str(config.pidfile) ?? DEFAULT_PIDFILE;
  const execRoot = flag(args, '--exec-root') ?? str(config['exec-root']) ?? DEFAULT_EXEC_ROOT;
  const ownContainerd = flag(args, '--containerd') ?? str(config.containerd);
  const files: PidFile[] = [{ path: pidfile, program: 'dockerd' }];
  if (!ownContainerd) files.push({ path: `${execRoot.replace(/\/+$/, '')}/containerd/containerd.pid`, program: 'containerd' });
  return files;
}

/**
 * Of these pid files, those that exist and name a pid that is not their program's: no process has it, or
 * another program does. A file naming a live dockerd (or containerd) is not stale: that engine runs.
 */
export function stalePidFiles(files: PidFile[], io: PidReader): StalePidFile[] {
  const out: StalePidFile[] = [];
  for (const f of files) {
    const text = io.read(f.path);
    if (text === undefined) continue;
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) continue; // not a pid: dockerd ignores such a file too
    // A process that has exited but is not reaped yet (a zombie) runs no more, as processAlive says; its
    // /proc entry still stops dockerd starting.
    const exited = exitedStat(io.read(`/proc/${pid}/stat`) ?? '');
    const holder = exited ? undefined : io.read(`/proc/${pid}/comm`)?.trim();
    if (holder === f.program) continue;
    out.push({ ...f, pid, ...(holder ? { holder } : {}) });
  }
  return out;
}

/** "/var/run/docker.pid names pid 4045, which is now `node`, not dockerd". */
export function describeStale(s: StalePidFile): string {
  return `${s.path} names pid ${s.pid}, which is ${s.holder ? `now \`${s.holder}\`` : 'no longer running'}, not ${s.program}`;
}
