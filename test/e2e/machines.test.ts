// Machines you can use (issue 9, part 4), in a real browser against the real engine and Docker: a
// container's logs followed live, Restart, a shell that survives a tab change and a reload (attach), and
// closing it leaves no process in the container. Checked from outside with docker inspect and docker exec
// ps. Needs the engine APIs of h/app-engine (machines:logs, machines:restart, shell:list/attach): skipped,
// saying so, without them.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchBrowser, shot } from './support/browser';
import { machineContainerId, docker } from '../support/docker.js';
import { startTestApp, type TestApp } from './support/web-app';

const suffix = Math.random().toString(36).slice(2, 7);
const NAME = `e2e-mach-${suffix}`;
const YAML = `name: ${NAME}
role: dev
machines:
  box:
    docker:
      image: debian:bookworm
      command: ["sh", "-c", "i=0; while true; do echo log-line-$i; i=$((i+1)); sleep 0.3; done"]
    resources:
      - file: /etc/mach.conf
        content: "x = 1\\n"
`;

let app: TestApp;
let browser: Browser;
let page: Page;
let file: string;

const hasHandler = (channel: string) => typeof (app.host.handlers as unknown as Record<string, unknown>)[channel] === 'function';
/** Processes in the container other than its main command's loop and ps itself. */
const shellProcesses = () =>
  docker('exec', machineContainerId(NAME, 'box'), 'ps', '-eo', 'args=')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('ps ') && !l.startsWith('sleep') && !l.startsWith('sh -c i=0') && !l.startsWith('/sbin/docker-init') && !l.startsWith('/dev/init'));

describe.skipIf(!haveChromium())('machines you can use', () => {
  beforeAll(async () => {
    app = await startTestApp();
    file = path.join(app.profilesDir, 'mach.yaml');
    await writeFile(file, YAML);
    expect(((await app.engine.start({ kind: 'up', file }).done) as { ok: boolean }).ok).toBe(true);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(app.web.url);
    await page.getByRole('button', { name: new RegExp(`^${NAME}`) }).click();
    await page.getByRole('table', { name: 'Machines' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    if (app) {
      await app.engine.start({ kind: 'destroy', file }).done;
      await app.close();
    }
  });

  it("follows a container's logs live", async (ctx) => {
    if (!hasHandler('machines:logs')) {
      console.log('skipped: this host has no machines:logs handler (h/app-engine adds container logs)');
      ctx.skip();
    }
    await page.getByRole('button', { name: 'Logs', exact: true }).click();
    const logs = page.getByRole('region', { name: 'Logs of box' });
    const lines = async () => [...((await logs.getByRole('log').textContent()) ?? '').matchAll(/log-line-(\d+)/g)].map((m) => Number(m[1]));
    await expect.poll(async () => (await lines()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const first = Math.max(...(await lines()));
    // Followed: newer lines keep coming while the pane is open.
    await expect.poll(async () => Math.max(...(await lines())), { timeout: 10_000 }).toBeGreaterThan(first + 2);
    await page.screenshot({ path: shot('mach-01-logs') });
    await logs.getByRole('button', { name: 'Close logs' }).click();
    expect(await page.getByRole('region', { name: 'Logs of box' }).count()).toBe(0);
  });

  it('restarts a machine', async (ctx) => {
    if (!hasHandler('machines:restart')) {
      console.log('skipped: this host has no machines:restart handler (h/app-engine adds restart)');
      ctx.skip();
    }
    const started = () => docker('inspect', '-f', '{{.State.StartedAt}}', machineContainerId(NAME, 'box'));
    const before = started();
    await page.getByRole('button', { name: 'Restart box' }).click();
    await expect.poll(started, { timeout: 30_000, interval: 200 }).not.toBe(before);
    expect(docker('inspect', '-f', '{{.State.Running}}', machineContainerId(NAME, 'box'))).toBe('true');
    await expect.poll(() => page.getByRole('table', { name: 'Machines' }).getByTestId('machine-state-box').textContent(), { timeout: 10_000 }).toBe('running');
  });

  it('a shell survives a tab change and a reload, and closing it leaves no process behind', async (ctx) => {
    if (!hasHandler('shell:attach')) {
      console.log('skipped: this host has no shell:attach handler (h/app-engine adds shells that survive)');
      ctx.skip();
    }
    expect(shellProcesses()).toEqual([]);
    await page.getByRole('tab', { name: 'Shell' }).click();
    await page.getByRole('button', { name: 'Open shell' }).click();
    await page.getByLabel('Terminal on box').waitFor();
    const term = page.locator('.xterm-rows');
    await expect.poll(() => term.textContent(), { timeout: 10_000 }).toMatch(/[#$]\s*$/);
    await page.keyboard.type('echo mark-$((6*7))\n');
    await expect.poll(() => term.textContent(), { timeout: 10_000 }).toContain('mark-42');
    expect(shellProcesses().length).toBeGreaterThan(0);

    // Another tab and back: the same shell, its output still there.
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByRole('tab', { name: 'Shell' }).click();
    expect(await term.textContent()).toContain('mark-42');

    // A reload: the shell is still open on the engine; attaching repaints it from its backlog.
    await page.reload();
    await page.getByRole('button', { name: new RegExp(`^${NAME}`) }).click();
    await page.getByRole('tab', { name: 'Shell' }).click();
    await page.getByRole('button', { name: 'Attach to the shell on box' }).click();
    await expect.poll(() => page.locator('.xterm-rows').textContent(), { timeout: 10_000 }).toContain('mark-42');
    await page.waitForTimeout(300);
    await page.keyboard.type('echo again-$((2*3))\n');
    await expect.poll(() => page.locator('.xterm-rows').textContent(), { timeout: 10_000 }).toContain('again-6');
    await page.screenshot({ path: shot('mach-02-shell-attached') });

    await page.getByRole('button', { name: 'Close shell' }).click();
    await expect.poll(shellProcesses, { timeout: 10_000, interval: 200 }).toEqual([]);
  });
});
