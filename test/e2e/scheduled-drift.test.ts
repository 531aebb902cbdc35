// Scheduled drift as a per-profile setting (issue 14, part 4), in a real browser against the browser-mode
// server with the real engine and Docker: the "Check for drift" setting starts a check at once and shows
// it in sync; at the shortest interval (5 s), a file changed with `docker exec` brings a "Drifted" notice
// whose check is in the history, fixing it brings "Back in sync" (on the desktop too once allowed), and
// Off stops the checks. The machine
// is changed and read from outside (docker exec); the schedule is read from its file in the data folder.
import AxeBuilder from '@axe-core/playwright';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftSchedule } from '../../shared/agent';
import { dispatch } from '../../electron/api/dispatch';
import { DRIFT_SCHEDULES_FILE } from '../../electron/api/local-drift-scheduler';
import { haveChromium, launchBrowser, shot } from './support/browser';
import { docker, machineContainerId } from '../support/docker.js';
import { startTestApp, type TestApp } from './support/web-app';

const suffix = Math.random().toString(36).slice(2, 7);
const NAME = `e2e-sched-${suffix}`;
const WAIT = 30_000;
const YAML = `name: ${NAME}
role: dev
machines:
  box:
    docker: { image: debian:bookworm }
    resources:
      - file: /etc/sched.conf
        content: |
          level = 1
        mode: "0644"
`;

let app: TestApp;
let browser: Browser;
let page: Page;
let profileFile: string;

const exec = (cmd: string) => docker('exec', machineContainerId(NAME, 'box'), 'sh', '-c', cmd);
const kept = async (): Promise<DriftSchedule[]> => JSON.parse(await readFile(path.join(app.dataDir, DRIFT_SCHEDULES_FILE), 'utf8')) as DriftSchedule[];
const driftRuns = async () => (await app.engine.history(profileFile)).filter((r) => r.kind === 'drift');
/** axe's serious and critical violations on the page as it is now, as readable lines. */
async function axeProblems(p: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page: p }).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
}

const desktopNotices = () => page.evaluate(() => (globalThis as unknown as { desktopNotices: { title: string; body?: string }[] }).desktopNotices);
const notices = () => page.getByRole('region', { name: 'Notifications' }).getByTestId('drift-notice');

describe.skipIf(!haveChromium())('scheduled drift in the app', () => {
  beforeAll(async () => {
    app = await startTestApp();
    profileFile = path.join(app.profilesDir, 'sched.yaml');
    await writeFile(profileFile, YAML);
    expect(((await app.engine.start({ kind: 'up', file: profileFile }).done) as { ok: boolean }).ok).toBe(true);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // The Web Notifications API, recorded: not allowed until the user allows it, and the page not in
    // front (headless Chromium has no notification centre to look at).
    await context.addInitScript(() => {
      type Permission = 'default' | 'granted' | 'denied';
      const w = globalThis as unknown as { desktopNotices: { title: string; body?: string }[]; Notification: unknown; document: { hasFocus(): boolean } };
      w.desktopNotices = [];
      class RecordedNotification {
        static permission: Permission = 'default';
        static requestPermission(): Promise<Permission> {
          RecordedNotification.permission = 'granted';
          return Promise.resolve('granted');
        }
        constructor(title: string, opts?: { body?: string }) {
          w.desktopNotices.push({ title, body: opts?.body });
        }
      }
      w.Notification = RecordedNotification;
      w.document.hasFocus = () => false;
    });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(app.web.url);
    await page.getByRole('button', { name: new RegExp(`^${NAME}`) }).click();
    await page.getByRole('tab', { name: 'Drift' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    if (app) {
      await app.schedules.close();
      await app.engine.start({ kind: 'destroy', file: profileFile }).done;
      await app.close();
    }
  });

  it('checks on a schedule, notifies when drift appears and goes away, and stops when set off', async () => {
    const t0 = Date.now();
    const every = page.getByLabel('Check for drift', { exact: true });
    expect(await every.inputValue()).toBe('off');

    // The setting checks at once: the first check shows in sync (and, being in sync, says nothing).
    await every.selectOption('15m');
    const last = page.getByTestId('schedule-last');
    await expect.poll(() => last.textContent(), { timeout: WAIT, interval: 100 }).toMatch(/Last check: .* In sync/);
    expect(await page.getByTestId('schedule-next').textContent()).toMatch(/Next check: .*\(in 1[45] min\)/);
    expect((await kept()).map((s) => [s.file, s.everyMs, s.last?.state])).toEqual([[profileFile, 900_000, 'in-sync']]);
    expect(await notices().count()).toBe(0);

    // The shortest interval, set outside this control (as `prodlike drift --every 5s` would): the
    // setting shows it as it is.
    expect(await dispatch(app.host.handlers, 'drift:schedule-set', { file: profileFile, every: '5s' })).toHaveProperty('result');
    await expect.poll(() => every.inputValue(), { timeout: WAIT }).toBe('5s');
    expect(await every.locator('option:checked').textContent()).toBe('Every 5 seconds');

    // Drift appears on the machine: a notice says so, as an alert.
    exec("printf 'level = 2\\n' > /etc/sched.conf");
    const drifted = page.getByRole('alert').filter({ hasText: `${NAME} drifted: 1 finding(s) differ from its profile` });
    await drifted.waitFor({ timeout: WAIT });
    expect(await drifted.textContent()).toMatch(/^Drifted/);
    await expect.poll(() => last.textContent(), { timeout: WAIT, interval: 100 }).toMatch(/1 finding not in sync/);
    await page.screenshot({ path: shot('sched-01-drifted') });
    // The setting and the notice pass axe (no serious or critical violation).
    expect(await axeProblems(page)).toEqual([]);
    // Desktop notifications were not allowed: in-app only. Allowed, the next notice is on the desktop too.
    expect(await desktopNotices()).toEqual([]);
    await page.getByRole('button', { name: 'Also notify me on this desktop' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Also notify me on this desktop' }).count()).toBe(0);
    // Its check is a run in the history: "Show the check" opens it there.
    const runs = await driftRuns();
    expect(runs.some((r) => r.drifted === 1)).toBe(true);
    await drifted.getByRole('button', { name: 'Show the check' }).click();
    const opened = page.getByRole('list', { name: 'Run history' }).locator('button[aria-expanded="true"]');
    await opened.waitFor({ timeout: WAIT });
    expect(await opened.textContent()).toMatch(/Drift check.*1 not in sync/);

    // Fixed on the machine: back in sync, said politely (a status, not an alert).
    exec("printf 'level = 1\\n' > /etc/sched.conf");
    const back = page.getByRole('status').filter({ hasText: `${NAME} is back in sync` });
    await back.waitFor({ timeout: WAIT });
    expect(await back.getAttribute('data-testid')).toBe('drift-notice');
    await expect.poll(desktopNotices, { timeout: WAIT }).toEqual([{ title: 'Prodlike: Back in sync', body: `${NAME} is back in sync` }]);
    await page.screenshot({ path: shot('sched-02-back-in-sync') });

    // Off: the schedule is gone from the file, and no check runs any more.
    await page.getByRole('tab', { name: 'Drift' }).click();
    await every.selectOption('off');
    await expect.poll(async () => (await kept()).length, { timeout: WAIT }).toBe(0);
    await expect.poll(() => page.getByTestId('schedule-state').count()).toBe(0);
    // A check under way when it was set off may still end; after that, none starts.
    await expect.poll(() => app.engine.activeRuns().length, { timeout: WAIT }).toBe(0);
    const before = (await driftRuns()).length;
    await new Promise((r) => setTimeout(r, 6_500));
    expect((await driftRuns()).length).toBe(before);
    expect(exec('cat /etc/sched.conf')).toBe('level = 1');
    console.log(`scheduled drift e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${before} scheduled checks`);
  });
});
