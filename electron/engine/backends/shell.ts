// An interactive shell on a machine, for the app's terminal. Docker machines get `docker exec` with a
// TTY (bash when the image has it, else sh); SSH machines get a shell channel on a connection whose
// host key was verified like every other (same pool, same trusted keys).
// Node only: the host layer wires a session's output to the renderer.

import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import type { SshMachineSpec } from '../../../shared/profile.js';
import type { SshConnectionPool } from './ssh/connection.js';
import { sshTarget } from './ssh/transport.js';
import { markedTree, runToEnd } from './docker/marked.js';

export interface ShellSession {
  write(data: string): void;
  resize(cols: number, rows: number): Promise<void>;
  close(): void;
}

export interface ShellCallbacks {
  onData(data: string): void;
  /** Called once, with the shell's exit code (-1 when it is unknown). */
  onExit(code: number): void;
}

// Prefer bash for line editing; an image without it still gets a working sh.
const SHELL_CMD = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi'];

/** Marks every process of one shell (children inherit it), so closing can end them all. */
const SHELL_MARK = 'PRODLIKE_SHELL_ID';

/**
 * Ends a shell's processes in the container, and what they started: HUP (as a terminal's hang-up), then
 * KILL what is left a second later (the PIDs found before the HUP too: a child that changed its user is
 * found through its parent, gone by then). Docker does not end an exec when its connection closes, and
 * EOF means nothing to a shell on a TTY: without this every closed terminal left a `bash -l` behind.
 */
function endMarked(container: Docker.Container, mark: string): Promise<void> {
  const tree = markedTree(SHELL_MARK, mark);
  const script = `${tree}; [ "$t" = ' ' ] && exit 0; u=$t; kill -HUP $t 2>/dev/null; sleep 1; ${tree}; kill -9 $u $t 2>/dev/null; true`;
  return runToEnd(container, ['sh', '-c', script], 'root').then(
    () => undefined,
    () => undefined, // the container may be gone, which ended the shell too
  );
}

export async function openDockerShell(
  docker: Docker,
  containerId: string,
  size: { cols: number; rows: number },
  cb: ShellCallbacks,
): Promise<ShellSession> {
  const mark = randomBytes(8).toString('hex');
  const container = docker.getContainer(containerId);
  const exec = await container.exec({
    Cmd: SHELL_CMD,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    Env: ['TERM=xterm-256color', `COLUMNS=${size.cols}`, `LINES=${size.rows}`, `${SHELL_MARK}=${mark}`],
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  // With a TTY, Docker sends one raw stream (no stdout/stderr multiplexing header).
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => cb.onData(chunk));
  let exited = false;
  const finish = () => {
    if (exited) return;
    exited = true;
    exec.inspect().then(
      (info) => cb.onExit(typeof info.ExitCode === 'number' ? info.ExitCode : -1),
      () => cb.onExit(-1),
    );
  };
  stream.on('end', finish);
  stream.on('close', finish);
  stream.on('error', finish);
  // The exec exists only once started, so the first resize comes after start.
  await exec.resize({ h: size.rows, w: size.cols }).catch(() => undefined);
  return {
    write: (data) => {
      if (!exited) stream.write(data);
    },
    resize: async (cols, rows) => {
      if (!exited) await exec.resize({ h: rows, w: cols }).catch(() => undefined);
    },
    close: () => {
      // The shell and whatever it started end on the machine; then the connection goes.
      void endMarked(container, mark).finally(() => stream.destroy());
      setTimeout(() => stream.destroy(), 3000).unref();
    },
  };
}

export async function openSshShell(
  pool: SshConnectionPool,
  spec: SshMachineSpec,
  size: { cols: number; rows: number },
  cb: ShellCallbacks,
): Promise<ShellSession> {
  const target = sshTarget(spec);
  const conn = await pool.get(target);
  const stream = await new Promise<import('ssh2').ClientChannel>((resolve, reject) =>
    conn.client.shell({ term: 'xterm-256color', cols: size.cols, rows: size.rows }, (err, ch) => (err ? reject(err) : resolve(ch))),
  );
  let exited = false;
  let code = -1;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => cb.onData(chunk));
  stream.stderr.on('data', (chunk: Buffer) => cb.onData(chunk.toString('utf8')));
  stream.on('exit', (c: number | null) => {
    if (typeof c === 'number') code = c;
  });
  stream.on('close', () => {
    if (exited) return;
    exited = true;
    cb.onExit(code);
    // The pool is the shell's own (a jump host's connection included): close all of it.
    void pool.close();
  });
  return {
    write: (data) => {
      if (!exited) stream.write(data);
    },
    resize: async (cols, rows) => {
      if (!exited) stream.setWindow(rows, cols, 0, 0);
    },
    close: () => {
      stream.end();
      setTimeout(() => stream.destroy(), 500).unref();
    },
  };
}
