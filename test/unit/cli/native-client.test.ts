// The native client and the agent's side of it: the client finds the agent's socket where paths.ts puts
// it (compiled here from electron/cli/native/client.c), and the agent takes exactly the runs that the
// Node CLI would hand to an agent and render the same way.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientColors, servedRun } from '../../../electron/cli/served-cli.js';
import { agentPaths } from '../../../electron/engine/agent/paths.js';
import { cliFrame } from '../../../electron/engine/agent/protocol.js';
import { defaultDataDir } from '../../../electron/engine/state/data-dir.js';

const SOURCE = path.resolve(__dirname, '../../../electron/cli/native/client.c');
let dir = '';
let client = '';
let noCompiler = '';

beforeAll(() => {
  if (process.platform !== 'linux') {
    noCompiler = 'the native client is built on Linux only';
    return;
  }
  dir = mkdtempSync(path.join(os.tmpdir(), 'pl-native-'));
  client = path.join(dir, 'prodlike-client');
  const r = spawnSync(process.env.CC || 'cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', client, SOURCE], { encoding: 'utf8' });
  if (r.error) noCompiler = `no C compiler (${r.error.message}): the build skips the native client too`;
  else if (r.status !== 0) throw new Error(`client.c does not compile:\n${r.stderr}`);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The socket the native client would connect to, under exactly this environment (undefined: it leaves it to Node). */
function clientSocket(env: Record<string, string>, cwd = '/'): string | undefined {
  const r = spawnSync(client, ['up', 'x'], { env: { ...env, PRODLIKE_CLIENT_PRINT_SOCKET: '1' }, cwd, encoding: 'utf8' });
  if (r.status === 3) return undefined;
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** paths.ts under that environment: the CLI's env is its process's (os.homedir and os.tmpdir read it). */
const nodeSocket = (env: Record<string, string>, cwd = '/') => {
  // Keys set and deleted one by one: that reaches the C environment, which os.homedir and os.tmpdir read.
  const prev = { cwd: process.cwd(), env: { ...process.env } };
  const replace = (next: NodeJS.ProcessEnv) => {
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, next);
  };
  process.chdir(cwd);
  replace(env);
  try {
    return agentPaths(defaultDataDir(process.env), process.env).socket;
  } finally {
    replace(prev.env);
    process.chdir(prev.cwd);
  }
};

describe('the native client finds the agent where paths.ts puts it', () => {
  const home = '/home/ada';
  const cases: [string, Record<string, string>, string?][] = [
    ['HOME only', { HOME: home }],
    ['XDG_DATA_HOME', { HOME: home, XDG_DATA_HOME: '/var/lib/data/' }],
    ['XDG_RUNTIME_DIR first', { HOME: home, XDG_RUNTIME_DIR: '/run/user/1000' }],
    ['an empty XDG_RUNTIME_DIR is unset', { HOME: home, XDG_RUNTIME_DIR: '' }],
    ['PRODLIKE_DATA_DIR, absolute with dots and slashes', { HOME: home, PRODLIKE_DATA_DIR: '/srv//a/./b/../c/' }],
    ['PRODLIKE_DATA_DIR, relative to the folder', { HOME: home, PRODLIKE_DATA_DIR: 'data/../pl' }, '/tmp'],
    ['a data folder too long for a socket: the temp folder', { HOME: home, PRODLIKE_DATA_DIR: '/d/' + 'x'.repeat(90), TMPDIR: '/scratch/' }],
    ['... and TMP when TMPDIR is not set', { HOME: home, PRODLIKE_DATA_DIR: '/d/' + 'y'.repeat(90), TMP: '/t2' }],
  ];
  for (const [name, env, cwd] of cases) {
    it(name, (ctx) => {
      if (noCompiler) ctx.skip(noCompiler);
      expect(clientSocket(env, cwd)).toBe(nodeSocket(env, cwd));
    });
  }
  it('a path that is not ASCII is left to the Node CLI', (ctx) => {
    if (noCompiler) ctx.skip(noCompiler);
    expect(clientSocket({ HOME: home, PRODLIKE_DATA_DIR: '/srv/données' })).toBeUndefined();
  });
  it('without an agent, the command is the Node CLI (here PRODLIKE_NODE, to see it)', (ctx) => {
    if (noCompiler) ctx.skip(noCompiler);
    const env = { HOME: dir, PRODLIKE_DATA_DIR: path.join(dir, 'none'), PRODLIKE_NODE: '/bin/echo', PATH: process.env.PATH ?? '' };
    expect(execFileSync(client, ['up', 'shop/dev', '--json'], { env, encoding: 'utf8' }).trim()).toBe(`${path.join(dir, 'main.mjs')} up shop/dev --json`);
    // Not a run, or the user said no: Node without looking for an agent.
    expect(execFileSync(client, ['--version'], { env, encoding: 'utf8' }).trim()).toBe(`${path.join(dir, 'main.mjs')} --version`);
    expect(execFileSync(client, ['up', 'x'], { env: { ...env, PRODLIKE_NO_AGENT: '1' }, encoding: 'utf8' }).trim()).toBe(`${path.join(dir, 'main.mjs')} up x`);
  });
});

describe('which commands the agent serves for the native client', () => {
  const env = { NO_COLOR: '1' };
  const served = (argv: string[], e: Record<string, string> = env) => servedRun({ argv, env: e });
  it('a run with a profile, as the Node CLI would hand it to an agent', () => {
    expect(served(['up', 'shop/dev', '--json'])).toEqual({ kind: 'up', file: 'shop/dev', flags: { json: true } });
    expect(served(['--verbose', 'drift', 'p.yaml', '--against', 'b.yaml'])).toMatchObject({ kind: 'drift', file: 'p.yaml', flags: { verbose: true, against: 'b.yaml' } });
  });
  it('everything else goes back to the Node CLI', () => {
    for (const argv of [['list'], ['status', 'x'], ['use', 'x', '--plan'], ['up'], ['up', 'x', '--no-agent'], ['drift', '--every', '5m', 'x'], ['up', 'x', '--help'], ['up', 'x', '--nosuchflag'], ['agent', 'status']]) {
      expect(served(argv), argv.join(' ')).toHaveProperty('why');
    }
    expect(served(['up', 'x'], { PRODLIKE_NO_AGENT: '1', NO_COLOR: '1' })).toHaveProperty('why');
  });
  it('whatever the client’s colours (they are decided per run, see served-cli.test.ts)', () => {
    for (const e of [{}, { FORCE_COLOR: '1' }, { NO_COLOR: '1' }, { TERM: 'dumb' }] as Record<string, string>[]) expect(served(['up', 'x'], e)).toMatchObject({ kind: 'up' });
  });
  it('colours as picocolors decides them: NO_COLOR wins, then FORCE_COLOR, a terminal that is not dumb, or CI', () => {
    expect(clientColors({}, false)).toBe(false);
    expect(clientColors({}, true)).toBe(true);
    expect(clientColors({ TERM: 'dumb' }, true)).toBe(false);
    expect(clientColors({ FORCE_COLOR: '0' }, false)).toBe(true);
    expect(clientColors({ CI: 'true' }, false)).toBe(true);
    expect(clientColors({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
  });
});

describe('frames to the native client', () => {
  it('a type byte, a big-endian length in bytes (not characters), the UTF-8 payload', () => {
    const f = cliFrame('o', 'é\n');
    expect([...f.subarray(0, 5)]).toEqual([0x6f, 0, 0, 0, 3]);
    expect(f.subarray(5).toString('utf8')).toBe('é\n');
    expect(cliFrame('x', '').length).toBe(5);
  });
});
