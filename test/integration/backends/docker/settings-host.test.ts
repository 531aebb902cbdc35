// The app's "Docker engine address" setting decides which engine runs talk to (before DOCKER_HOST, as
// `docker --host` does); without it, a Docker CLI context (DOCKER_CONTEXT, or the one the CLI's config names).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../../shared/report.js';
import { Engine } from '../../../../electron/engine/engine.js';
import { uniqueProfile } from '../../../support/docker-profile.js';
import { purgeProfile } from '../../../support/docker.js';

const NAME = uniqueProfile('pl-dkr-settings');
let engine: Engine;
let file: string;

beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pl-settings-'));
  file = path.join(dir, 'p.yaml');
  writeFileSync(file, `name: ${NAME}\nmachines:\n  box:\n    docker: { image: debian:bookworm }\n`);
  const env = { ...process.env };
  delete env.DOCKER_HOST;
  engine = new Engine({ dataDir: path.join(dir, 'data'), profileFolders: [dir], env });
});

afterAll(async () => {
  await engine?.close();
  purgeProfile(NAME);
});

describe('the Docker engine address setting', () => {
  it('is the engine runs use, and a change takes effect on the next run', async () => {
    await engine.setSettings({ dockerHost: 'unix:///tmp/pl-no-engine-here.sock' });
    const failed = (await engine.start({ kind: 'up', file }).done) as RunResult;
    expect(failed.ok).toBe(false);
    expect(JSON.stringify(failed)).toContain('Docker engine not running at unix:///tmp/pl-no-engine-here.sock');

    await engine.setSettings({ dockerHost: 'unix:///var/run/docker.sock' });
    const up = (await engine.start({ kind: 'up', file }).done) as RunResult;
    expect(up.ok).toBe(true);
    expect((await engine.status(file)).machines[0]!.state).toBe('running');
  });

  it('comes before DOCKER_HOST; without it a Docker context is used, found in the CLI\'s own files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pl-settings-ctx-'));
    const config = path.join(dir, 'docker-config');
    const meta = path.join(config, 'contexts', 'meta', createHash('sha256').update('real').digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: 'real', Metadata: {}, Endpoints: { docker: { Host: 'unix:///var/run/docker.sock', SkipTLSVerify: false } } }));
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'real' }));
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: config, DOCKER_HOST: '' };
    delete env.DOCKER_CONTEXT;
    const e2 = new Engine({ dataDir: path.join(dir, 'data'), profileFolders: [path.dirname(file)], env });
    try {
      // The CLI's current context: the real engine.
      expect(await e2.dockerEngine()).toMatchObject({ address: 'unix:///var/run/docker.sock', source: 'config', context: 'real' });
      expect(((await e2.start({ kind: 'up', file }).done) as RunResult).ok).toBe(true);
      // A context named in DOCKER_CONTEXT that does not exist: a run fails naming it.
      env.DOCKER_CONTEXT = 'missing';
      const failed = (await e2.start({ kind: 'up', file }).done) as RunResult;
      expect(failed.ok).toBe(false);
      expect(JSON.stringify(failed)).toContain('Docker context \\"missing\\" (DOCKER_CONTEXT) does not exist');
      // The setting wins over DOCKER_HOST and contexts.
      env.DOCKER_HOST = 'unix:///tmp/pl-no-engine-env.sock';
      await e2.setSettings({ dockerHost: 'unix:///var/run/docker.sock' });
      expect(await e2.dockerEngine()).toMatchObject({ source: 'setting', address: 'unix:///var/run/docker.sock' });
      expect(((await e2.start({ kind: 'up', file }).done) as RunResult).ok).toBe(true);
    } finally {
      await e2.close();
    }
  });

  it('a profile\'s own engine: comes before the setting', async () => {
    const dir = path.dirname(file);
    const own = path.join(dir, 'own.yaml');
    writeFileSync(own, `name: ${NAME}-own\nengine: { host: "unix:///var/run/docker.sock" }\nmachines:\n  box:\n    docker: { image: debian:bookworm }\n`);
    const nowhere = path.join(dir, 'nowhere.yaml');
    writeFileSync(nowhere, `name: ${NAME}-nowhere\nengine: { host: "unix:///tmp/pl-no-engine-profile.sock" }\nmachines:\n  box:\n    docker: { image: debian:bookworm }\n`);
    await engine.setSettings({ dockerHost: 'unix:///tmp/pl-no-engine-here.sock' });
    try {
      const up = (await engine.start({ kind: 'up', file: own }).done) as RunResult;
      expect(up.ok).toBe(true);
      expect(execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', `${NAME}-own-box`]).toString().trim()).toBe('true');
      const failed = (await engine.start({ kind: 'up', file: nowhere }).done) as RunResult;
      expect(failed.ok).toBe(false);
      expect(JSON.stringify(failed)).toContain('Docker engine not running at unix:///tmp/pl-no-engine-profile.sock');
    } finally {
      await engine.setSettings({ dockerHost: '' });
      purgeProfile(`${NAME}-own`);
    }
  });
});
