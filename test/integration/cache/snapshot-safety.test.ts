// Snapshots against a real Docker engine, where a machine's data could be lost: a volume a snapshot
// cannot hold (refused, nothing changed), an image that runs as another user than root (its volume is
// copied and put back), a save that fails half-way (nothing of it kept), a restore that cannot finish
// (refused before anything is removed), a container whose main process is the profile's own (its
// pid file is left alone), a snapshot whose machines the profile no longer has (named; refused when
// it has none of them), and a service that does not start again as its machine is restored (named).
// Checked with docker itself, not through Prodlike.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTry, exec, purge, unique, workspace, type Workspace } from '../../support/cli.js';
import { initScriptResource } from '../../support/init-script.js';

const NAME = unique('pl-it-snapsafe');
const NOBODY_IMAGE = `${NAME}-nobody:local`;
const NOCP_IMAGE = `${NAME}-nocp:local`;
const ENV = { PRODLIKE_NO_CACHE: '1' };
let ws: Workspace;

const build = (tag: string, dockerfile: string) => execFileSync('docker', ['build', '-q', '-t', tag, '-'], { input: dockerfile, stdio: ['pipe', 'pipe', 'pipe'] });
/** The container runs as nobody; the file resource wrote as root, as converge does. */
const asRoot = (container: string, cmd: string) => docker('exec', '-u', '0', container, 'sh', '-c', cmd);
const snapshotImages = (profile: string) => docker('images', '-a', '--filter', `label=prodlike.snapshot-profile=${profile}`, '-q');
const snapshotVolumes = (profile: string) => docker('volume', 'ls', '--filter', `label=prodlike.snapshot-profile=${profile}`, '-q');

const USER_MACHINES = `  u:
    docker: { image: ${NOBODY_IMAGE}, volumes: ["data:/srv/data"] }
    resources:
      - file: /srv/data/x.txt
        content: "one\\n"
  k:
    docker: { image: debian:bookworm, command: ["sh", "-c", "echo $$ > /run/main.pid; exec sleep infinity"] }
`;

async function profile(suffix: string, machines: string): Promise<{ name: string; file: string; run: (...a: string[]) => ReturnType<Workspace['run']> }> {
  const name = `${NAME}-${suffix}`;
  const file = await ws.write(`profiles/${suffix}.yaml`, `name: ${name}\nmachines:\n${machines}`);
  return { name, file, run: (...a: string[]) => ws.run([...a.slice(0, 2), file, ...a.slice(2)], { env: ENV }) };
}

beforeAll(async () => {
  ws = await workspace();
  build(NOBODY_IMAGE, 'FROM debian:bookworm\nUSER nobody\n');
  build(NOCP_IMAGE, 'FROM debian:bookworm\nRUN rm /bin/cp\n');
}, 120_000);

afterAll(() => {
  for (const s of ['user', 'anon', 'fail', 'renamed', 'empty', 'stopped', 'start']) {
    purge(`${NAME}-${s}`);
    const imgs = snapshotImages(`${NAME}-${s}`);
    if (imgs) dockerTry('rmi', '-f', ...new Set(imgs.split('\n')));
    const vols = snapshotVolumes(`${NAME}-${s}`);
    if (vols) dockerTry('volume', 'rm', ...vols.split('\n'));
  }
  dockerTry('rmi', '-f', NOBODY_IMAGE, NOCP_IMAGE);
});

describe('snapshots where data could be lost', () => {
  it('an image that runs as another user: its volume is saved and put back; a missing image stops a restore before anything is removed', async () => {
    const p = await profile('user', USER_MACHINES);
    const up = await p.run('up');
    expect(up.code, up.stderr).toBe(0);
    const save = await p.run('snapshot', 'save', 'before');
    expect(save.code, save.stderr).toBe(0);
    expect(save.stdout).toContain('volumes: data');
    asRoot(`${p.name}-u`, 'echo two > /srv/data/x.txt');
    // A machine added to the profile since the save is left as it is, and not said to be restored.
    await ws.write('profiles/user.yaml', `name: ${p.name}\nmachines:\n${USER_MACHINES}  n:\n    docker: { image: debian:bookworm }\n`);
    expect((await p.run('up')).code).toBe(0);
    const added = docker('inspect', '-f', '{{.Id}}', `${p.name}-n`);
    const restore = await p.run('snapshot', 'restore', 'before');
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain('n: not in the snapshot');
    expect(restore.stdout).toMatch(/^restored snapshot before of \S+: k, u \(volumes: data\)$/m);
    expect(docker('inspect', '-f', '{{.Id}}', `${p.name}-n`)).toBe(added);
    // A machine taken out of the profile since is not restored, and not said to be.
    await ws.write('profiles/user.yaml', `name: ${p.name}\nmachines:\n${USER_MACHINES.split('  k:')[0]}`);
    const without = await p.run('snapshot', 'restore', 'before');
    expect(without.code, without.stderr).toBe(0);
    expect(without.stdout).toMatch(/^restored snapshot before of \S+: u \(volumes: data\)$/m);
    await ws.write('profiles/user.yaml', `name: ${p.name}\nmachines:\n${USER_MACHINES}`);
    expect(exec(`${p.name}-u`, 'cat /srv/data/x.txt')).toBe('one');
    expect(docker('inspect', '-f', '{{.Config.User}}', `${p.name}-u`)).toBe('nobody');
    // k's main process is the profile's own: it runs, and its pid file is its own, not removed as stale.
    expect(exec(`${p.name}-k`, 'cat /run/main.pid')).toMatch(/^\d+$/);

    // The machine's image gone from the engine: refused, and the running container and its volume as they were.
    asRoot(`${p.name}-u`, 'echo three > /srv/data/x.txt');
    const before = docker('inspect', '-f', '{{.Id}}', `${p.name}-u`);
    docker('rmi', '-f', NOBODY_IMAGE);
    const refused = await p.run('snapshot', 'restore', 'before');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`u: its image ${NOBODY_IMAGE} is not on this engine`);
    expect(refused.stderr).toContain('nothing was changed');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(docker('inspect', '-f', '{{.Id}}', `${p.name}-u`)).toBe(before);
    expect(exec(`${p.name}-u`, 'cat /srv/data/x.txt')).toBe('three');
    build(NOBODY_IMAGE, 'FROM debian:bookworm\nUSER nobody\n');
    expect((await p.run('snapshot', 'rm', 'before')).code).toBe(0);
  }, 240_000);

  it('a machine with an anonymous volume is refused, with nothing saved', async () => {
    const p = await profile(
      'anon',
      `  a:
    docker: { image: debian:bookworm, volumes: ["/scratch"] }
    resources:
      - file: /scratch/x.txt
        content: "kept\\n"
`,
    );
    expect((await p.run('up')).code).toBe(0);
    const save = await p.run('snapshot', 'save', 'before');
    expect(save.code).toBe(1);
    expect(save.stderr).toContain('a cannot be saved: its container has a volume at /scratch that is not a named volume of the profile');
    expect(save.stderr).toContain('volumes: ["<name>:/scratch"]');
    expect(snapshotImages(p.name)).toBe('');
    expect(snapshotVolumes(p.name)).toBe('');
    expect(exec(`${p.name}-a`, 'cat /scratch/x.txt')).toBe('kept');
    expect(docker('inspect', '-f', '{{.State.Status}}', `${p.name}-a`)).toBe('running');
  }, 120_000);

  it('a save that fails half-way keeps nothing, and is not listed', async () => {
    const p = await profile(
      'fail',
      `  w:
    docker: { image: debian:bookworm, volumes: ["wdata:/srv/w"] }
  c:
    docker: { image: ${NOCP_IMAGE}, volumes: ["data:/srv/data"] }
`,
    );
    expect((await p.run('up')).code).toBe(0);
    const save = await p.run('snapshot', 'save', 'half');
    expect(save.code).toBe(1);
    expect(save.stderr).toMatch(/copying volume .* failed/);
    expect(save.stdout + save.stderr).toContain('snapshot half not kept');
    expect(snapshotImages(p.name)).toBe('');
    expect(snapshotVolumes(p.name)).toBe('');
    const ls = await p.run('snapshot', 'ls');
    expect(ls.code).toBe(0);
    expect(ls.stdout).not.toContain('half');
    // Both machines run on, unpaused.
    for (const m of ['w', 'c']) expect(docker('inspect', '-f', '{{.State.Status}}', `${p.name}-${m}`)).toBe('running');
  }, 120_000);

  it('a machine renamed since the save is named, not restored; a snapshot with none of the profile\'s machines is refused', async () => {
    const machine = (m: string) => `  ${m}:\n    docker: { image: debian:bookworm }\n    resources:\n      - file: /opt/m\n        content: "${m}\\n"\n`;
    const p = await profile('renamed', machine('a') + machine('b'));
    expect((await p.run('up')).code).toBe(0);
    const save = await p.run('snapshot', 'save', 'two');
    expect(save.code, save.stderr).toBe(0);
    exec(`${p.name}-a`, 'echo changed > /opt/m');

    // b renamed to c: a is restored, b is named as not restored, c is left as it is.
    await ws.write('profiles/renamed.yaml', `name: ${p.name}\nmachines:\n${machine('a')}${machine('c')}`);
    expect((await p.run('up')).code).toBe(0);
    const some = await p.run('snapshot', 'restore', 'two');
    expect(some.code, some.stderr).toBe(0);
    expect(some.stdout).toContain('b: in the snapshot but not a machine of the profile now (renamed or removed since the save), not restored');
    expect(some.stdout).toMatch(/^restored snapshot two of \S+: a$/m);
    expect(exec(`${p.name}-a`, 'cat /opt/m')).toBe('a');

    // Only c: nothing of the snapshot can be put back. Refused, exit 1, nothing changed.
    await ws.write('profiles/renamed.yaml', `name: ${p.name}\nmachines:\n${machine('c')}`);
    const c = docker('inspect', '-f', '{{.Id}}', `${p.name}-c`);
    const none = await p.run('snapshot', 'restore', 'two');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`snapshot two of ${p.name} holds a, b, and the profile has none of these machines now`);
    expect(none.stdout).not.toContain('restored snapshot');
    expect(docker('inspect', '-f', '{{.Id}}', `${p.name}-c`)).toBe(c);
    expect(exec(`${p.name}-a`, 'cat /opt/m')).toBe('a');
  }, 180_000);

  it('a save with no container to save: said plainly, without a "not kept" for what was never saved', async () => {
    const p = await profile('empty', `  gone:\n    docker: { image: debian:bookworm }\n`);
    const save = await p.run('snapshot', 'save', 'empty');
    expect(save.code).toBe(1);
    expect(save.stdout).toContain('gone: no container, not in the snapshot');
    expect(save.stderr).toContain(`no machine of ${p.name} exists to snapshot`);
    expect(save.stdout + save.stderr).not.toContain('not kept');
    expect((await p.run('snapshot', 'ls')).stdout).toContain('no snapshots');
  }, 60_000);
  it('a restore leaves a stopped machine stopped, and one that ran running, with the saved disk in both', async () => {
    const p = await profile('stopped', `  s:\n    docker: { image: debian:bookworm }\n  r:\n    docker: { image: debian:bookworm }\n`);
    expect((await p.run('up')).code).toBe(0);
    for (const m of ['s', 'r']) docker('exec', `${p.name}-${m}`, 'sh', '-c', 'echo saved > /opt/mark');
    const save = await p.run('snapshot', 'save', 'one');
    expect(save.code, save.stderr).toBe(0);
    for (const m of ['s', 'r']) docker('exec', `${p.name}-${m}`, 'sh', '-c', 'echo changed > /opt/mark');
    docker('stop', `${p.name}-s`);
    const restore = await p.run('snapshot', 'restore', 'one');
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain('s: restored, stopped as it was (`prodlike up` starts it)');
    expect(restore.stdout).toMatch(/^\s*r: restored$/m);
    expect(docker('inspect', '-f', '{{.State.Running}}', `${p.name}-s`)).toBe('false');
    expect(docker('inspect', '-f', '{{.State.Running}}', `${p.name}-r`)).toBe('true');
    expect(exec(`${p.name}-r`, 'cat /opt/mark')).toBe('saved');
    // The stopped one holds the saved disk too: started by docker itself, not through Prodlike.
    docker('start', `${p.name}-s`);
    expect(exec(`${p.name}-s`, 'cat /opt/mark')).toBe('saved');
    // After `destroy` there is nothing to keep stopped: the machines come back running.
    expect((await p.run('destroy')).code).toBe(0);
    expect((await p.run('snapshot', 'restore', 'one')).code).toBe(0);
    expect(docker('inspect', '-f', '{{.State.Running}}', `${p.name}-s`)).toBe('true');
  }, 180_000);
  it('a restore starts the services of a machine that runs, as root also where it runs as another user, and names one that does not start; up then starts it', async () => {
    // plfail starts only while /etc/plfail.ok exists; the snapshot is saved after it was removed. b runs
    // as nobody: its services start as root, as converge starts them.
    const p = await profile(
      'start',
      `  a:
    docker: { image: debian:bookworm }
    resources:
${initScriptResource('plok', ["sh -c 'exec sleep 100002' </dev/null >/dev/null 2>&1 &", 'echo $! > $PID ;;'])}${initScriptResource('plfail', ['[ -f /etc/plfail.ok ] || exit 1', "sh -c 'exec sleep 100003' </dev/null >/dev/null 2>&1 &", 'echo $! > $PID ;;'])}      - file: /etc/plfail.ok
        content: "ok\\n"
      - service: plok
        state: running
      - service: plfail
        state: running
  b:
    docker: { image: debian:bookworm, user: nobody }
    resources:
${initScriptResource('plnobody', ["sh -c 'exec sleep 100004' </dev/null >/dev/null 2>&1 &", 'echo $! > $PID ;;'])}      - service: plnobody
        state: running
`,
    );
    const container = `${p.name}-a`;
    const sleeping = (c = container) =>
      docker('top', c, '-eo', 'pid,user,args')
        .split('\n')
        .filter((l) => /^\d+\s+root\s+sleep 10000[234]$/.test(l.trim()))
        .map((l) => l.trim().replace(/^\d+\s+root\s+/, ''))
        .sort();
    const up = await p.run('up');
    expect(up.code, up.stderr).toBe(0);
    expect(sleeping()).toEqual(['sleep 100002', 'sleep 100003']);
    docker('exec', container, 'rm', '/etc/plfail.ok');
    expect((await p.run('snapshot', 'save', 'one')).code).toBe(0);
    const restore = await p.run('snapshot', 'restore', 'one');
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^\s*a: restored, services started: plok; did not start: plfail \(`prodlike up` says why\)$/m);
    expect(sleeping()).toEqual(['sleep 100002']);
    expect(restore.stdout).toMatch(/^\s*b: restored, services started: plnobody$/m);
    expect(sleeping(`${p.name}-b`)).toEqual(['sleep 100004']);
    expect(docker('inspect', '-f', '{{.Config.User}}', `${p.name}-b`)).toBe('nobody');
    // plok's pid file is the new process's, not the saved one's.
    expect(exec(container, 'cat /proc/$(cat /run/plok.pid)/cmdline | tr "\\0" " "').trim()).toBe('sleep 100002');
    const again = await p.run('up');
    expect(again.code, again.stderr).toBe(0);
    expect(sleeping()).toEqual(['sleep 100002', 'sleep 100003']);
    expect((await p.run('snapshot', 'rm', 'one')).code).toBe(0);
  }, 120_000);
});
