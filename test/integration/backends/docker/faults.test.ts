// What goes wrong: images that cannot be had, runs killed half-way, names taken, no engine. Each case
// checks the message a user sees, and that the engine converges (checked with the docker CLI).
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerProvider } from '../../../../electron/engine/backends/docker/provider.js';
import { DockerError } from '../../../../electron/engine/errors.js';
import { DockerExecTransport } from '../../../../electron/engine/backends/docker/exec-transport.js';
import type { Transport } from '../../../../electron/engine/transport.js';
import { BASE_IMAGE, details, dockerMachine, makeProfile, recordingContext, uniqueProfile } from '../../../support/docker-profile.js';
import { containerIdOf, docker, dockerExec, dockerTry, labelled, purgeProfile } from '../../../support/docker.js';

const provider = new DockerProvider();
const profiles: string[] = [];
const fresh = () => {
  const name = uniqueProfile('pl-dkr-fault');
  profiles.push(name);
  return name;
};
const builtTag = `pl-test/built-${Math.random().toString(36).slice(2, 8)}:1`;

afterAll(() => {
  for (const p of profiles) purgeProfile(p);
  dockerTry('rm', '-f', 'pl-dkr-squatter');
  dockerTry('rmi', '-f', builtTag);
});

describe('images', () => {
  it('a missing image that cannot be pulled fails that machine with a clear message; the others come up', async () => {
    const name = fresh();
    const p = makeProfile(name, [dockerMachine('new', { image: 'debian:trixie' }), dockerMachine('ok')]);
    const ctx = recordingContext();
    const result = await provider.up(p, p.machines, ctx);
    const err = result.get('new') as DockerError;
    expect(err).toBeInstanceOf(DockerError);
    expect(err.message).toMatch(/^image debian:trixie is not present locally and could not be pulled: \S/);
    expect(err.message).not.toContain('\n');
    expect(err.hint).toBe('build it or pull it where a registry is reachable; `docker images` lists what is local');
    expect(ctx.events.some((e) => e.type === 'machine' && e.machine === 'new' && e.phase === 'image' && e.status === 'failed')).toBe(true);
    expect(result.get('ok')).not.toBeInstanceOf(Error);
    expect(labelled('container', name)).toEqual([`${name}-ok`]);
  });

  it('build: builds the context with progress, tags it, and reuses it while the context is unchanged', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-dkr-build-'));
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${BASE_IMAGE}\nARG GREETING\nCOPY hello.txt /hello.txt\nRUN echo "$GREETING" > /greeting\n`);
    await writeFile(path.join(dir, 'hello.txt'), 'from the context\n');
    const name = fresh();
    const p = makeProfile(name, [dockerMachine('built', { image: builtTag, build: { context: dir, args: { GREETING: 'hi' } } })]);
    const ctx = recordingContext();
    const t = (await provider.up(p, p.machines, ctx)).get('built') as Transport;
    expect(t).not.toBeInstanceOf(Error);
    expect(details(ctx.events, 'image')).toEqual({ built: 'built' });
    expect(ctx.events.some((e) => e.type === 'progress' && e.task.startsWith(`build ${builtTag}`))).toBe(true);
    expect(dockerExec(`${name}-built`, 'cat /hello.txt /greeting')).toBe('from the context\nhi');
    const firstImage = docker('image', 'inspect', builtTag, '--format', '{{.Id}}');

    const again = recordingContext();
    await provider.up(p, p.machines, again);
    expect(details(again.events, 'image')).toEqual({ built: 'up to date' });
    expect(details(again.events)).toEqual({ built: 'kept' });

    await writeFile(path.join(dir, 'hello.txt'), 'changed\n');
    const third = recordingContext();
    await provider.up(p, p.machines, third);
    expect(details(third.events, 'image')).toEqual({ built: 'built' });
    expect(details(third.events)).toEqual({ built: 'recreated (image changed)' });
    expect(dockerExec(`${name}-built`, 'cat /hello.txt')).toBe('changed');
    // The image the rebuild moved the tag from went with the container made from it (no dangling image left).
    expect(docker('image', 'inspect', builtTag, '--format', '{{.Id}}')).not.toBe(firstImage);
    expect(dockerTry('image', 'inspect', firstImage).code).not.toBe(0);
  });

  it('a failing build names the image and the build error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-dkr-build-'));
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${BASE_IMAGE}\nRUN echo broken >&2; exit 3\n`);
    const name = fresh();
    const p = makeProfile(name, [dockerMachine('bad', { image: 'pl-test/broken:1', build: { context: dir, args: {} } })]);
    const err = (await provider.up(p, p.machines, recordingContext())).get('bad') as Error;
    expect(err).toBeInstanceOf(DockerError);
    expect(err.message).toMatch(/^image pl-test\/broken:1 could not be built from .*: .*returned a non-zero code: 3/);
  });
});

describe('runs killed half-way converge', () => {
  it('a container with our labels but a stale hash, left in "created" state, is recreated', async () => {
    const name = fresh();
    docker('network', 'create', '--label', `prodlike.profile=${name}`, `prodlike-${name}`); // stale network
    docker('create', '--name', `${name}-web`, '--label', `prodlike.profile=${name}`, '--label', 'prodlike.machine=web', '--label', 'prodlike.config-hash=0000', BASE_IMAGE, 'true');
    const stale = containerIdOf(`${name}-web`);
    const p = makeProfile(name, [dockerMachine('web'), dockerMachine('app')]);
    const ctx = recordingContext();
    const result = await provider.up(p, p.machines, ctx);
    expect([...result.values()].filter((v) => v instanceof Error)).toEqual([]);
    expect(details(ctx.events)).toEqual({ web: 'recreated (configuration changed)', app: 'created' });
    expect(containerIdOf(`${name}-web`)).not.toBe(stale);
    expect(docker('inspect', '-f', '{{.State.Status}}', `${name}-web`)).toBe('running');
    expect(labelled('container', name)).toEqual([`${name}-app`, `${name}-web`]);
    expect(labelled('network', name)).toEqual([`prodlike-${name}`]);
  });

  it('a container with the right hash that never started is recreated, not trusted', async () => {
    const name = fresh();
    const p = makeProfile(name, [dockerMachine('web')]);
    await provider.up(p, p.machines, recordingContext());
    const labels = JSON.parse(docker('inspect', '-f', '{{json .Config.Labels}}', `${name}-web`)) as Record<string, string>;
    docker('rm', '-f', `${name}-web`);
    docker('create', '--name', `${name}-web`, ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), BASE_IMAGE, 'sleep', 'infinity');
    const ctx = recordingContext();
    await provider.up(p, p.machines, ctx);
    expect(details(ctx.events)).toEqual({ web: 'recreated (left created by an interrupted run)' });
    expect(dockerExec(`${name}-web`, 'getent hosts web >/dev/null && echo on-network')).toBe('on-network');
  });

  it('a half-created container of the profile holding the name (no machine label) is replaced', async () => {
    const name = fresh();
    docker('create', '--name', `${name}-web`, '--label', `prodlike.profile=${name}`, BASE_IMAGE, 'true');
    const p = makeProfile(name, [dockerMachine('web')]);
    const result = await provider.up(p, p.machines, recordingContext());
    expect(result.get('web')).not.toBeInstanceOf(Error);
    expect(docker('inspect', '-f', '{{index .Config.Labels "prodlike.machine"}} {{.State.Status}}', `${name}-web`)).toBe('web running');
    expect(labelled('container', name)).toEqual([`${name}-web`]);
  });

  it('a stopped machine whose network was removed meanwhile is recreated on a fresh network', async () => {
    const name = fresh();
    const p = makeProfile(name, [dockerMachine('web'), dockerMachine('app')]);
    await provider.up(p, p.machines, recordingContext());
    await provider.stop(p, p.machines, recordingContext());
    docker('network', 'rm', `prodlike-${name}`);
    const ctx = recordingContext();
    const result = await provider.up(p, p.machines, ctx);
    expect([...result.values()].filter((v) => v instanceof Error)).toEqual([]);
    expect(details(ctx.events)).toEqual({ web: 'recreated (its network was replaced)', app: 'recreated (its network was replaced)' });
    expect(dockerExec(`${name}-web`, 'getent hosts app >/dev/null && echo reachable')).toBe('reachable');
  });

  it('a name taken by a container Prodlike did not create is left alone, with a clear message', async () => {
    const name = fresh();
    docker('create', '--name', `${name}-web`, '--label', 'prodlike.test=squatter', BASE_IMAGE, 'true');
    const p = makeProfile(name, [dockerMachine('web')]);
    const err = (await provider.up(p, p.machines, recordingContext())).get('web') as DockerError;
    expect(err.message).toBe(`machine web: the container name ${name}-web is taken by a container Prodlike did not create`);
    expect(err.hint).toContain(`docker rm -f ${name}-web`);
    expect(docker('inspect', '-f', '{{index .Config.Labels "prodlike.test"}}', `${name}-web`)).toBe('squatter');
    docker('rm', '-f', `${name}-web`);
  });

  it('a port already in use fails that machine, removes its container and names the port problem', async () => {
    const name = fresh();
    docker('run', '-d', '--name', 'pl-dkr-squatter', '-p', '127.0.0.1:18299:80', BASE_IMAGE, 'sleep', 'infinity');
    const p = makeProfile(name, [dockerMachine('web', { ports: ['18299:80'] })]);
    const err = (await provider.up(p, p.machines, recordingContext())).get('web') as DockerError;
    expect(err.message).toMatch(/^machine web: the container could not be started: .*(already allocated|address already in use)/);
    expect(err.hint).toContain('already in use');
    expect(labelled('container', name)).toEqual([]);
  });
});

describe('no engine', () => {
  it('DOCKER_HOST pointing at nothing gives a one-line message and a hint', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///tmp/nonexistent.sock';
    try {
      const dead = new DockerProvider();
      const p = makeProfile('pl-dkr-nothing', [dockerMachine('web')]);
      const err = (await dead.up(p, p.machines, recordingContext())).get('web') as DockerError;
      expect(err).toBeInstanceOf(DockerError);
      expect(err.message).toBe('Docker engine not running at unix:///tmp/nonexistent.sock');
      expect(err.hint).toBe('start it: `sudo systemctl start docker` (or run `dockerd`), or point DOCKER_HOST at a running engine');
      await expect(dead.status(p, p.machines)).rejects.toThrow(/^Docker engine not running at unix:\/\/\/tmp\/nonexistent\.sock$/);
      const direct = await new DockerExecTransport('x', { machine: 'web' }).exec('true').catch((e: DockerError) => e);
      expect(direct).toMatchObject({ message: 'Docker engine not running at unix:///tmp/nonexistent.sock', hint: expect.stringMatching(/or point DOCKER_HOST at a running engine$/) });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('an engine address from the settings is not DOCKER_HOST\'s to change: the hint says where it is', async () => {
    // DOCKER_HOST names a running engine: the settings' address comes first all the same.
    const dead = new DockerProvider({ host: 'unix:///tmp/nonexistent-setting.sock', env: { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    const p = makeProfile('pl-dkr-nothing', [dockerMachine('web')]);
    const err = (await dead.up(p, p.machines, recordingContext())).get('web') as DockerError;
    expect(err.message).toBe('Docker engine not running at unix:///tmp/nonexistent-setting.sock');
    expect(err.hint).toBe("start it: `sudo systemctl start docker` (or run `dockerd`), or change the Docker engine in the app's Settings (it comes before DOCKER_HOST)");
    expect(err.hint).not.toMatch(/set DOCKER_HOST/);
  });
});
