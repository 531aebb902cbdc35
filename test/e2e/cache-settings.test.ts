// Settings → Environment cache as a user meets it right after `up` of a profile from the cache, in a real
// browser against the real engine and Docker. What the view says is checked from outside with the docker
// CLI (images labelled prodlike.cache-*, their sizes from `docker image inspect`).
//
// The engine is shared with other work (timing measurements, CI): nothing here may remove a cached state
// this file did not make. Every request of the page to prune the cache is stopped before it leaves the
// browser, and refused by the server too, but a row's Remove of this file's own states (ownKeysOnly): a
// test that fails, or the code before a confirmation existed, removes nothing of anyone else's.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../shared/bytes';
import { haveChromium, launchBrowser, shot } from './support/browser';
import { dockerTry, purgeProfile, removeCacheImages } from '../support/docker.js';
import { startTestApp, type TestApp } from './support/web-app';

const RUN = Math.random().toString(36).slice(2, 8);
const NAME = `e2e-cache-${RUN}`;
// `CACHE_RUN` is part of every cache key: no state saved by another run (or profile) matches these.
const YAML = `name: ${NAME}
role: dev
machines:
  web:
    docker: { image: debian:bookworm, env: { CACHE_RUN: "${RUN}" } }
    resources:
      - package: tree
      - file: /etc/e2e-cache.conf
        content: "run ${RUN}\\n"
  worker:
    docker: { image: debian:bookworm, env: { CACHE_RUN: "${RUN}" } }
    resources:
      - file: /etc/e2e-worker.conf
        content: "worker ${RUN}\\n"
`;
// Far above what the engine holds: the size cap checked after each `up` must never pick another's state.
const CAP_GB = 500;

let app: TestApp;
let browser: Browser;
let page: Page;
let file: string;

interface ImageInfo {
  Id: string;
  RepoTags: string[] | null;
  Size: number;
  Config: { Labels: Record<string, string> | null };
  RootFS: { Layers?: string[] };
  Metadata: { LastTagTime?: string };
}

/** One cached state as the engine holds it: an image tagged prodlike-cache:<key's first 32> with the cache labels. */
interface EngineState {
  key: string;
  id: string;
  profile: string;
  machine: string;
  prefix: string;
  /** Its size minus that of what it is built on (its parent state, or the base image). */
  ownBytes: number;
  savedAt: string;
  /** The image's last tag time (a start from the state tags it again). */
  lastUsed: string;
  /** A container's image is this state, or is built on it (its layers begin with this state's). */
  inUse: boolean;
}

function inspect(ids: string[]): ImageInfo[] {
  if (ids.length === 0) return [];
  const r = dockerTry('image', 'inspect', ...ids);
  if (r.code !== 0) throw new Error(`docker image inspect: ${r.err}`);
  return JSON.parse(r.out) as ImageInfo[];
}

/** The cached states on the engine, read with the docker CLI. */
function engineStates(): EngineState[] {
  const ids = [...new Set(dockerTry('images', '--filter', 'label=prodlike.cache-key', '-q', '--no-trunc').out.split('\n').filter(Boolean))];
  const images = inspect(ids);
  const isState = (i: ImageInfo) => {
    const key = i.Config.Labels?.['prodlike.cache-key'];
    return !!key && i.Config.Labels?.['prodlike.cache-format'] === '1' && (i.RepoTags ?? []).includes(`prodlike-cache:${key.slice(0, 32)}`);
  };
  const states = images.filter(isState);
  const listed = new Map(states.map((i) => [i.Id, i.Size]));
  // What stays when a state goes: its nearest listed ancestor, or the image it was first made from.
  const below = (id: string): number => {
    const size = listed.get(id);
    if (size !== undefined) return size;
    const [info] = inspect([id]);
    const parent = info?.Config.Labels?.['prodlike.cache-parent'];
    return parent && info.Config.Labels?.['prodlike.cache-format'] === '1' ? below(parent) : (info?.Size ?? 0);
  };
  // The images of every container (running or stopped), with their layers.
  const containers = dockerTry('ps', '-aq', '--no-trunc').out.split('\n').filter(Boolean);
  const used = containers.length ? [...new Set(dockerTry('inspect', '-f', '{{.Image}}', ...containers).out.split('\n').filter(Boolean))] : [];
  const usedLayers = used.map((id) => images.find((i) => i.Id === id)?.RootFS.Layers ?? inspect([id])[0]?.RootFS.Layers ?? []);
  const begins = (below: string[], image: string[]) => below.length > 0 && below.length <= image.length && below.every((l, n) => image[n] === l);
  return states.map((i) => {
    const l = i.Config.Labels!;
    const savedAt = l['prodlike.cache-saved-at']!;
    const tagged = i.Metadata.LastTagTime;
    return {
      key: l['prodlike.cache-key']!,
      id: i.Id,
      profile: l['prodlike.cache-profile'] ?? '',
      machine: l['prodlike.cache-machine'] ?? '',
      prefix: l['prodlike.cache-prefix'] ?? '',
      ownBytes: Math.max(0, i.Size - below(l['prodlike.cache-parent'] ?? '')),
      savedAt,
      lastUsed: tagged && !tagged.startsWith('0001') ? new Date(tagged).toISOString() : savedAt,
      inUse: used.includes(i.Id) || usedLayers.some((layers) => begins(i.RootFS.Layers ?? [], layers)),
    };
  });
}

/** The same, once the engine has held still while it was read twice (other work saves and prunes too). */
async function steadyEngineStates<T>(read: () => Promise<T>): Promise<{ states: EngineState[]; seen: T }> {
  for (let attempt = 0; ; attempt++) {
    const before = engineStates();
    const seen = await read();
    const after = engineStates();
    const ids = (s: EngineState[]) => JSON.stringify(s.map((e) => `${e.key} ${e.ownBytes} ${e.lastUsed} ${e.inUse}`).sort());
    if (ids(before) === ids(after) || attempt === 4) return { states: after, seen };
  }
}

const cacheRegion = () => page.getByRole('region', { name: 'Environment cache' });
const cacheTable = () => cacheRegion().getByRole('table', { name: 'Cached states' });
const short = (key: string) => key.slice(0, 12);
const SUMMARY = /\d+ cached state\(s\), [\d.]+ (B|kB|MB|GB|TB) of/;

interface Row {
  cells: string[];
  /** The `datetime` of the Saved and Last used cells, and the Saved cell's hover text. */
  saved: string;
  lastUsed: string;
  savedTitle: string;
}

/** What the rows' script uses of the DOM (the node side's types have no DOM). */
interface El {
  innerText: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<El>;
}

/** The table's rows in their order. */
async function tableRows(): Promise<Row[]> {
  return cacheTable()
    .locator('tbody tr')
    .evaluateAll((trs: El[]) =>
      trs.map((tr) => {
        const times = [...tr.querySelectorAll('time')];
        return {
          cells: [...tr.querySelectorAll('td')].map((td) => td.innerText.trim()),
          saved: times[0]?.getAttribute('datetime') ?? '',
          lastUsed: times[1]?.getAttribute('datetime') ?? '',
          savedTitle: times[0]?.getAttribute('title') ?? '',
        };
      }),
    );
}

/** Settings, freshly loaded, once the cache's summary line is there. */
async function openSettings(): Promise<void> {
  // The address carries the token after a '#': from the app's own page, going there would only change the hash.
  await page.goto('about:blank');
  await page.goto(app.web.url);
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect.poll(() => cacheRegion().textContent()).toMatch(SUMMARY);
}

async function up(): Promise<void> {
  const result = (await app.engine.start({ kind: 'up', file }).done) as { ok: boolean; error?: { message: string } };
  expect(result.ok, result.error?.message).toBe(true);
}

/** The prunes asked for, by the page or a test, that were refused: all but a removal of this file's own states. */
const pruneRequests: unknown[] = [];

/** A request that names states to remove, each one of this file's profile (a row's Remove of one of them). */
function ownKeysOnly(req: unknown): boolean {
  if (!req || typeof req !== 'object') return false;
  const { keys, ...rest } = req as { keys?: unknown };
  if (Object.keys(rest).length > 0 || !Array.isArray(keys) || keys.length === 0) return false;
  const mine = new Set(engineStates().filter((s) => s.profile === NAME).map((s) => s.key));
  return keys.every((k) => typeof k === 'string' && mine.has(k));
}

function cleanup(): void {
  purgeProfile(NAME);
  removeCacheImages(NAME);
}

describe.skipIf(!haveChromium())('Settings → Environment cache', () => {
  beforeAll(async () => {
    app = await startTestApp({ cache: true });
    // The engine's cache is others' too: no prune from this file reaches it, from the page or otherwise.
    const handlers = app.host.handlers as unknown as Record<string, (req: unknown) => Promise<unknown>>;
    const prune = handlers['cache:prune']!;
    handlers['cache:prune'] = async (req) => {
      if (ownKeysOnly(req)) return prune(req);
      pruneRequests.push(req);
      throw new Error('this test never prunes the shared engine');
    };
    await app.engine.setSettings({ cacheMaxGb: CAP_GB });
    file = path.join(app.profilesDir, 'cache.yaml');
    await writeFile(file, YAML);
    // Saved by a first `up`, then used by an `up` of a fresh environment: the user's "from cache".
    await up();
    await app.engine.start({ kind: 'destroy', file, volumes: true }).done;
    await up();
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    // And the browser never sends one.
    await context.route(
      (url) => decodeURIComponent(url.pathname) === '/api/cache:prune',
      (route) => {
        const body = route.request().postData();
        if (ownKeysOnly(JSON.parse(body ?? 'null'))) return route.continue();
        pruneRequests.push(body);
        return route.abort();
      },
    );
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (app) {
      await app.engine.setSettings({ dockerHost: '' });
      await app.engine.start({ kind: 'destroy', file, volumes: true }).done;
      await app.close();
    }
    cleanup();
    expect(pruneRequests).toEqual([]);
  });

  it("lists the profile's cached states with their machine, resources covered, size and use as docker has them; the summary is the engine's", async () => {
    const { states, seen } = await steadyEngineStates(async () => {
      await openSettings();
      return { rows: await tableRows(), summary: (await cacheRegion().textContent()) ?? '' };
    });
    const mine = states.filter((s) => s.profile === NAME);
    // web: after its package (1 of 2) and after all (2 of 2); worker: after its one file.
    expect(mine.map((s) => `${s.machine} ${s.prefix}`).sort()).toEqual(['web 1/2', 'web 2/2', 'worker 1/1']);
    // The machines started from their whole state: a container uses it, as docker inspect says.
    expect(mine.filter((s) => s.inUse).map((s) => `${s.machine} ${s.prefix}`).sort()).toEqual(['web 2/2', 'worker 1/1']);
    for (const s of mine) {
      const row = seen.rows.find((r) => r.cells[0] === short(s.key));
      expect(row, `a row for ${s.machine} ${s.prefix}`).toBeDefined();
      const [p, t] = s.prefix.split('/');
      expect(row!.cells.slice(1, 4)).toEqual([`${NAME}/${s.machine}`, `${p} of ${t}`, formatBytes(s.ownBytes)]);
      expect(row!.cells[6]).toBe(s.inUse ? 'a container uses it' : '');
    }
    // Every state on the engine, each once, and the total of their own sizes; in use as docker has it.
    expect(seen.rows.map((r) => r.cells[0]).sort()).toEqual(states.map((s) => short(s.key)).sort());
    expect(seen.rows.filter((r) => r.cells[6] !== '').map((r) => r.cells[0]).sort()).toEqual(states.filter((s) => s.inUse).map((s) => short(s.key)).sort());
    const total = states.reduce((n, s) => n + s.ownBytes, 0);
    expect(seen.summary).toContain(`${states.length} cached state(s), ${formatBytes(total)} of ${CAP_GB} GB`);
    await cacheRegion().screenshot({ path: shot('cache-01-listed') });
  });

  it('says how long ago a state was saved and last used (the date on hover), the last used first; a header sorts by its column', async () => {
    const { states, seen } = await steadyEngineStates(async () => {
      await openSettings();
      return tableRows();
    });
    const web = states.find((s) => s.profile === NAME && s.prefix === '2/2')!;
    const row = seen.find((r) => r.cells[0] === short(web.key))!;
    // The dates are the engine's: the saved-at label and the image's last tag time.
    expect([row.saved, row.lastUsed]).toEqual([web.savedAt, web.lastUsed]);
    expect(row.cells[4]).toMatch(/^\d+[smh] ago$/);
    expect(row.cells[5]).toMatch(/^\d+[smh] ago$/);
    expect(row.savedTitle).toBe(await page.evaluate((iso) => new Date(iso).toLocaleString(), web.savedAt));
    // Last used first: what `up` just started from is on top; the size cap removes from the bottom.
    expect(await cacheTable().getByRole('columnheader', { name: 'Last used' }).getAttribute('aria-sort')).toBe('descending');
    const lastUsed = seen.map((r) => Date.parse(r.lastUsed));
    expect(lastUsed).toEqual([...lastUsed].sort((a, b) => b - a));
    expect(seen[0]!.cells[0]).toBe(short(states.reduce((a, b) => (Date.parse(b.lastUsed) > Date.parse(a.lastUsed) ? b : a)).key));

    // Size: the biggest first, as docker's sizes have it.
    await cacheTable().getByRole('button', { name: 'Size' }).click();
    expect(await cacheTable().getByRole('columnheader', { name: 'Size' }).getAttribute('aria-sort')).toBe('descending');
    const own = new Map(states.map((s) => [short(s.key), s.ownBytes]));
    const sizes = (await tableRows()).map((r) => own.get(r.cells[0]!) ?? -1);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    // Profile / machine: A→Z, and a second click Z→A.
    await cacheTable().getByRole('button', { name: 'Profile / machine' }).click();
    const names = (await tableRows()).map((r) => r.cells[1]!);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    await cacheTable().getByRole('button', { name: 'Profile / machine' }).click();
    expect(await cacheTable().getByRole('columnheader', { name: 'Profile / machine' }).getAttribute('aria-sort')).toBe('descending');
    await cacheRegion().screenshot({ path: shot('cache-02-sorted') });
  });

  it('Remove all asks first, saying how many states of which profiles go, their size, what stays and that apt lists go too; Cancel removes nothing', async () => {
    const { states, seen } = await steadyEngineStates(async () => {
      await openSettings();
      await cacheRegion().getByRole('button', { name: 'Remove all' }).click();
      const dialog = page.getByRole('dialog', { name: 'Remove all cached states?' });
      await dialog.waitFor({ timeout: 5000 });
      return (await dialog.textContent()) ?? '';
    });
    const goes = states.filter((s) => !s.inUse);
    const profiles = [...new Set(goes.map((s) => s.profile))].sort((a, b) => a.localeCompare(b));
    expect(seen).toContain(`Removes ${goes.length} cached state(s), ${formatBytes(goes.reduce((n, s) => n + s.ownBytes, 0))}, of every profile: ${profiles.join(', ')}.`);
    expect(seen).toContain("apt's package lists kept between runs go too.");
    expect(seen).toContain(`Keeps ${states.length - goes.length} in use`);
    // Cancel has the focus: Enter does not remove.
    const dialog = page.getByRole('dialog', { name: 'Remove all cached states?' });
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel');
    await page.screenshot({ path: shot('cache-03-remove-all') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    // Nothing asked to prune, and every state is still on the engine.
    expect(pruneRequests).toEqual([]);
    const after = new Set(engineStates().map((s) => s.key));
    expect(states.filter((s) => !after.has(s.key)).map((s) => `${s.profile}/${s.machine} ${s.prefix}`)).toEqual([]);
  });

  it('Refresh shows what changed on the engine meanwhile (a state of this file removed with docker rmi)', async () => {
    await openSettings();
    const spare = engineStates().find((s) => s.profile === NAME && s.prefix === '1/2')!;
    expect((await tableRows()).some((r) => r.cells[0] === short(spare.key))).toBe(true);
    expect(dockerTry('rmi', `prodlike-cache:${spare.key.slice(0, 32)}`).code).toBe(0);
    await cacheRegion().getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(async () => (await tableRows()).some((r) => r.cells[0] === short(spare.key))).toBe(false);
  });

  it('a run that ends while the view is open shows the state it saved, and the one no container uses any more', async () => {
    await openSettings();
    const before = engineStates().find((s) => s.profile === NAME && s.machine === 'worker')!;
    expect((await tableRows()).find((r) => r.cells[0] === short(before.key))?.cells[6]).toBe('a container uses it');
    // Another environment for the worker: a new container, so a new state (another key).
    await writeFile(file, YAML.replace(`worker:\n    docker: { image: debian:bookworm, env: { CACHE_RUN: "${RUN}" } }`, `worker:\n    docker: { image: debian:bookworm, env: { CACHE_RUN: "${RUN}-2" } }`));
    await up();
    const now = engineStates().filter((s) => s.profile === NAME && s.machine === 'worker');
    const saved = now.find((s) => s.key !== before.key)!;
    expect(saved, 'a new state of the worker').toBeDefined();
    // Saved from the new container, which runs from the base image; the old one's container is gone.
    expect([saved.inUse, now.find((s) => s.key === before.key)?.inUse]).toEqual([false, false]);
    await expect.poll(async () => (await tableRows()).find((r) => r.cells[0] === short(saved.key))?.cells.slice(1, 3), { timeout: 10_000 }).toEqual([`${NAME}/worker`, '1 of 1']);
    expect((await tableRows()).find((r) => r.cells[0] === short(before.key))?.cells[6]).toBe('');
  });

  it("a row's Remove takes that state alone, as docker then says; a state a container uses cannot be removed there", async () => {
    await openSettings();
    const mine = engineStates().filter((s) => s.profile === NAME);
    const spare = mine.find((s) => !s.inUse)!;
    const used = mine.find((s) => s.inUse)!;
    expect(spare && used, 'a state of this file no container uses, and one a container uses').toBeTruthy();
    const removeButton = (s: EngineState) => cacheTable().getByRole('button', { name: `Remove ${short(s.key)} ${NAME}/${s.machine}` });
    expect(await removeButton(used).isDisabled()).toBe(true);
    expect(await removeButton(used).getAttribute('title')).toBe('Kept: a container uses it');
    await removeButton(spare).click();
    await expect.poll(() => cacheRegion().getByLabel('Prune result').textContent()).toMatch(/^1 state\(s\) removed, [\d.]+ (B|kB|MB|GB) freed\.$/);
    // Gone from the engine and from the table; every other state is still there.
    expect(dockerTry('image', 'inspect', spare.id).code).not.toBe(0);
    await expect.poll(async () => (await tableRows()).some((r) => r.cells[0] === short(spare.key))).toBe(false);
    const left = new Set(engineStates().map((s) => s.key));
    expect(mine.filter((s) => s !== spare && !left.has(s.key))).toEqual([]);
    expect(pruneRequests).toEqual([]);
    await cacheRegion().screenshot({ path: shot('cache-05-row-removed') });
  });

  it("says when the engine does not answer, which one was asked and why; saving the settings lists the cache again", async () => {
    await openSettings();
    const address = page.getByRole('textbox', { name: 'Docker engine address' });
    await address.fill('unix:///nonexistent/prodlike-e2e.sock');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const alert = cacheRegion().getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('The cached states could not be listed');
    expect(await alert.textContent()).toContain('Docker engine not running at unix:///nonexistent/prodlike-e2e.sock');
    await expect.poll(() => cacheRegion().getByLabel('Docker engine asked').textContent()).toBe('Docker engine asked: unix:///nonexistent/prodlike-e2e.sock (the engine address in the settings).');
    // Nothing of the engine listed before is shown as if it were there, and nothing can be pruned.
    expect(await cacheTable().count()).toBe(0);
    expect(await cacheRegion().textContent()).not.toMatch(SUMMARY);
    expect(await cacheRegion().getByRole('button', { name: 'Remove all' }).isDisabled()).toBe(true);
    await cacheRegion().screenshot({ path: shot('cache-04-no-engine') });

    // Back to the engine, with a higher cap: the summary says the new one.
    await address.fill('');
    await page.getByRole('spinbutton', { name: 'Environment cache size cap (GB)' }).fill(String(CAP_GB + 100));
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => cacheRegion().textContent()).toMatch(new RegExp(`\\d+ cached state\\(s\\), [\\d.]+ (B|kB|MB|GB|TB) of ${CAP_GB + 100} GB`));
    expect(await cacheRegion().getByRole('alert').count()).toBe(0);
    expect((await tableRows()).length).toBeGreaterThan(0);
  });
});
