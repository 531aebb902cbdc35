// The whole app in a real browser against the real engine and Docker: list → set up → drift → reconcile
// → switch → an invalid profile. What the UI says is checked from outside with the docker CLI.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchBrowser, shot } from './support/browser';
import { machineContainerId, containerStates, docker } from '../support/docker.js';
import { startTestApp, type TestApp } from './support/web-app';

const RUN_TIMEOUT = 180_000;
let app: TestApp;
let browser: Browser;
let page: Page;
const figures: Record<string, number> = {};
/** What Chromium reported as blocked by the page's Content-Security-Policy, all along the flow. */
const cspViolations: string[] = [];

async function cleanup(): Promise<void> {
  for (const name of ['alpha.yaml', 'beta.yaml']) {
    await app.engine.start({ kind: 'destroy', file: app.file(name), volumes: true }).done;
  }
}

/** Waits for the run panel of the visible tab to say the run finished, and returns how. */
async function runFinished(p: Page): Promise<string> {
  const state = p.getByRole('region', { name: 'Run' }).locator('.run-state');
  await expect
    .poll(async () => (await state.textContent()) ?? '', { timeout: RUN_TIMEOUT, interval: 250 })
    .toMatch(/succeeded|failed/);
  return (await state.textContent()) ?? '';
}

describe.skipIf(!haveChromium())('the app in a browser', () => {
  beforeAll(async () => {
    app = await startTestApp();
    await cleanup();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    // A person's browser is already running: let the freshly launched one settle before measuring.
    await page.goto('about:blank');
  });

  afterAll(async () => {
    await browser?.close();
    if (app) {
      await cleanup();
      await app.close();
    }
    console.log('e2e figures:', JSON.stringify(figures));
  });

  it('shows every profile within a second of page load', async () => {
    await page.goto(app.web.url);
    await page.getByRole('button', { name: /^e2e-alpha/ }).waitFor();
    // From navigation start to the list on screen (the renderer marks the commit), with what it is made of.
    const t = (await page.evaluate(`(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const list = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/profiles%3Alist'));
      const shown = performance.getEntriesByName('prodlike:profiles-shown')[0];
      return { html: nav.responseEnd, dcl: nav.domContentLoadedEventEnd, listStart: list ? list.startTime : -1, listEnd: list ? list.responseEnd : -1, shown: shown ? shown.startTime : -1 };
    })()`)) as Record<string, number>;
    figures.profileListMs = Math.round(t.shown!);
    figures.pageScriptsReadyMs = Math.round(t.dcl!);
    figures.profilesListCallMs = Math.round(t.listEnd! - t.listStart!);
    await page.getByRole('button', { name: /^e2e-beta/ }).waitFor();
    await page.getByRole('button', { name: /^e2e-broken.*invalid/ }).waitFor();
    // The target is 1 s (reported in figures); the bound leaves room for a loaded CI machine.
    expect(figures.profileListMs).toBeLessThan(3000);
    // The token left the address bar; it is kept for this tab only.
    expect(page.url()).not.toContain('token=');
    await page.screenshot({ path: shot('01-profiles') });
  });

  it('sets up a dev profile: every machine running, every resource ok', async () => {
    await page.getByRole('button', { name: /^e2e-alpha/ }).click();
    await page.getByRole('button', { name: 'Set up' }).click();
    const t = Date.now();
    expect(await runFinished(page)).toBe('succeeded');
    figures.setupMs = Date.now() - t;
    await page.screenshot({ path: shot('02-set-up') });

    const machines = page.getByRole('table', { name: 'Machines' });
    await expect.poll(() => machines.getByTestId('machine-state-web').textContent()).toBe('running');
    await expect.poll(() => machines.getByTestId('machine-state-worker').textContent()).toBe('running');
    const results = await page.getByRole('table', { name: 'Resources' }).locator('.result').allTextContents();
    expect(results.length).toBe(6);
    for (const r of results) expect(['up to date', 'changed']).toContain(r);

    // The same, seen by Docker.
    expect(containerStates('e2e-alpha')).toEqual(new Map([['web', 'running'], ['worker', 'running']]));
    const web = machineContainerId('e2e-alpha', 'web');
    expect(docker('exec', web, 'cat', '/etc/e2e-app.conf')).toBe('listen = 8080\nworkers = 2');
    expect(docker('exec', web, 'cat', '/srv/www/index.html')).toBe('<h1>hello from alpha</h1>');
    expect(docker('exec', web, 'grep', '-x', 'APP_ENV=e2e', '/etc/environment')).toBe('APP_ENV=e2e');
    expect(docker('exec', machineContainerId('e2e-alpha', 'worker'), 'stat', '-c', '%a', '/var/lib/worker')).toBe('750');
  });

  it('drift shows exactly the file changed inside the container, with its diff', async () => {
    docker('exec', machineContainerId('e2e-alpha', 'web'), 'sh', '-c', "sed -i 's/workers = 2/workers = 8/' /etc/e2e-app.conf");
    await page.getByRole('tab', { name: 'Drift' }).click();
    const t = Date.now();
    await page.getByRole('button', { name: 'Check drift' }).click();
    const summary = page.getByRole('status', { name: 'Drift summary' });
    await expect.poll(() => summary.textContent(), { timeout: RUN_TIMEOUT }).toMatch(/1 finding not in sync/);
    figures.driftCheckMs = Date.now() - t;

    const rows = page.getByRole('table', { name: 'Drift findings' }).locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('/etc/e2e-app.conf');
    await page.getByRole('button', { name: 'Show diff of /etc/e2e-app.conf' }).click();
    const diff = (await page.getByLabel('Diff of /etc/e2e-app.conf', { exact: true }).textContent()) ?? '';
    expect(diff).toMatch(/workers = 8/);
    expect(diff).toMatch(/workers = 2/);
    await page.screenshot({ path: shot('03-drift') });
  });

  it('reconcile brings it back in sync in one click', async () => {
    await page.getByRole('button', { name: 'Reconcile', exact: true }).click();
    const summary = page.getByRole('status', { name: 'Drift summary' });
    await expect.poll(() => summary.textContent(), { timeout: RUN_TIMEOUT }).toMatch(/^In sync/);
    expect(docker('exec', machineContainerId('e2e-alpha', 'web'), 'cat', '/etc/e2e-app.conf')).toBe('listen = 8080\nworkers = 2');
    await page.screenshot({ path: shot('04-in-sync') });
  });

  it('opens a shell on a machine', async () => {
    await page.getByRole('tab', { name: 'Shell' }).click();
    await page.getByRole('button', { name: 'Open shell' }).click();
    await page.getByLabel('Terminal on web').waitFor();
    const term = page.locator('.xterm-rows');
    // Type once the shell has printed its prompt (keys sent before it starts are lost on a loaded machine).
    await expect.poll(() => term.textContent(), { timeout: 10_000 }).toMatch(/[#$]\s*$/);
    await page.keyboard.type('echo shell-says-$((6*7))\n');
    await expect.poll(() => term.textContent(), { timeout: 10_000 }).toContain('shell-says-42');
    // xterm.js sizes its rows with <style> elements it creates: under the CSP (no 'unsafe-inline') they
    // apply only because they carry the page's nonce. Its row spans are inline-block by that style alone.
    const xtermStyles = (await page.evaluate(`(() => {
      const styles = [...document.querySelectorAll('.xterm style')];
      const span = document.querySelector('.xterm-rows span');
      return { count: styles.length, withNonce: styles.filter((s) => s.nonce !== '' && s.sheet).length, spanDisplay: span ? getComputedStyle(span).display : '' };
    })()`)) as { count: number; withNonce: number; spanDisplay: string };
    expect(xtermStyles.count).toBeGreaterThan(0);
    expect(xtermStyles.withNonce).toBe(xtermStyles.count);
    expect(xtermStyles.spanDisplay).toBe('inline-block');
    await page.screenshot({ path: shot('05-shell') });
    await page.getByRole('button', { name: 'Close shell' }).click();
  });

  it("switching to another profile stops the first one's containers", async () => {
    await page.getByRole('button', { name: /^e2e-beta/ }).click();
    await page.getByRole('button', { name: 'Switch to this profile' }).click();
    // The plan first: what stops, what starts; nothing has happened yet.
    const dialog = page.getByRole('dialog', { name: 'Switch to e2e-beta?' });
    await expect.poll(() => dialog.getByLabel('Switch plan').textContent()).toMatch(/Stops:.*e2e-alpha \((web, worker|worker, web)\)/);
    expect(containerStates('e2e-alpha').get('web')).toBe('running');
    await dialog.getByRole('button', { name: 'Switch' }).click();
    expect(await runFinished(page)).toBe('succeeded');
    expect(containerStates('e2e-beta').get('api')).toBe('running');
    for (const state of containerStates('e2e-alpha').values()) expect(state).not.toBe('running');
    const running = docker('ps', '--filter', 'label=prodlike.profile=e2e-alpha', '-q');
    expect(running).toBe('');
    await page.getByRole('button', { name: /^e2e-beta \(active\)/ }).waitFor();
    await page.screenshot({ path: shot('06-switched') });
  });

  it('an invalid profile shows its error with file:line', async () => {
    await page.getByRole('button', { name: /^e2e-broken/ }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toMatch(/broken\.yaml:10:\d+/);
    expect(text).toMatch(/mode/);
    await page.screenshot({ path: shot('07-invalid') });
  });

  it('shows settings', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('textbox', { name: 'Docker engine address' }).waitFor();
    // Which engine runs use and why, and the Docker CLI's contexts to pick from ("default" always).
    const contexts = page.getByRole('combobox', { name: 'Docker context' });
    await contexts.waitFor();
    // The contexts come from the engine after the form is drawn: the list fills in a moment later.
    await expect.poll(async () => (await contexts.locator('option').allTextContents()).some((t) => t.startsWith('default — unix:///var/run/docker.sock'))).toBe(true);
    expect(await page.getByLabel('Docker engine in use').textContent()).toMatch(/^In use: (unix|tcp|ssh):\/\/\S+ — /);
    await page.getByRole('table', { name: 'Trusted host keys' }).waitFor();
    // The environment cache, as the engine lists it (by label): a summary line and a table.
    const cache = page.getByRole('region', { name: 'Environment cache' });
    await cache.getByRole('table', { name: 'Cached states' }).waitFor();
    // Its columns are the CLI's (`prodlike cache ls`): the key first; which states containers use; and a
    // last one, named for screen readers only, holding each row's Remove.
    expect(await cache.getByRole('columnheader').allTextContents()).toEqual(['Key', 'Profile / machine', 'Resources', 'Size', 'Saved', 'Last used', 'In use', 'Actions']);
    await expect.poll(() => cache.textContent()).toMatch(/\d+ cached state\(s\), [\d.]+ (B|kB|MB|GB|TB) of 20 GB/);
    await page.screenshot({ path: shot('08-settings') });
  });

  it('ran the whole flow without a single Content-Security-Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
