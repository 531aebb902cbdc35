// Switching in the app, back and forth: test → dev → test → dev. Each time the plan is shown before the
// button acts, and Docker (not the app) says which profile's containers run. The two profiles publish
// the same host port, so every switch must stop one before starting the other.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchBrowser, shot } from './support/browser';
import { containerStates, docker } from '../support/docker.js';
import { startTestApp, type TestApp } from './support/web-app';

const suffix = Math.random().toString(36).slice(2, 7);
const DEV = `e2e-sw-dev-${suffix}`;
const TEST = `e2e-sw-test-${suffix}`;
const PORT = 24000 + Math.floor(Math.random() * 1000);

const profile = (name: string, role: string) => `name: ${name}
role: ${role}
machines:
  web:
    docker: { image: debian:bookworm, ports: ["${PORT}:80"] }
    resources:
      - file: /etc/which
        content: "${name}\\n"
`;

let app: TestApp;
let browser: Browser;
let page: Page;

async function destroyBoth(): Promise<void> {
  for (const f of ['sw-dev.yaml', 'sw-test.yaml']) await app.engine.start({ kind: 'destroy', file: app.file(f) }).done;
}

async function switchTo(name: string, stops: string | null): Promise<void> {
  await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
  await page.getByRole('button', { name: 'Switch to this profile' }).click();
  const dialog = page.getByRole('dialog', { name: `Switch to ${name}?` });
  const plan = dialog.getByLabel('Switch plan');
  await plan.waitFor();
  const text = (await plan.textContent()) ?? '';
  if (stops) expect(text).toMatch(new RegExp(`Stops: (.*; )?${stops} \\(web\\)`));
  expect(text).toMatch(/Starts .*: web \((create|start)/);
  // Nothing has been stopped while the plan is shown.
  if (stops) expect(containerStates(stops).get('web')).toBe('running');
  const state = page.getByRole('region', { name: 'Run' }).locator('.run-state');
  await dialog.getByRole('button', { name: 'Switch' }).click();
  // The panel still shows the previous switch's result until this run starts: wait for this one.
  await expect.poll(async () => (await state.textContent()) ?? '', { timeout: 30_000, interval: 50 }).toBe('running');
  await expect.poll(async () => (await state.textContent()) ?? '', { timeout: 120_000, interval: 250 }).toMatch(/succeeded|failed/);
  expect(await state.textContent()).toBe('succeeded');
  await page.getByRole('button', { name: new RegExp(`^${name} \\(active\\)`) }).waitFor();
}

describe.skipIf(!haveChromium())('switching profiles in the app', () => {
  beforeAll(async () => {
    app = await startTestApp();
    await writeFile(path.join(app.profilesDir, 'sw-dev.yaml'), profile(DEV, 'dev'));
    await writeFile(path.join(app.profilesDir, 'sw-test.yaml'), profile(TEST, 'test'));
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(app.web.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) {
      await destroyBoth();
      await app.close();
    }
  });

  it('test → dev → test → dev: each switch shows its plan, then only the chosen profile runs', async () => {
    const steps: [string, string | null][] = [
      [TEST, null],
      [DEV, TEST],
      [TEST, DEV],
      [DEV, TEST],
    ];
    for (const [target, stops] of steps) {
      await switchTo(target, stops);
      const other = target === DEV ? TEST : DEV;
      expect(containerStates(target).get('web')).toBe('running');
      expect(docker('ps', '--filter', `label=prodlike.profile=${other}`, '-q')).toBe('');
      expect(docker('exec', `${target}-web`, 'cat', '/etc/which')).toBe(target);
      expect(docker('port', `${target}-web`, '80/tcp')).toBe(`127.0.0.1:${PORT}`);
    }
    await page.screenshot({ path: shot('switch-back-and-forth') });
  });

  it('a switch whose port is held by a container Prodlike does not own shows the holder and cannot be confirmed', async () => {
    const holder = `e2e-sw-holder-${suffix}`;
    const net = `e2e-sw-net-${suffix}`;
    docker('network', 'create', net);
    try {
      docker('stop', `${DEV}-web`);
      docker('run', '-d', '--name', holder, '--network', net, '-p', `127.0.0.1:${PORT}:80`, 'debian:bookworm', 'sleep', 'infinity');
      await page.getByRole('button', { name: new RegExp(`^${TEST}`) }).click();
      await page.getByRole('button', { name: 'Switch to this profile' }).click();
      const dialog = page.getByRole('dialog', { name: `Switch to ${TEST}?` });
      const problems = dialog.getByRole('alert', { name: 'Switch problems' });
      await expect.poll(() => problems.textContent()).toContain(`is held by container ${holder}`);
      expect(await dialog.getByRole('button', { name: 'Switch' }).isDisabled()).toBe(true);
      await page.screenshot({ path: shot('switch-refused') });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect(docker('ps', '--filter', `name=^${holder}$`, '--format', '{{.State}}')).toBe('running');
    } finally {
      docker('rm', '-f', holder);
      docker('network', 'rm', net);
    }
  });
});
