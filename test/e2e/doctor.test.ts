// The first screen's machine checks in a real browser: an engine of the test's own is stopped, the
// screen says so with a Fix button, the click starts it. Checked from outside with the docker CLI.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secondEngine, type SecondEngine } from '../support/second-engine';
import { Engine } from '../../electron/engine/engine';
import { createApi, type Api } from '../../electron/api/handlers';
import { PushHub } from '../../electron/api/push-hub';
import { startWebServer, type WebServer } from '../../electron/web/web-server';
import { haveChromium, launchBrowser, shot } from './support/browser';
import { ROOT } from './support/web-app';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!haveChromium() || !isRoot)('the first screen checks the machine', () => {
  let dir: string;
  let sock: string;
  let host: Api;
  let web: WebServer;
  let browser: Browser;
  let page: Page;

  let engine2: SecondEngine;

  beforeAll(async () => {
    engine2 = await secondEngine('pl-doctor-e2e');
    ({ dir, sock } = engine2);
    await mkdir(path.join(dir, 'profiles'));
    await writeFile(path.join(dir, 'profiles', 'app.yaml'), 'name: doctor-e2e\nmachines:\n  web:\n    docker: { image: pl-doctor-test/img:xyz }\n');
    const env = {
      ...process.env,
      DOCKER_HOST: `unix://${sock}`,
      PRODLIKE_DOCKERD_ARGS: engine2.dockerdArgs,
      PRODLIKE_BASE_IMAGE: '',
    };
    const dataDir = path.join(dir, 'app-data');
    const engine = new Engine({ dataDir, profileFolders: [path.join(dir, 'profiles')], env });
    const hub = new PushHub();
    host = createApi({ engine, hub, mode: 'web', version: 'e2e', dataDir });
    web = await startWebServer({ handlers: host.handlers, hub, rendererDir: path.join(ROOT, 'dist/renderer') });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await host?.close();
    await engine2?.stop();
  });

  it('shows a stopped engine with a Fix button, and the click starts it', async () => {
    await page.goto(web.url);
    const engineCheck = page.locator('[data-check="docker-engine"]');
    await expect.poll(async () => (await engineCheck.textContent()) ?? '', { timeout: 20_000 }).toContain('installed but not running');
    await expect.poll(async () => (await page.getByRole('status').textContent()) ?? '').toContain('missing before profiles can run');
    await page.screenshot({ path: shot('doctor-engine-stopped') });

    await page.getByRole('button', { name: 'Fix: Docker engine running and reachable' }).click();
    await expect.poll(async () => (await engineCheck.textContent()) ?? '', { timeout: 90_000, interval: 500 }).toContain('Fixed: started dockerd');
    expect(await engineCheck.locator('.doctor-mark').getAttribute('aria-label')).toBe('ok');
    // From outside: the engine on that socket answers.
    expect(spawnSync('docker', ['-H', `unix://${sock}`, 'version', '--format', '{{.Server.Version}}']).status).toBe(0);
    // Now the image can be checked: it is missing, with its own Fix.
    const imageCheck = page.locator('[data-check="image:pl-doctor-test/img:xyz"]');
    expect(await imageCheck.textContent()).toContain('missing locally (used by doctor-e2e)');
    await expect(imageCheck.getByRole('button', { name: /^Fix/ }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: shot('doctor-engine-started') });
  }, 120_000);
});
