// Settings that hand this computer to a profile (privileged, a bind mount of the Docker socket, of a
// folder outside the project, …) need `prodlike allow` on this computer first, for exactly those
// settings. Checked with docker. (A privileged container cannot start in this sandbox, so the allowed
// runs use bind mounts; privileged is checked for its refusal.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerNames, docker, purge, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-allow');
const PRIV = unique('pl-it-priv');
let ws: Workspace;
let file: string;

const profile = (volumes: string[]) => `name: ${NAME}
machines:
  box:
    docker:
      image: debian:bookworm
      volumes: ${JSON.stringify(volumes)}
`;

beforeAll(async () => {
  ws = await workspace();
  file = await ws.write('profiles/risky.yaml', profile(['/var/run/docker.sock:/var/run/docker.sock']));
});
afterAll(() => {
  purge(NAME);
  purge(PRIV);
});

describe('prodlike allow', () => {
  it('up and use of a privileged profile are refused before anything is created, naming the setting, its place and the command', async () => {
    const priv = await ws.write('profiles/priv.yaml', `name: ${PRIV}\nmachines:\n  box:\n    docker: { image: debian:bookworm, privileged: true }\n`);
    for (const cmd of ['up', 'use']) {
      const r = await ws.run([cmd, priv]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`profile ${PRIV} asks for settings that hand this computer over, and it is not allowed on this computer: machine box: privileged: true`);
      expect(r.stderr).toMatch(/priv\.yaml:3:3/);
      expect(r.stderr).toContain('prodlike allow profiles/priv.yaml');
    }
    // use --plan (and the app's switch dialog) lists it among the problems.
    const plan = await ws.run(['use', priv, '--plan']);
    expect(plan.code).toBe(1);
    expect(plan.stdout + plan.stderr).toContain('asks for settings that hand this computer over');
    expect(containerNames(PRIV)).toEqual([]);
  });

  it('a bind mount of the Docker socket is refused until allowed, then mounted', async () => {
    const r = await ws.run(['up', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('machine box: volume /var/run/docker.sock:/var/run/docker.sock (the container engine itself, which is root on this computer)');
    expect(containerNames(NAME)).toEqual([]);
    const a = await ws.run(['allow', file]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('box: volume /var/run/docker.sock:/var/run/docker.sock');
    const up = await ws.run(['up', file]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(docker('inspect', '-f', '{{range .Mounts}}{{.Source}} {{end}}', `${NAME}-box`).trim()).toBe('/var/run/docker.sock');
  });

  it('a changed risky setting needs a new allow, and the running machine is not touched meanwhile', async () => {
    await ws.write('profiles/risky.yaml', profile(['/var/run/docker.sock:/var/run/docker.sock', '/etc:/host-etc:ro']));
    const r = await ws.run(['up', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('they changed since you allowed it');
    expect(r.stderr).toContain('volume /etc:/host-etc:ro (a folder outside the project');
    expect(docker('inspect', '-f', '{{len .Mounts}}', `${NAME}-box`)).toBe('1');
    expect((await ws.run(['allow', file])).code).toBe(0);
    expect((await ws.run(['up', file])).code).toBe(0);
    expect(docker('inspect', '-f', '{{len .Mounts}}', `${NAME}-box`)).toBe('2');
  });
});
