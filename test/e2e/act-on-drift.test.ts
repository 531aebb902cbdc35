// Acting on what the app shows (issue 9, part 5), in a real browser against the real engine and Docker:
// "Apply this plan" applies exactly the plan and refuses after the machine changed; "Reconcile this one"
// fixes one finding and leaves the other; "Adopt into profile" shows the YAML diff, writes it with the
// comments kept, and drift is then in sync; a run's history entry opens on its changes and log. Each part
// needs an engine API from h/app-engine and is skipped, saying why, on an engine without it. What the app
// says is checked from outside: docker exec, the profile file on disk.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSchemas } from '../../electron/api/schemas';
import { haveChromium, launchBrowser, shot } from './support/browser';
import { machineContainerId, docker } from '../support/docker.js';
import { startTestApp, type TestApp } from './support/web-app';

const suffix = Math.random().toString(36).slice(2, 7);
const NAME = `e2e-act-${suffix}`;
const RUN_TIMEOUT = 180_000;
const YAML = `# Acting on drift: this comment stays
name: ${NAME}
role: dev
machines:
  box:
    docker: { image: debian:bookworm }   # the base image
    resources:
      # the app's settings
      - file: /etc/act.conf
        content: |
          level = 1
        mode: "0644"
      - file: /etc/other.conf
        content: |
          other = yes
`;

let app: TestApp;
let browser: Browser;
let page: Page;
let profileFile: string;

const engineHas = (method: string) => typeof (app.engine as unknown as Record<string, unknown>)[method] === 'function';
const startAccepts = (field: Record<string, unknown>) => requestSchemas['runs:start'].safeParse({ kind: 'up', file: '/x.yaml', ...field }).success;
const exec = (cmd: string) => docker('exec', machineContainerId(NAME, 'box'), 'sh', '-c', cmd);
const heading = () => page.getByRole('region', { name: 'Run' }).getByRole('heading');

async function runEnds(kind: string): Promise<string> {
  await expect.poll(async () => (await heading().textContent()) ?? '', { timeout: RUN_TIMEOUT, interval: 100 }).toMatch(new RegExp(`^${kind}\\s*(succeeded|failed)`));
  return (await page.getByRole('region', { name: 'Run' }).locator('.run-state').textContent()) ?? '';
}

async function checkDrift(expected: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Check drift' }).click();
  await expect.poll(() => page.getByRole('status', { name: 'Drift summary' }).textContent(), { timeout: RUN_TIMEOUT }).toMatch(expected);
}

describe.skipIf(!haveChromium())('acting on drift and plans in the app', () => {
  beforeAll(async () => {
    app = await startTestApp();
    profileFile = path.join(app.profilesDir, 'act.yaml');
    await writeFile(profileFile, YAML);
    expect((await app.engine.start({ kind: 'up', file: profileFile }).done as { ok: boolean }).ok).toBe(true);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(app.web.url);
    await page.getByRole('button', { name: new RegExp(`^${NAME}`) }).click();
    await page.getByRole('table', { name: 'Machines' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    if (app) {
      await app.engine.start({ kind: 'destroy', file: profileFile }).done;
      await app.close();
    }
  });

  it('Apply this plan refuses when the machine changed since the plan, and applies it when it did not', async (ctx) => {
    if (!startAccepts({ planId: 'p1' })) {
      console.log('skipped: this engine does not take runs:start { planId } (h/app-engine adds apply-this-plan)');
      ctx.skip();
    }
    exec("printf 'level = 2\\n' > /etc/act.conf");
    await page.getByRole('button', { name: 'Plan', exact: true }).click();
    expect(await runEnds('Plan')).toBe('succeeded');
    const plan = page.getByRole('region', { name: 'Plan' });
    expect(await plan.textContent()).toMatch(/1 resource would change/);
    // The machine changes after the plan looked: applying that plan must change nothing.
    exec("printf 'level = 3\\n' > /etc/act.conf");
    await plan.getByRole('button', { name: 'Apply this plan' }).click();
    // The engine probes again, sees the difference, and refuses: a failed run that changed nothing.
    expect(await runEnds('Set up')).toBe('failed');
    const refusal = (await page.getByRole('region', { name: 'Run' }).getByRole('alert').textContent()) ?? '';
    expect(refusal).toMatch(/changed since plan .* was made, so it was not applied \(nothing was changed\)/);
    expect(refusal).toContain('/etc/act.conf');
    await page.screenshot({ path: shot('act-01-plan-refused') });
    expect(exec('cat /etc/act.conf')).toBe('level = 3');

    // Plan again, apply it: done.
    await page.getByRole('button', { name: 'Plan', exact: true }).click();
    expect(await runEnds('Plan')).toBe('succeeded');
    await page.getByRole('region', { name: 'Plan' }).getByRole('button', { name: 'Apply this plan' }).click();
    expect(await runEnds('Set up')).toBe('succeeded');
    expect(exec('cat /etc/act.conf')).toBe('level = 1');
  });

  it('Reconcile this one fixes that finding only', async (ctx) => {
    if (!startAccepts({ only: [{ machine: 'box', resource: 'file:/etc/act.conf' }] })) {
      console.log('skipped: this engine does not take runs:start { only } (h/app-engine adds reconcile-one)');
      ctx.skip();
    }
    exec("printf 'level = 9\\n' > /etc/act.conf && printf 'other = no\\n' > /etc/other.conf");
    await page.getByRole('tab', { name: 'Drift' }).click();
    await checkDrift(/2 findings not in sync/);
    await page.getByRole('button', { name: 'Reconcile /etc/other.conf on box' }).click();
    await expect.poll(() => exec('cat /etc/other.conf'), { timeout: RUN_TIMEOUT, interval: 200 }).toBe('other = yes');
    // The app checks again by itself once the reconcile ends: wait for that check to be over.
    const table = page.getByRole('table', { name: 'Drift findings' });
    const summary = page.getByRole('status', { name: 'Drift summary' });
    await expect
      .poll(async () => `${await table.getAttribute('aria-busy')} ${(await summary.count()) ? await summary.textContent() : ''}`, { timeout: RUN_TIMEOUT, interval: 100 })
      .toMatch(/^false 1 finding not in sync/);
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('/etc/act.conf');
    expect(exec('cat /etc/other.conf')).toBe('other = yes');
    expect(exec('cat /etc/act.conf')).toBe('level = 9');
  });

  it('Adopt into profile shows the YAML diff, writes it keeping the comments, and drift is then in sync', async (ctx) => {
    if (!engineHas('adoptPreview')) {
      console.log('skipped: this engine has no adoptPreview (h/app-engine adds adopt into profile)');
      ctx.skip();
    }
    const before = await readFile(profileFile, 'utf8');
    await page.getByRole('button', { name: 'Adopt /etc/act.conf from box into the profile' }).click();
    const dialog = page.getByRole('dialog', { name: 'Adopt /etc/act.conf into the profile?' });
    const diff = (await dialog.getByLabel(`Change to ${profileFile}`, { exact: true }).textContent()) ?? '';
    expect(diff).toMatch(/-\s+level = 1/);
    expect(diff).toMatch(/\+\s+level = 9/);
    // Nothing is written before the confirmation.
    expect(await readFile(profileFile, 'utf8')).toBe(before);
    await page.screenshot({ path: shot('act-02-adopt-preview') });
    await dialog.getByRole('button', { name: 'Write to the profile' }).click();
    await page.getByRole('status', { name: 'Adopted' }).waitFor();
    const after = await readFile(profileFile, 'utf8');
    expect(after).toBe(before.replace('          level = 1\n', '          level = 9\n'));
    expect(after).toContain('# the app\'s settings');
    expect(after).toContain('# the base image');
    await expect.poll(() => page.getByRole('status', { name: 'Drift summary' }).textContent(), { timeout: RUN_TIMEOUT }).toMatch(/^In sync/);
    // The machine was only read.
    expect(exec('cat /etc/act.conf')).toBe('level = 9');
  });

  it("a history entry opens on the run's changes, with their diffs, and its log", async (ctx) => {
    if (!engineHas('runDetail')) {
      console.log('skipped: this engine has no runDetail (h/app-engine adds runs:get)');
      ctx.skip();
    }
    await page.getByRole('tab', { name: 'History' }).click();
    const list = page.getByRole('list', { name: 'Run history' });
    const entry = list.locator(':scope > li > button').filter({ hasText: /^Set up.*changed/ }).first();
    await entry.click();
    const changed = page.getByRole('list', { name: 'Resources it changed' });
    await changed.waitFor();
    expect(await changed.textContent()).toMatch(/\/etc\/(act|other)\.conf/);
    expect(await page.getByRole('tabpanel', { name: 'History' }).getByRole('log', { name: 'Run log' }).count()).toBe(1);
    await page.screenshot({ path: shot('act-03-history-detail') });
  });
});
