// A real Transport for tests: `docker exec -i <container> sh -c <script>` through the docker CLI, with
// stdin piped. It talks to the real Docker engine; nothing is mocked.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { ExecOptions, ExecResult, Transport } from '../../electron/engine/transport.js';

export class DockerCliTransport implements Transport {
  readonly target: string;
  /** `shell` runs the script (its last argument); tests pass busybox's sh to check portability. */
  constructor(readonly container: string, private readonly shell: string[] = ['sh', '-c']) {
    this.target = `docker ${container}`;
  }

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('docker', ['exec', '-i', this.container, ...this.shell, script], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timer: NodeJS.Timeout | undefined;
      child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; opts.onStdout?.(c); });
      child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; opts.onStderr?.(c); });
      child.on('error', reject);
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
      opts.signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
      child.stdin.on('error', () => { /* the command may exit without reading its stdin */ });
      child.stdin.end(opts.stdin ?? '');
    });
  }

  async close(): Promise<void> {}
}

/** Starts a throwaway container from a local image; call `remove` when done. */
export function startContainer(image = process.env.PRODLIKE_BASE_IMAGE ?? 'debian:bookworm'): { name: string; remove: () => void } {
  const name = `pl-res-test-${randomBytes(4).toString('hex')}`;
  const run = spawnSync('docker', ['run', '-d', '--init', '--name', name, image, 'sleep', 'infinity'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`docker run ${image} failed: ${run.stderr.trim()} (run scripts/ensure-docker.sh)`);
  return { name, remove: () => void spawnSync('docker', ['rm', '-f', name], { encoding: 'utf8' }) };
}

/** `docker exec` for independent checks in tests: stdout, trimmed; throws on a non-zero exit. */
export function dockerSh(container: string, script: string): string {
  const r = spawnSync('docker', ['exec', container, 'sh', '-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker exec failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/**
 * A throwaway container for one test file: started before its tests, removed after them. `t` is a
 * DockerCliTransport to it (with `shell` as its sh), `sh` an independent `docker exec` check.
 */
export function useContainer(opts: { shell?: string[]; setup?: (sh: (script: string) => string) => void } = {}): { t: Transport; sh: (script: string) => string } {
  let box: { name: string; remove: () => void } | undefined;
  let real: DockerCliTransport | undefined;
  const sh = (script: string) => dockerSh(box!.name, script);
  beforeAll(() => {
    box = startContainer();
    opts.setup?.(sh);
    real = new DockerCliTransport(box.name, opts.shell);
  });
  afterAll(() => box?.remove());
  const t: Transport = {
    get target() {
      return real!.target;
    },
    exec: (script, o) => real!.exec(script, o),
    close: () => real!.close(),
  };
  return { t, sh };
}
