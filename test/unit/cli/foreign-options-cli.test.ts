// Options a command does not read, typed at the built CLI as a user would: a usage error (exit 1, as for
// words it does not take) before the agent or any engine is asked anything, so nothing runs. No engine
// is needed: DOCKER_HOST points nowhere, and the data folder stays empty (a run, even one that fails at
// once, is recorded there).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, workspace, type Workspace } from '../../support/cli.js';

let ws: Workspace;
let file: string;
const NOWHERE = { DOCKER_HOST: 'unix:///nonexistent/prodlike-test/docker.sock', DOCKER_CONTEXT: '', CI: '1' };

beforeAll(async () => {
  // The built bundle, from these sources (as test/integration/support/global-setup.ts does).
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--quiet', '--only=cli'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the CLI failed:\n${r.stderr}`);
  ws = await workspace();
  file = await ws.write('profiles/shop.yaml', 'name: pl-unit-foreign\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n');
}, 120_000);

// What the command wrote to its data folder (the workspace's own settings.json is there from the start).
const dataWritten = () => (existsSync(ws.dataDir) ? readdirSync(ws.dataDir, { recursive: true }).filter((f) => f !== 'settings.json') : []);

describe('options a command does not take, at the CLI', () => {
  it.each([
    [['up', 'PROFILE', '--push', '127.0.0.1:5000/x'], "up does not take --push (it is bake's: prodlike bake <profile> --push <registry>/<repo>)", 'prodlike up <profile> [--from-plan <run>] [--no-cache] [--wait] [--i-know-this-is-production]'],
    [['down', 'PROFILE', '--no-cache'], 'down does not take --no-cache (it is for up and use: prodlike up <profile> --no-cache)', 'prodlike down <profile> [--wait]'],
    [['validate', 'PROFILE', '--volumes'], "validate does not take --volumes (it is destroy's: prodlike destroy <profile> --volumes)", 'prodlike validate <profile>'],
    [['drift', '--every', '15m', 'PROFILE', '--junit', 'd.xml'], "drift --every does not take --junit (it is drift's: prodlike drift <profile> --junit <file>)", 'prodlike drift --every <interval> <profile> [--against <baseline>]'],
  ])('%j: a usage error, nothing run', async (args, message, hint) => {
    const r = await ws.run(args.map((a) => (a === 'PROFILE' ? file : a)), { env: NOWHERE });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(`error: ${message}\n  → ${hint}\n`);
    expect(r.stdout).toBe('');
    expect(dataWritten()).toEqual([]);
  });

  it('with --json: the error as one JSON document on stdout', async () => {
    const r = await ws.run(['use', file, '--plan', '--no-rollback', '--json'], { env: NOWHERE });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      error: { message: "use --plan does not take --no-rollback (it is use's: prodlike use <profile> --no-rollback)", hint: 'prodlike use <profile> --plan [--i-know-this-is-production]' },
    });
    expect(dataWritten()).toEqual([]);
  });

  it('cache prune --older-than 0m: a usage error that says to use --all', async () => {
    const r = await ws.run(['cache', 'prune', '--older-than', '0m'], { env: NOWHERE });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: --older-than 0m is every cached state: use --all for that\n  → prodlike cache prune --all, or an age above zero: --older-than 7d\n');
    expect(dataWritten()).toEqual([]);
  });

  it('the global options and the command’s own still pass', async () => {
    const r = await ws.run(['validate', file, '--verbose', '--debug', '--no-agent'], { env: NOWHERE });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: pl-unit-foreign/);
  });
});
