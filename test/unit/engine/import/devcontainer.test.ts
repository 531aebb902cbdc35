// devcontainer.json → profile: jsonc read with positions, and what each key becomes.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARK_DIR, importDevcontainer, parseJsonc } from '../../../../electron/engine/import/devcontainer.js';
import { folder, profileError } from '../profile/fixture.js';

async function imported(json: string, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = await folder({ 'proj/.devcontainer/devcontainer.json': json, ...files });
  const r = await importDevcontainer(join(dir, 'proj/.devcontainer/devcontainer.json'), {
    env,
    outFor: (name) => join(dir, 'proj/profiles', name, 'dev.yaml'),
    profiles: [],
    readText: (f) => readFile(f, 'utf8').catch(() => undefined),
  });
  return { dir, ...r, notes: r.profile.notes.map((n) => `${n.pos.line}:${n.pos.col} ${n.key}`) };
}

describe('parseJsonc', () => {
  it('reads comments and trailing commas, and keeps line and column of every key and value', () => {
    const root = parseJsonc('d.json', '// c\n{\n  /* x */ "a": [1, 2,],\n  "b": { "c": true },\n}\n');
    expect(root.entries.get('a')!.keyPos).toEqual({ file: 'd.json', line: 3, col: 11 });
    expect(root.entries.get('b')!.value).toMatchObject({ t: 'map', pos: { line: 4, col: 8 } });
  });

  it('a syntax error is located', () => {
    expect(() => parseJsonc('d.json', '{\n  "a": 1\n  "b": 2\n}')).toThrow(/d\.json:3:3: invalid JSON: CommaExpected/);
  });
});

describe('import devcontainer', () => {
  it('image, ports, containerEnv, remoteEnv, the workspace mounted and used as working dir', async () => {
    const { profile, out } = await imported(`{
  "name": "My App",
  "image": "debian:bookworm",
  "forwardPorts": [3000, "5432:5432"],
  "containerEnv": { "MODE": "dev" },
  "remoteEnv": { "PATH_EXTRA": "\${containerWorkspaceFolder}/bin", "HOME_DIR": "\${localEnv:HOME}" },
}`, {}, { HOME: '/home/me' });
    expect(profile.name).toBe('my-app');
    expect(out).toMatch(/proj\/profiles\/my-app\/dev\.yaml$/);
    expect(profile.machines[0]!.docker).toEqual({
      image: 'debian:bookworm',
      volumes: ['../..:/workspaces/proj'],
      working_dir: '/workspaces/proj',
      ports: ['3000:3000', '5432:5432'],
      env: { MODE: 'dev' },
    });
    expect(profile.machines[0]!.resources).toEqual([
      { env: 'PATH_EXTRA', value: '/workspaces/proj/bin' },
      { env: 'HOME_DIR', value: '/home/me' },
    ]);
  });

  it('build: dockerfile relative to devcontainer.json, context, args, target', async () => {
    const { profile } = await imported(`{ "build": { "dockerfile": "Dockerfile", "context": "..", "args": { "V": "1" }, "target": "dev" } }`);
    expect(profile.machines[0]!.docker.build).toEqual({ context: '../..', dockerfile: '.devcontainer/Dockerfile', args: { V: '1' }, target: 'dev' });
  });

  it('lifecycle commands: once (guarded by a mark), per start (guarded by PID 1\'s start time), as remoteUser, in the workspace', async () => {
    const { profile } = await imported(`{ "image": "x", "remoteUser": "vscode", "postCreateCommand": "npm ci", "onCreateCommand": ["echo", "a b"], "postStartCommand": { "a": "echo 1", "b": "echo 2" } }`);
    const r = profile.machines[0]!.resources;
    expect(r[0]).toEqual({ command: `su -s /bin/sh vscode -c 'echo '\\''a b'\\''' && mkdir -p ${MARK_DIR} && touch ${MARK_DIR}/onCreateCommand.done`, creates: `${MARK_DIR}/onCreateCommand.done`, cwd: '/workspaces/proj' });
    expect(r[1]).toMatchObject({ command: `su -s /bin/sh vscode -c 'npm ci' && mkdir -p ${MARK_DIR} && touch ${MARK_DIR}/postCreateCommand.done`, creates: `${MARK_DIR}/postCreateCommand.done` });
    expect(r[2]).toMatchObject({ unless: `[ "$(cat ${MARK_DIR}/postStartCommand.start 2>/dev/null)" = "$(cut -d' ' -f22 /proc/1/stat)" ]` });
    expect(r[3]!.command).toMatch(/^su -s \/bin\/sh vscode -c 'echo 2' && .*postStartCommand-1\.start$/);
  });

  it('features, customizations, initializeCommand and runArgs are listed with their positions', async () => {
    const { notes, profile } = await imported(`{\n  "image": "x",\n  "features": { "ghcr.io/devcontainers/features/node:1": {} },\n  "customizations": {},\n  "initializeCommand": "make",\n  "runArgs": ["--cap-add=SYS_PTRACE"]\n}`);
    expect(notes).toEqual(['3:3 features', '4:3 customizations', '5:3 initializeCommand', '6:3 runArgs']);
    expect(profile.notes[0]!.message).toMatch(/install what they add in the Dockerfile/);
  });

  it('mounts: strings and objects, bind paths relative to the profile; overrideCommand: false runs the image\'s command', async () => {
    const { profile } = await imported(`{ "image": "x", "overrideCommand": false, "mounts": ["source=\${localWorkspaceFolder}/cache,target=/cache,type=bind", { "source": "data", "target": "/data", "type": "volume" }, "type=tmpfs,target=/t"] }`);
    expect(profile.machines[0]!.docker).toMatchObject({ keep_alive: false, volumes: ['../..:/workspaces/proj', '../../cache:/cache', 'data:/data'] });
    expect(profile.notes.map((n) => n.message)).toEqual(['tmpfs mount at /t is not supported (bind and volume are)']);
  });

  it('a ${localEnv:X} that is not set (and has no default) is a located error', async () => {
    const err = await profileError(imported(`{\n  "image": "x",\n  "containerEnv": { "T": "\${localEnv:NOPE}" }\n}`));
    expect(err.message).toMatch(/devcontainer\.json:3:26: variable NOPE is not set/);
  });

  it('dockerComposeFile goes through the Compose import; the service gets the lifecycle commands; runServices limits the machines', async () => {
    const { profile, notes } = await imported(`{ "dockerComposeFile": ["compose.yaml"], "service": "app", "runServices": ["app"], "postCreateCommand": "make", "forwardPorts": ["app:8000"] }`, {
      'proj/.devcontainer/compose.yaml': 'services:\n  app:\n    image: x\n    command: sleep infinity\n  extra:\n    image: y\n',
    });
    expect(profile.machines.map((m) => m.name)).toEqual(['app']);
    expect(profile.machines[0]!.docker).toMatchObject({ image: 'x', command: ['sleep', 'infinity'], ports: ['8000:8000'] });
    expect(profile.machines[0]!.resources[0]).toMatchObject({ creates: `${MARK_DIR}/postCreateCommand.done` });
    expect(notes).toEqual(['5:3 runServices']);
  });
});
