// A safe `use`: a preflight that stops nothing when the target cannot come up (naming who holds a port),
// and a rollback to the previous profile when the target fails after all. Checked with the docker CLI.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoMachineProfile, containerNames, docker, dockerTry, exec, purge, unique, workspace, type Workspace } from '../../support/cli.js';
import { startSshd, testKey } from '../../support/sshd.js';

const A = unique('pl-us-a');
const B = unique('pl-us-b');
const F = unique('pl-us-f');
const C = unique('pl-us-c');
const HOLDER = unique('pl-us-holder');
const PROJECT = unique('pl-us-compose');
// High ports, unlikely to be used by anything else on the machine.
const base = 21000 + Math.floor(Math.random() * 2000) * 4;
const [PORT_A, PORT_HELD, PORT_PROC, PORT_C] = [base, base + 1, base + 2, base + 3];

const profile = twoMachineProfile;

/** The running containers this file made (the engine is shared: other tests come and go meanwhile). */
function mine(): string {
  return docker('ps', '--format', '{{.ID}} {{.Names}} {{.State}}')
    .split('\n')
    .filter((l) => [A, B, F, C, HOLDER].some((p) => l.includes(` ${p}`)))
    .sort()
    .join('\n');
}

const activeProfile = async (ws: Workspace) => (JSON.parse((await ws.run(['status', '--json'])).stdout) as { profile: string; active: boolean }[]).find((s) => s.active)?.profile;

let ws: Workspace;
let listener: net.Server | undefined;
beforeAll(async () => {
  ws = await workspace();
});
afterAll(async () => {
  listener?.close();
  dockerTry('rm', '-f', HOLDER);
  dockerTry('network', 'rm', HOLDER);
  for (const p of [A, B, F, C]) purge(p);
});

describe('use: the preflight stops nothing when the target cannot come up', () => {
  it('names the container (and its Compose project) and the process that hold its ports, and an image it cannot have; nothing is stopped', async () => {
    const a = await ws.write('profiles/a.yaml', profile(A, PORT_A));
    expect((await ws.run(['up', a])).code).toBe(0);
    // A container that Prodlike does not own, as Compose would have labelled it, holding a port B wants.
    docker('network', 'create', HOLDER);
    docker('run', '-d', '--name', HOLDER, '--network', HOLDER, '--label', `com.docker.compose.project=${PROJECT}`, '-p', `127.0.0.1:${PORT_HELD}:80`, 'debian:bookworm', 'sleep', 'infinity');
    // A plain process (this test) holding another.
    listener = net.createServer();
    await new Promise<void>((r) => listener!.listen(PORT_PROC, '127.0.0.1', r));
    const b = await ws.write(
      'profiles/b.yaml',
      profile(B, PORT_HELD, '', `  three:\n    docker: { image: debian:bookworm, ports: ["${PORT_PROC}:81"] }\n  four:\n    docker: { image: "pl-us/not-here:1" }\n`),
    );

    const before = mine();
    expect(before).toContain(`${A}-one running`);
    const r = await ws.run(['use', b]);
    expect(r.code).toBe(1);
    const text = r.stdout + r.stderr;
    expect(text).toContain(`cannot switch to ${B}: 3 problems found before stopping anything (nothing was stopped)`);
    expect(text).toContain(`host port 127.0.0.1:${PORT_HELD}/tcp (machine one) is held by container ${HOLDER} (Compose project ${PROJECT})`);
    expect(text).toContain(`host port 127.0.0.1:${PORT_PROC}/tcp (machine three) is held by process node (pid ${process.pid})`);
    expect(text).toContain('image pl-us/not-here:1 is not present and cannot be pulled');
    expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    expect(mine()).toBe(before);
    expect(containerNames(B)).toEqual([]);
    expect(await activeProfile(ws)).toBe(A);
    const refused = JSON.parse((await ws.run(['use', b, '--json'])).stdout.trim().split('\n').at(-1)!) as { result: { ok: boolean; error: { name: string; details: { problems: unknown[] } } } };
    expect(refused.result.ok).toBe(false);
    expect(refused.result.error.name).toBe('PreflightError');
    expect(refused.result.error.details.problems).toHaveLength(3);

    // --plan says the same, and what would be stopped; it changes nothing either.
    const plan = await ws.run(['use', b, '--plan']);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toMatch(new RegExp(`will stop[^\\n]*:\\n(\\s+.*\\n)*\\s+${A}: one, two`));
    expect(plan.stdout).toContain(`one          docker  create`);
    expect(plan.stdout).toContain(`container ${HOLDER} (Compose project ${PROJECT})`);
    const json = JSON.parse((await ws.run(['use', b, '--plan', '--json'])).stdout) as { plan: { stop: { profile: string }[]; problems: { kind: string; machine: string }[] } };
    expect(json.plan.stop.map((s) => s.profile)).toContain(A);
    expect(json.plan.problems.map((p) => `${p.kind} ${p.machine}`).sort()).toEqual(['image four', 'port one', 'port three']);
    expect(mine()).toBe(before);
  });

  it('a port held by the profile the switch stops is not a problem: it switches', async () => {
    listener?.close();
    listener = undefined;
    dockerTry('rm', '-f', HOLDER);
    const b = await ws.write('profiles/b.yaml', profile(B, PORT_A));
    const plan = await ws.run(['use', b, '--plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('(first: they publish host ports this profile wants)');
    const r = await ws.run(['use', b]);
    expect(r.code).toBe(0);
    expect(docker('ps', '--filter', `label=prodlike.profile=${A}`, '-q')).toBe('');
    expect(containerNames(B, false)).toEqual([`${B}-one`, `${B}-two`]);
  });
});

describe('use: a target that fails after the preflight', () => {
  const failing = (port: number) => profile(F, port, '      - command: echo "the app does not build" >&2; exit 4');

  it('is rolled back: the previous profile runs again and stays active; the run fails with the target’s error', async () => {
    const a = await ws.write('profiles/a.yaml', profile(A, PORT_A));
    expect((await ws.run(['use', a])).code).toBe(0);
    expect(await activeProfile(ws)).toBe(A);
    const aIds = docker('ps', '--filter', `label=prodlike.profile=${A}`, '-q').split('\n').sort();
    const f = await ws.write('profiles/f.yaml', failing(PORT_A));

    const r = await ws.run(['use', f]);
    expect(r.code).toBe(1);
    const text = r.stdout + r.stderr;
    expect(text).toMatch(new RegExp(`error: ${F} did not come up: command .* failed on machine one.*the app does not build.*; rolled back to ${A}`, 's'));
    expect(text).toContain(`rollback: stopped ${F}/one`);
    expect(text).toContain(`rolled back: ${A} is up again (one, two) and stays the active profile`);
    // Seen by Docker: the same containers of A run again, F's are stopped, A's port answers to A.
    expect(docker('ps', '--filter', `label=prodlike.profile=${A}`, '-q').split('\n').sort()).toEqual(aIds);
    expect(docker('ps', '--filter', `label=prodlike.profile=${F}`, '-q')).toBe('');
    expect(exec(`${A}-one`, 'cat /etc/profile-name')).toBe(A);
    expect(docker('port', `${A}-one`, '80/tcp')).toBe(`127.0.0.1:${PORT_A}`);
    expect(await activeProfile(ws)).toBe(A);
    const json = JSON.parse((await ws.run(['status', a, '--json'])).stdout) as { active: boolean; lastRun: { kind: string } };
    expect(json.active).toBe(true);
  });

  it('with --no-rollback the previous profile stays stopped and the target is left as it is', async () => {
    const f = await ws.write('profiles/f.yaml', failing(PORT_A));
    const r = await ws.run(['use', f, '--no-rollback']);
    expect(r.code).toBe(1);
    // Other tests' profiles on the shared engine may be stopped with it and listed too.
    expect(r.stdout + r.stderr).toMatch(new RegExp(`not rolled back \\(--no-rollback\\): ${F}'s machines are left as they are; (.*, )?${A}(, .*)? stays? stopped`));
    expect(docker('ps', '--filter', `label=prodlike.profile=${A}`, '-q')).toBe('');
    expect(containerNames(F, false)).toEqual([`${F}-one`, `${F}-two`]);
    expect(await activeProfile(ws)).toBe(F);
  });
});

describe('use: speed', () => {
  it('switches between two provisioned profiles quickly (target 2 s, preflight included; figures printed)', async () => {
    purge(F);
    const a = await ws.write('profiles/a.yaml', profile(A, PORT_A));
    const c = await ws.write('profiles/c.yaml', profile(C, PORT_C));
    expect((await ws.run(['use', c])).code).toBe(0);
    expect((await ws.run(['use', a])).code).toBe(0);
    const runs: { ms: number; preflight: number; cli: number }[] = [];
    for (const target of [c, a, c, a]) {
      const r = await ws.run(['use', target, '--json']);
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { result: { durationMs: number } };
      const preflight = /preflight passed in (\d+) ms/.exec(r.stdout);
      expect(preflight).not.toBeNull();
      runs.push({ ms: result.result.durationMs, preflight: Number(preflight![1]), cli: r.ms });
    }
    console.log('use between provisioned profiles: run ms / preflight ms / whole CLI process ms:', runs.map((x) => `${x.ms} / ${x.preflight} / ${x.cli}`).join(', '));
    expect(containerNames(A, false)).toHaveLength(2);
    expect(containerNames(C, false)).toEqual([]);
    // The target is 2 s for the run, preflight included (reported above); the bounds leave room for a
    // loaded CI machine, where starting a container alone can take a second. The median of four: the
    // engine is shared with other tests, one slow start is not the switch's doing.
    const median = (xs: number[]) => {
      const s = [...xs].sort((x, y) => x - y);
      return (s[1]! + s[2]!) / 2;
    };
    expect(median(runs.map((x) => x.preflight))).toBeLessThanOrEqual(1000);
    expect(median(runs.map((x) => x.ms))).toBeLessThanOrEqual(3000);
  });
});

describe('use: SSH hosts and built images in the preflight', () => {
  it('an SSH host whose key is not trusted is a preflight problem naming the machine; once trusted the plan passes', async () => {
    const sshd = await startSshd();
    const S = unique('pl-us-ssh');
    try {
      const { identity } = await testKey();
      const s = await ws.write('profiles/s.yaml', `name: ${S}\nmachines:\n  db:\n    ssh: { host: 127.0.0.1, port: ${sshd.port}, user: root, identity: ${identity} }\n    resources:\n      - directory: /srv/${S}\n`);
      const before = mine();
      const r = await ws.run(['use', s]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot switch to ${S}: 1 problem found before stopping anything (nothing was stopped)`);
      expect(r.stderr).toContain(`machine db (root@127.0.0.1:${sshd.port}): host key of 127.0.0.1:${sshd.port} is not trusted`);
      expect(r.stderr).toContain(`prodlike trust 127.0.0.1:${sshd.port}`);
      expect(mine()).toBe(before);
      expect((await sshd.exec(`test -d /srv/${S} && echo yes || echo no`)).trim()).toBe('no');

      expect((await ws.run(['trust', `127.0.0.1:${sshd.port}`])).code).toBe(0);
      const plan = await ws.run(['use', s, '--plan']);
      expect(plan.code).toBe(0);
      expect(plan.stdout).toMatch(new RegExp(`db\\s+ssh\\s+connect \\(root@127\\.0\\.0\\.1:${sshd.port}\\)`));
      expect(plan.stdout).toContain('preflight passed');
    } finally {
      await sshd.stop();
    }
  });

  it('an image with build: is obtainable while its context can be read; a missing context is a problem', async () => {
    const G = unique('pl-us-build');
    await ws.write('ctx/Dockerfile', 'FROM debian:bookworm\n');
    const g = await ws.write(
      'profiles/g.yaml',
      `name: ${G}\nmachines:\n  ok:\n    docker: { image: "pl-us/built-${G}:1", build: ../ctx }\n  gone:\n    docker: { image: "pl-us/gone-${G}:1", build: ../no-such-folder }\n`,
    );
    const plan = await ws.run(['use', g, '--plan', '--json']);
    expect(plan.code).toBe(1);
    const json = JSON.parse(plan.stdout) as { plan: { start: { machine: string; action: string; detail?: string }[]; problems: { machine: string; message: string }[] } };
    expect(json.plan.start.find((m) => m.machine === 'ok')).toEqual({ machine: 'ok', provider: 'docker', action: 'create', detail: 'image will be built' });
    expect(json.plan.problems).toHaveLength(1);
    expect(json.plan.problems[0]!.machine).toBe('gone');
    expect(json.plan.problems[0]!.message).toMatch(/machine gone: build context .*no-such-folder cannot be read/);
    expect(dockerTry('image', 'inspect', `pl-us/built-${G}:1`).code).not.toBe(0); // a plan builds nothing
  });
});
