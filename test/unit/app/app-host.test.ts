// Opening an app (api/app-host.ts, for Electron main and the browser-mode server alike): which data
// folder it uses, and when the app's old folder is moved into it. No agent here (PRODLIKE_NO_AGENT); the
// app serving as the agent is test/unit/engine/agent/app-agent.test.ts and test/integration/app/.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAppHost } from '../../../electron/api/app-host.js';

function oldFolder() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pl-host-'));
  const old = path.join(root, 'config', 'Prodlike');
  mkdirSync(old, { recursive: true });
  writeFileSync(path.join(old, 'settings.json'), '{"cacheMaxGb":3}');
  return { root, old };
}

async function open(env: NodeJS.ProcessEnv, extra: { dataDir?: string; oldDataDir: string }) {
  const host = await openAppHost({ mode: 'web', version: '0.0.0', cliMain: '/nowhere/main.mjs', env: { ...env, PRODLIKE_NO_AGENT: '1' }, log: () => undefined, profileFolders: [], ...extra });
  await host.close();
  return host;
}

describe('openAppHost', () => {
  it.runIf(process.platform === 'linux')("uses the CLI's default folder and moves the app's old state into it, once", async () => {
    const { root, old } = oldFolder();
    const host = await open({ XDG_DATA_HOME: path.join(root, 'share') }, { oldDataDir: old });
    expect(host.engine.dataDir).toBe(path.join(root, 'share', 'prodlike'));
    expect(host.moved?.moved).toEqual(['settings.json']);
    expect((await host.engine.getSettings()).cacheMaxGb).toBe(3);
    expect(host.agent).toBeUndefined();
  });

  it('moves nothing into a folder named by PRODLIKE_DATA_DIR or dataDir (a test\'s, a one-off\'s)', async () => {
    const { root, old } = oldFolder();
    const byEnv = await open({ PRODLIKE_DATA_DIR: path.join(root, 'env-data') }, { oldDataDir: old });
    expect(byEnv.engine.dataDir).toBe(path.join(root, 'env-data'));
    expect(byEnv.moved).toBeUndefined();
    const byOption = await open({}, { dataDir: path.join(root, 'given'), oldDataDir: old });
    expect(byOption.engine.dataDir).toBe(path.join(root, 'given'));
    expect(byOption.moved).toBeUndefined();
    expect(existsSync(path.join(old, 'settings.json'))).toBe(true);
  });
});
