// Runs the real `prodlike` command (the built bundle, as a user would) and the docker CLI, for
// integration tests that check Prodlike's results independently of Prodlike.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'prodlike.mjs');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Workspace {
  dir: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Writes a profile file (relative to the workspace) and returns its absolute path. */
  write(rel: string, text: string): Promise<string>;
  run(args: string[], opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliRun>;
  /**
   * The CLI with stdin and stdout on a pseudo-terminal (util-linux `script`), `answer` typed at each
   * "[y/N]" as a person would (the terminal echoes it). stdout is the terminal's (stderr included), without
   * its carriage returns; stderr is empty.
   */
  atTerminal(args: string[], answer: string, opts?: { env?: NodeJS.ProcessEnv }): Promise<CliRun>;
  /** Starts the CLI without waiting (for kill tests). */
  spawn(args: string[], opts?: { env?: NodeJS.ProcessEnv }): ReturnType<typeof spawn>;
}

export async function workspace(): Promise<Workspace> {
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.mjs'))) throw new Error('the CLI is not built: run `npm run build` first');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-ws-'));
  const dataDir = path.join(dir, '.data');
  await mkdir(path.join(dir, 'profiles'), { recursive: true });
  // The environment cache is off unless a test is about it (test/integration/cache): the other tests'
  // machines would fill the engine with cached images and time commits they do not test.
  // No background agent either (test/integration/cli/agent.test.ts is about it): a run would start one per
  // workspace, which would outlive the test.
  const env = { ...process.env, PRODLIKE_DATA_DIR: dataDir, NO_COLOR: '1', FORCE_COLOR: '0', PRODLIKE_NO_CACHE: '1', PRODLIKE_NO_AGENT: '1' };
  // The size cap is engine-wide: with the default 20 GB, a cache test's `up` on a developer's engine that
  // holds more (their own cap raised in their settings) would evict their least recently used states. The
  // largest cap the settings take, so that no test's run evicts anything; the cap's own tests give theirs.
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, 'settings.json'), JSON.stringify({ cacheMaxGb: 100_000 }));
  return {
    dir,
    dataDir,
    env,
    async write(rel, text) {
      const file = path.join(dir, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
      return file;
    },
    run(args, opts = {}) {
      const t = Date.now();
      return new Promise((resolve) => {
        execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...env, ...opts.env }, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
          resolve({ code, stdout, stderr, ms: Date.now() - t });
        });
      });
    },
    atTerminal(args, answer, opts = {}) {
      const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
      const t = Date.now();
      return new Promise((resolve, reject) => {
        // -e: script exits with the command's code; -q: no "Script started" lines; /dev/null: no typescript file.
        const child = spawn('script', ['-qec', [process.execPath, BIN, ...args].map(quote).join(' '), '/dev/null'], { cwd: dir, env: { ...env, TERM: 'dumb', ...opts.env } });
        let out = '';
        let asked = 0;
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          for (const n = out.split('[y/N]').length - 1; asked < n; asked++) child.stdin.write(answer);
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          child.stdin.destroy();
          resolve({ code: code ?? 1, stdout: out.replace(/\r/g, ''), stderr: '', ms: Date.now() - t });
        });
      });
    },
    spawn(args, opts = {}) {
      return spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}

/**
 * Whether the Docker engine is the tests' own (`.ci/run` says so: PRODLIKE_TESTS_OWN_ENGINE=1), so that a
 * test may empty its whole cache. On a developer's engine `cache prune --all` would remove the cached
 * states of their own profiles too: the tests that run it are skipped there, and `skippedOnSharedEngine`
 * says why.
 */
const OWN_ENGINE = process.env.PRODLIKE_TESTS_OWN_ENGINE === '1';
export function skippedOnSharedEngine(what: string, why = "it empties the Docker engine's whole cache"): boolean {
  if (!OWN_ENGINE) console.log(`${what} skipped: ${why}, and this engine is not the tests' own (PRODLIKE_TESTS_OWN_ENGINE=1, as .ci/run sets it)`);
  return !OWN_ENGINE;
}

// The docker CLI: an independent look at what Prodlike did.
export { containerIdOf, containerNames, docker, dockerTry, dockerExec as exec, purgeProfile as purge, removeCacheImages } from './docker.js';

/** The texts of the run's log events, from `--json` output. */
export const logLines = (r: CliRun): string[] =>
  r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"type":"log"'))
    .map((l) => JSON.parse(l).text as string);

export const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 7)}`;

/**
 * A small two-machine profile the CLI tests switch between: `one` publishes `port` and names its
 * profile in /etc/profile-name; `extra` adds resources to `one`, `more` to `two`.
 */
export const twoMachineProfile = (name: string, port: number, extra = '', more = '') => `
name: ${name}
machines:
  one:
    docker: { image: debian:bookworm, ports: ["${port}:80"] }
    resources:
      - file: /etc/profile-name
        content: "${name}\\n"
${extra}
  two:
    docker: { image: debian:bookworm }
    resources:
      - directory: /srv/two
${more}`;
