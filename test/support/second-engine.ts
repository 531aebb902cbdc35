// A Docker engine of a test's own (doctor's tests): its own socket, data and exec roots, pid file and
// network bridge, none of them shared with the machine's engine. Not started here: the test has
// doctor start it; stop() ends it by its pid file and removes what it used.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

export interface SecondEngine {
  dir: string;
  sock: string;
  /** What doctor passes to dockerd (PRODLIKE_DOCKERD_ARGS) for this engine. */
  dockerdArgs: string;
  stop(): Promise<void>;
}

export async function secondEngine(prefix: string): Promise<SecondEngine> {
  // Short: a unix socket's path has a limit of about 100 characters.
  const dir = await mkdtemp(`/tmp/${prefix}-`);
  // Never `--bridge=none`: a dockerd told that deletes the machine's docker0 on start.
  const bridge = `pltest${Math.random().toString(36).slice(2, 8)}`;
  execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  execFileSync('ip', ['link', 'set', bridge, 'up']);
  return {
    dir,
    sock: path.join(dir, 'docker.sock'),
    dockerdArgs: `--data-root ${dir}/data --exec-root ${dir}/exec --pidfile ${dir}/docker.pid --bridge=${bridge} --iptables=false`,
    async stop() {
      const pidFile = path.join(dir, 'docker.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8'));
        try {
          process.kill(pid, 'SIGTERM');
          for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
        } catch {
          // already gone
        }
      }
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      try {
        execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
}
