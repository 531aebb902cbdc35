// Switching profiles, failures, killed runs and bad input: each with the message a user sees.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoMachineProfile, containerNames, docker, exec, purge, unique, workspace, type Workspace } from '../../support/cli.js';

const A = unique('pl-it-a');
const B = unique('pl-it-b');
const C = unique('pl-it-c');
const F = unique('pl-it-fail');
const K = unique('pl-it-kill');
const I = unique('pl-it-img');

const small = twoMachineProfile;

let ws: Workspace;
beforeAll(async () => {
  ws = await workspace();
});
afterAll(() => {
  for (const p of [A, B, C, F, K, I]) purge(p);
});

describe('prodlike use', () => {
  it('switches: the other profile is stopped, this one is up', async () => {
    const a = await ws.write('profiles/a.yaml', small(A, 18090));
    const b = await ws.write('profiles/b.yaml', small(B, 18090));
    expect((await ws.run(['up', a])).code).toBe(0);
    expect(containerNames(A, false)).toHaveLength(2);
    const r = await ws.run(['use', b]);
    expect(r.code).toBe(0);
    expect(containerNames(A, false)).toEqual([]); // stopped ...
    expect(containerNames(A, true)).toHaveLength(2); // ... not removed
    expect(containerNames(B, false)).toHaveLength(2);
    expect(exec(`${B}-one`, 'cat /etc/profile-name')).toBe(B);
    const back = await ws.run(['use', a]);
    expect(back.code).toBe(0);
    expect(containerNames(B, false)).toEqual([]);
    expect(containerNames(A, false)).toHaveLength(2);
    const status = JSON.parse((await ws.run(['status', '--json'])).stdout);
    expect(status.find((s: { profile: string }) => s.profile === A).active).toBe(true);
  });

  it('switches to a profile on other ports while the old one stops, with the same result', async () => {
    const c = await ws.write('profiles/c.yaml', small(C, 18096));
    const r = await ws.run(['use', c]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`stopped ${A}/one`);
    expect(containerNames(A, false)).toEqual([]);
    expect(containerNames(C, false)).toHaveLength(2);
    expect(exec(`${C}-one`, 'cat /etc/profile-name')).toBe(C);
  });
});

describe('failures', () => {
  it('a failing resource names machine, resource and stderr; the other machine still finishes; exit 1', async () => {
    const f = await ws.write(
      'profiles/f.yaml',
      small(F, 18091, `      - command: echo "cannot reach the package index" >&2; exit 3
      - file: /etc/after-failure
        content: "x"`),
    );
    const r = await ws.run(['up', f]);
    expect(r.code).toBe(1);
    const all = r.stdout + r.stderr;
    expect(all).toMatch(/FAILED one command/);
    expect(all).toContain('cannot reach the package index');
    expect(all).toMatch(/exit 3/);
    expect(all).toMatch(/skipped one file \/etc\/after-failure/);
    expect(exec(`${F}-two`, 'test -d /srv/two && echo yes')).toBe('yes');
  });

  it('a run killed with SIGKILL mid-way is converged by the next up, with no orphaned containers', async () => {
    const k = await ws.write('profiles/k.yaml', small(K, 18092, `      - command: touch /srv/slow-started; sleep 5; touch /srv/slow-done
        creates: /srv/slow-done`));
    const child = ws.spawn(['up', k]);
    // Wait until the slow command has started on the machine, then kill the CLI in the middle of it.
    const started = () => containerNames(K, false).length === 2 && exec(`${K}-one`, 'test -e /srv/slow-started && echo yes || true') === 'yes';
    for (let i = 0; i < 300 && !started(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(started()).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // Mid-way: the command had not finished, and the killed run's lock is still there.
    expect(exec(`${K}-one`, 'test -e /srv/slow-done && echo done || echo not-yet')).toBe('not-yet');
    expect(existsSync(path.join(ws.dataDir, 'locks', `${K}.lock`))).toBe(true);
    const r = await ws.run(['up', k]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(containerNames(K)).toEqual([`${K}-one`, `${K}-two`]);
    expect(exec(`${K}-one`, 'cat /etc/profile-name; test -e /srv/slow-done && echo done')).toBe(`${K}\ndone`);
  });

  it('a second up of a profile that is being changed is refused, naming the run that holds it', async () => {
    const k = await ws.write('profiles/k.yaml', small(K, 18092, `      - command: sleep 3
        creates: /srv/never`));
    const first = ws.spawn(['up', k]);
    const lock = path.join(ws.dataDir, 'locks', `${K}.lock`);
    for (let i = 0; i < 100 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 100));
    const second = await ws.run(['up', k]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`profile ${K} is busy: another run \\(up, pid \\d+`));
    expect(second.stderr).toContain('--wait');
    const code = await new Promise((r) => first.once('exit', r));
    expect(code).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('an unknown image that cannot be pulled is named, with what to do', async () => {
    const p = await ws.write('profiles/img.yaml', `name: ${I}\nmachines:\n  x:\n    docker: { image: "pl-it/does-not-exist:42" }\n`);
    const r = await ws.run(['up', p]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('pl-it/does-not-exist:42');
  });

  it('a Docker engine that is not running is one line saying so and how to start it', async () => {
    const p = await ws.write('profiles/nodocker.yaml', small(unique('pl-it-nd'), 18093));
    const r = await ws.run(['up', p], { env: { DOCKER_HOST: 'unix:///tmp/pl-no-such-docker.sock' } });
    expect(r.code).toBe(1);
    const text = r.stdout + r.stderr;
    expect(text).toContain('Docker engine not running at unix:///tmp/pl-no-such-docker.sock');
    expect(text).toMatch(/systemctl start docker|dockerd/);
    expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
  });

  it('up refuses a production profile and writes nothing', async () => {
    const p = await ws.write('profiles/prod.yaml', `name: ${unique('pl-it-prod')}\nrole: production\nmachines:\n  web-1:\n    ssh: { host: 127.0.0.1, port: 1, user: root }\n`);
    const r = await ws.run(['up', p]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/role: production.*never writes to production/);
  });
});

describe('bad input: one clear error, nothing applied', () => {
  const cases: [string, string, RegExp][] = [
    ['malformed YAML', 'name: x\nmachines:\n  web: [unclosed\n', /bad\.yaml:\d+:\d+/],
    ['an unknown key', 'name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resorces: []\n', /bad\.yaml:5:5.*resources/s],
    ['a wrong type', 'name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm, ports: 8080 }\n', /bad\.yaml:4:\d+/],
    ['a missing extends file', 'name: x\nextends: ./nope.yaml\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n', /nope\.yaml/],
    ['a missing variable', 'name: x\nmachines:\n  web:\n    docker: { image: "${vars.missing}" }\n', /bad\.yaml:4:\d+.*missing/s],
  ];
  for (const [what, text, expected] of cases) {
    it(`${what} is reported with file:line and nothing is created`, async () => {
      const p = await ws.write('profiles/bad.yaml', text);
      const r = await ws.run(['up', p]);
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toMatch(expected);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
      expect(containerNames('x')).toEqual([]);
      const v = await ws.run(['validate', p]);
      expect(v.code).toBe(1);
    });
  }

  it('validate says ok for a good profile', async () => {
    const p = await ws.write('profiles/good.yaml', small('pl-it-good', 18094));
    const r = await ws.run(['validate', p]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: pl-it-good/);
  });
});

describe('the CLI itself', () => {
  it('prints its version and help, and names an unknown command', async () => {
    expect((await ws.run(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await ws.run(['--help'])).stdout).toContain('prodlike <command>');
    const r = await ws.run(['upp', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown command "upp"');
    docker('version', '--format', '{{.Server.Version}}');
  });
});
