// Processes started by an exec, found by the environment mark each of them inherits, and execs run to
// their end. Docker's exec API cannot signal what it started, and does not end it when its connection
// closes: a second exec finds the processes and signals them.

import type Docker from 'dockerode';

/**
 * A shell snippet that sets `t` to the PIDs of the processes marked `name=mark` and of all their
 * descendants, each with a space on either side (`t` is ' ' when there are none). A process that
 * changed its user (apt-get's downloads, `runuser`, `setpriv`) keeps the mark in an environ that only
 * a tracer may read, which root in a container is not: it is found through its parent, which
 * /proc/PID/stat gives anyone.
 */
export function markedTree(name: string, mark: string): string {
  return (
    `t=' '; for d in /proc/[0-9]*; do grep -q '${name}=${mark}' "$d/environ" 2>/dev/null && t="$t\${d#/proc/} "; done; ` +
    `c=1; while [ "$t" != ' ' ] && [ $c = 1 ]; do c=0; for d in /proc/[0-9]*; do p=\${d#/proc/}; ` +
    `case "$t" in *" $p "*) continue ;; esac; read -r s 2>/dev/null < "$d/stat" || continue; set -- \${s##*) }; ` +
    `case "$t" in *" $2 "*) t="$t$p "; c=1 ;; esac; done; done`
  );
}

/** Kills the marked processes and their descendants: stopped first, so that none forks one more unseen. */
export function killMarkedScript(name: string, mark: string): string {
  const tree = markedTree(name, mark);
  return `${tree}; [ "$t" = ' ' ] && exit 0; kill -STOP $t 2>/dev/null; ${tree}; kill -9 $t 2>/dev/null; true`;
}

/**
 * Runs a command in the container (as `user`, else the container's) and waits for it to end; its
 * output is read and dropped. Its exit code. Attached and read to its end: a detached start leaves the
 * engine's connection open, which keeps this process alive after its work is done.
 */
export async function runToEnd(container: Docker.Container, cmd: string[], user?: string): Promise<number | null> {
  const exec = await container.exec({ Cmd: cmd, ...(user ? { User: user } : {}), AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: false, Detach: false, Tty: false })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('error', () => resolve());
    stream.on('close', resolve);
    stream.resume();
  });
  return (await exec.inspect()).ExitCode;
}

/** runToEnd in the container of that ID. */
export function execToEnd(docker: Docker, containerId: string, cmd: string[]): Promise<number | null> {
  return runToEnd(docker.getContainer(containerId), cmd);
}
