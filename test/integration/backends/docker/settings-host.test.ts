// The app's "Docker engine address" setting decides which engine runs talk to (DOCKER_HOST, when the
// environment sets it, still wins).
import { mkdtempSync, writeFileSync } from 'node:fs';
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
});
