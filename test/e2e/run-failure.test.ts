// A failing step in the app: the resource row shows the command's exit code and its own stderr (what a
// person needs to fix it), and the resources after it say they were not applied.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchBrowser, shot } from './support/browser';
import { startTestApp, type TestApp } from './support/web-app';

let app: TestApp;
let browser: Browser;
let page: Page;
let file: string;

describe.skipIf(!haveChromium())('a failed run in the app', () => {
  beforeAll(async () => {
    app = await startTestApp();
    file = path.join(app.profilesDir, 'failing.yaml');
    await writeFile(
      file,
      `name: e2e-failing
machines:
  box:
    docker: { image: debian:bookworm }
    resources:
      - command: 'printf "fsck: %s\\\\n" "superblock is corrupt" >&2; exit 4'
      - file: /etc/after.conf
        content: "x\\n"
`,
    );
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    if (app) {
      await app.engine.start({ kind: 'destroy', file }).done;
      await app.close();
    }
  });

  it("shows the failing command's exit code and stderr in its row, and why the next one was skipped", async () => {
    await page.goto(app.web.url);
    await page.getByRole('button', { name: /^e2e-failing/ }).click();
    await page.getByRole('button', { name: 'Set up' }).click();
    const table = page.getByRole('table', { name: 'Resources' });
    await expect.poll(async () => (await table.textContent()) ?? '', { timeout: 180_000, interval: 250 }).toContain('fsck: superblock is corrupt');
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('(exit 4)');
    expect(text.split('fsck: superblock is corrupt').length - 1).toBe(1);
    expect(text).toContain('not applied: command');
    await page.screenshot({ path: shot('run-failure'), fullPage: true });
  });
});
