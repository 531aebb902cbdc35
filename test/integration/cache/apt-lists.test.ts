// apt's package lists kept between runs (apt-lists.ts): a fresh container of the same base image gets
// them before its first package step, and `apt-get update` still runs over them, so the machine ends
// with the lists the mirror serves now. Checked independently of Prodlike: the lists in the saved state
// against a fresh container's own fetch (a stray one is gone), and apt itself, which finds nothing to
// fetch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTry, exec, purge, unique, workspace, type CliRun, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-aptlists');
const CONTAINER = `${NAME}-m`;
const ENV = { PRODLIKE_NO_CACHE: '' };

// A package after the file: the lists stay in the machine (a save drops them only when none follows).
const profile = (run: string) => `name: ${NAME}
machines:
  m:
    docker: { image: debian:bookworm, env: { TEST_RUN: "${run}" } }
    resources:
      - package: tree
      - file: /etc/marker
        content: "x\\n"
      - package: file
`;

let ws: Workspace;
let file: string;
const store = () => path.join(ws.dataDir, 'cache', 'apt-lists');
const tars = () => readdirSync(store()).filter((n) => n.endsWith('.tar'));
const logText = (r: CliRun) =>
  r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"type":"log"'))
    .map((l) => JSON.parse(l).text as string)
    .join('\n');
const up = async (run: string): Promise<CliRun> => {
  file = await ws.write('profiles/apt.yaml', profile(run));
  await ws.run(['destroy', file, '--volumes'], { env: ENV });
  return ws.run(['up', file, '--json'], { env: ENV });
};

beforeAll(async () => {
  ws = await workspace();
});

afterAll(() => {
  purge(NAME);
  const images = docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '-q');
  if (images) dockerTry('rmi', '-f', ...new Set(images.split('\n')));
});

describe('apt lists kept between runs', () => {
  it('are kept after a first fetch, put into the next fresh container and brought up to date there', { timeout: 300_000 }, async () => {
    const first = await up(`a${Math.random()}`);
    expect(first.code, first.stderr).toBe(0);
    expect(logText(first)).not.toMatch(/apt lists from an earlier fetch/);
    expect(tars()).toHaveLength(1);

    // A list of a source no machine has, added to the kept copy: apt-get update removes what no source names.
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'pl-aptlists-'));
    const tar = path.join(store(), tars()[0]!);
    execFileSync('tar', ['-xf', tar, '-C', tmp]);
    writeFileSync(path.join(tmp, 'lists', 'example.org_debian_dists_stray_main_binary-amd64_Packages'), 'Package: stray\n');
    execFileSync('tar', ['-cf', tar, '-C', tmp, 'lists']);
    rmSync(tmp, { recursive: true, force: true });

    const second = await up(`b${Math.random()}`);
    expect(second.code, second.stderr).toBe(0);
    expect(logText(second)).toMatch(/m: apt lists from an earlier fetch put in place; apt-get update brings them up to date/);
    expect(exec(CONTAINER, "dpkg-query -W -f='${Status};' tree file")).toBe('install ok installed;install ok installed;');
    // The running machine's lists went with its last save (no package follows it); the state saved
    // after its first package step keeps them (one does). apt-get update ran over them there: they
    // are the lists a fetch of its own gets now, the stray one and the mark are gone, and apt finds
    // nothing to fetch.
    const saved = docker('images', '--filter', `label=prodlike.cache-profile=${NAME}`, '--filter', 'label=prodlike.cache-prefix=1/3', '--format', '{{.ID}}').split('\n')[0]!;
    const SUMS = 'cd /var/lib/apt/lists && ls -a && sha256sum *_Packages *_InRelease';
    const fresh = docker('run', '--rm', 'debian:bookworm', 'sh', '-c', `apt-get update -qq && ${SUMS}`);
    expect(docker('run', '--rm', '--entrypoint', 'sh', saved, '-c', SUMS)).toBe(fresh);
    expect(docker('run', '--rm', '--entrypoint', 'sh', saved, '-c', 'apt-get update')).not.toMatch(/^Get:.*(Packages|Translation)/m);
  });

  it('are not used with --no-cache, and cache prune --all removes them', { timeout: 300_000 }, async () => {
    file = await ws.write('profiles/apt.yaml', profile(`c${Math.random()}`));
    await ws.run(['destroy', file, '--volumes'], { env: ENV });
    const before = statSync(path.join(store(), tars()[0]!)).mtimeMs;
    const r = await ws.run(['up', file, '--json', '--no-cache'], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(logText(r)).not.toMatch(/apt lists from an earlier fetch/);
    expect(statSync(path.join(store(), tars()[0]!)).mtimeMs).toBe(before);

    const prune = await ws.run(['cache', 'prune', '--all'], { env: ENV });
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stdout).toMatch(/apt lists kept between runs removed, \d+(\.\d+)? MB freed/);
    expect(tars()).toEqual([]);
  });
});
