// A terminal's `prodlike up` while the app is open (issue 14, part 1), in a real browser: the app opened
// the way both front ends open it (api/app-host.ts: the CLI's data folder, serving as the agent), the
// real CLI bundle in a terminal, the real engine and Docker. The page shows the terminal's run live in
// the profile's run panel (its log growing while the command runs), then in the profile's history.
// The container is checked with the docker CLI.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../electron/api/app-version';
import { openAppHost, type AppHost } from '../../electron/api/app-host';
import { startWebServer, type WebServer } from '../../electron/web/web-server';
import { BIN, exec, purge, unique, workspace, type Workspace } from '../support/cli.js';
import { haveChromium, launchBrowser, shot } from './support/browser';
import { ROOT } from './support/web-app';

const NAME = unique('e2e-terminal');
const RUN_TIMEOUT = 180_000;
let ws: Workspace;
let file: string;
let app: AppHost;
let web: WebServer;
let browser: Browser;
let page: Page;

const PROFILE = `name: ${NAME}
machines:
  box:
    docker: { image: debian:bookworm }
    resources:
      - file: /etc/from-the-terminal
        content: "yes\\n"
      - command: for i in $(seq 1 15); do echo "tick $i"; sleep 0.2; done; touch /tmp/ticked
        creates: /tmp/ticked
`;

describe.skipIf(!haveChromium())('a terminal run while the app is open', () => {
  beforeAll(async () => {
    ws = await workspace();
    file = await ws.write('profiles/terminal.yaml', PROFILE);
    const env = { ...ws.env, PRODLIKE_NO_AGENT: '', XDG_RUNTIME_DIR: path.join(ws.dir, 'runtime') };
    app = await openAppHost({ mode: 'web', dataDir: ws.dataDir, profileFolders: [path.join(ws.dir, 'profiles')], version: APP_VERSION, cliMain: path.join(ROOT, 'dist/cli/main.mjs'), env, log: () => undefined });
    expect((await app.agent?.ready)?.app).toBe('the browser-mode app');
    web = await startWebServer({ handlers: app.api.handlers, hub: app.hub, rendererDir: path.join(ROOT, 'dist/renderer') });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(web.url);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await app?.close();
    purge(NAME);
  });

  it("shows the terminal's run live in the profile's panel, then in its history", async () => {
    await page.getByRole('button', { name: new RegExp(`^${NAME}`) }).click();
    await page.getByRole('table', { name: 'Machines' }).waitFor();

    let out = '';
    const cli = spawn(process.execPath, [BIN, 'up', file], { cwd: ws.dir, env: { ...ws.env, PRODLIKE_NO_AGENT: '', CI: '1', XDG_RUNTIME_DIR: path.join(ws.dir, 'runtime') }, stdio: ['ignore', 'pipe', 'pipe'] });
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => cli.on('close', (code) => r(code)));

    const state = page.getByRole('region', { name: 'Run' }).locator('.run-state');
    await expect.poll(async () => (await state.textContent()) ?? '', { timeout: 60_000, interval: 100 }).toBe('running');
    // The slow command's lines arrive while it runs: some ticks on screen before the last one.
    const log = page.getByRole('log', { name: 'Run log' });
    await expect
      .poll(async () => {
        const ticks = [...((await log.textContent()) ?? '').matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
        return ticks.length > 0 && !ticks.includes(15) && (await state.textContent()) === 'running';
      }, { timeout: RUN_TIMEOUT, interval: 100 })
      .toBe(true);
    await page.screenshot({ path: shot('terminal-01-live') });

    expect(await exited, out).toBe(0);
    await expect.poll(async () => (await state.textContent()) ?? '', { timeout: 30_000 }).toMatch(/succeeded/);
    expect(exec(`${NAME}-box`, 'cat /etc/from-the-terminal; test -f /tmp/ticked && echo ticked')).toBe('yes\nticked');
    expect(app.engine.activeRuns()).toEqual([]);

    await page.getByRole('tab', { name: 'History' }).click();
    const list = page.getByRole('list', { name: 'Run history' });
    await list.waitFor();
    await expect.poll(async () => (await list.locator(':scope > li > button').allTextContents())[0] ?? '', { timeout: 30_000 }).toMatch(/^Set up.*succeeded/);
    await page.screenshot({ path: shot('terminal-02-history') });
  });
});
