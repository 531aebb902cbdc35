// The app's scheduled-drift channels over a real DriftScheduler (its check a stub, no engine): input is
// validated with one clear message, the app keeps one schedule per profile, "off" removes it, and the
// scheduler's notices and checks reach the front ends as pushes.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiPush } from '../../../shared/api';
import type { DriftReport } from '../../../shared/report';
import { dispatch, type Handlers } from '../../../electron/api/dispatch';
import { createDriftScheduleSide } from '../../../electron/api/drift-schedules';
import { localDriftScheduler, runsOfProfileEnded } from '../../../electron/api/local-drift-scheduler';
import { PushHub } from '../../../electron/api/push-hub';
import { DriftScheduler, type ScheduleSpec } from '../../../electron/engine/agent/drift-scheduler';
import type { EngineApi } from '../../../electron/engine/engine-api';
import { ProdlikeError } from '../../../electron/engine/errors';

const BASELINE = `format: prodlike-baseline/1
profile: shop-prod
captured_at: "2026-01-01T00:00:00Z"
hosts: {}
`;

let dir: string;
let profile: string;
let baseline: string;
let scheduler: DriftScheduler;
let hub: PushHub;
let pushes: ApiPush[];
let drifted: number;
let checks: ScheduleSpec[];
let handlers: Pick<Handlers, 'drift:schedules' | 'drift:schedule-set' | 'drift:schedule-remove'>;
let close: () => void;

const report = (file: string): DriftReport =>
  ({
    runId: `run-${checks.length}`,
    profile: 'shop-dev',
    profileFile: file,
    against: 'profile',
    checkedAt: new Date().toISOString(),
    durationMs: 1,
    findings: Array.from({ length: drifted }, (_, i) => ({ machine: 'web', resource: { kind: 'file', name: `/f${i}` }, status: 'drifted', changes: [] })),
    errors: [],
    inSync: drifted === 0,
  }) as unknown as DriftReport;

const call = <C extends keyof typeof handlers>(channel: C, req: unknown) => dispatch(handlers as Handlers, channel, req);
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prodlike-sched-'));
  await mkdir(path.join(dir, 'profiles'));
  profile = path.join(dir, 'profiles', 'dev.yaml');
  baseline = path.join(dir, 'profiles', 'prod.baseline.yaml');
  await writeFile(profile, 'name: shop-dev\n');
  await writeFile(baseline, BASELINE);
  drifted = 0;
  checks = [];
  pushes = [];
  hub = new PushHub();
  hub.subscribe((p) => pushes.push(p));
  scheduler = new DriftScheduler({
    check: async (spec) => {
      checks.push(spec);
      return report(spec.file);
    },
    notify: () => undefined,
  });
  const engine = {
    profileFolders: async () => [path.join(dir, 'profiles')],
    loadProfile: async (f: string) => {
      if (f !== profile) throw new ProdlikeError(`${f}:1:1: not a profile`);
      return { name: 'shop-dev', file: f };
    },
  } as unknown as EngineApi;
  const knownProfile = async (f: string) => {
    if (!f.startsWith(path.join(dir, 'profiles') + path.sep)) throw new ProdlikeError(`Not a profile in the profile folders: ${f}`);
    return f;
  };
  ({ handlers, close } = createDriftScheduleSide({ schedules: scheduler, engine, hub, knownProfile }));
});

afterEach(async () => {
  close();
  await scheduler.close();
  await rm(dir, { recursive: true, force: true });
});

describe('scheduled drift in the app (API)', () => {
  it('refuses an interval it cannot read, or one under 5 s, with one message naming the field', async () => {
    for (const every of ['often', '15', '4s', '']) {
      const env = await call('drift:schedule-set', { file: profile, every });
      expect('error' in env && env.error.message).toBe(
        `Invalid request for drift:schedule-set: every: "${every}" is not an interval: expected off, or a duration like 15m, 1h or 1d (at least 5s)`,
      );
    }
    expect(scheduler.size).toBe(0);
  });

  it('refuses a baseline that is not beside the profiles, and a file outside the profile folders', async () => {
    const env = await call('drift:schedule-set', { file: profile, every: '1h', against: '/etc/other.baseline.yaml' });
    expect('error' in env && env.error.message).toBe('Not a baseline beside the profiles: /etc/other.baseline.yaml');
    const out = await call('drift:schedule-set', { file: '/etc/x.yaml', every: '1h' });
    expect('error' in out && out.error.message).toMatch(/^Not a profile in the profile folders/);
    expect(scheduler.size).toBe(0);
  });

  it('sets a schedule that checks at once, and lists it with its last check', async () => {
    const env = await call('drift:schedule-set', { file: profile, every: '15m' });
    expect('result' in env && env.result).toMatchObject({ file: profile, profile: 'shop-dev', everyMs: 900_000 });
    await until(() => pushes.some((p) => p.type === 'drift-schedule') && checks.length === 1);
    await until(() => scheduler.list()[0]?.last !== undefined);
    const list = await call('drift:schedules', null);
    expect('result' in list && list.result).toEqual([expect.objectContaining({ file: profile, everyMs: 900_000, last: expect.objectContaining({ state: 'in-sync', runId: 'run-1' }) })]);
    // The next check is one interval after this one started.
    const s = scheduler.list()[0]!;
    expect(Date.parse(s.nextAt) - Date.parse(s.last!.at)).toBeGreaterThan(899_000);
  });

  it('keeps one schedule per profile: another target replaces it', async () => {
    await call('drift:schedule-set', { file: profile, every: '1h' });
    const env = await call('drift:schedule-set', { file: profile, every: '1d', against: baseline });
    expect('result' in env && env.result).toMatchObject({ everyMs: 86_400_000, against: baseline });
    expect(scheduler.list().map((s) => [s.everyMs, s.against])).toEqual([[86_400_000, baseline]]);
  });

  it('"off" and remove take the profile\'s schedules away', async () => {
    await call('drift:schedule-set', { file: profile, every: '1h' });
    expect(await call('drift:schedule-set', { file: profile, every: 'off' })).toEqual({ result: null });
    expect(scheduler.size).toBe(0);
    await call('drift:schedule-set', { file: profile, every: '1h' });
    expect(await call('drift:schedule-remove', { file: profile })).toEqual({ result: { removed: 1 } });
    expect(scheduler.size).toBe(0);
    expect(pushes.filter((p) => p.type === 'drift-schedule').every((p) => p.type === 'drift-schedule' && p.file === profile)).toBe(true);
  });

  it('pushes a notice when drift appears', async () => {
    drifted = 2;
    await call('drift:schedule-set', { file: profile, every: '1h' });
    await until(() => pushes.some((p) => p.type === 'drift-notice'));
    const n = pushes.find((p) => p.type === 'drift-notice');
    expect(n?.type === 'drift-notice' && n.notice).toMatchObject({ profile: 'shop-dev', message: 'shop-dev drifted: 2 finding(s) differ from its profile', check: { state: 'drift', drifted: 2 } });
  });

  it('without a scheduler, each channel says it is not available', async () => {
    const side = createDriftScheduleSide({ engine: {} as EngineApi, hub, knownProfile: async (f) => f });
    const env = await dispatch(side.handlers as Handlers, 'drift:schedules', null);
    expect('error' in env && env.error.message).toBe('Scheduled drift is not available in this app');
  });
});

describe('a scheduled check and a run already going', () => {
  it('waits for the runs of that profile to end, not for others', async () => {
    let active = [{ profileFile: '/p/dev.yaml' }, { profileFile: '/p/other.yaml' }];
    const listeners = new Set<() => void>();
    const engine = {
      activeRuns: () => active,
      subscribeRunsDone: (l: () => void) => (listeners.add(l), () => listeners.delete(l)),
    } as unknown as EngineApi;
    let ended = false;
    const wait = runsOfProfileEnded(engine, '/p/dev.yaml', 60_000).then(() => (ended = true));
    active = [{ profileFile: '/p/dev.yaml' }];
    for (const l of listeners) l();
    await new Promise((r) => setTimeout(r, 10));
    expect(ended).toBe(false);
    active = [];
    for (const l of listeners) l();
    await wait;
    expect(listeners.size).toBe(0);
    await expect(runsOfProfileEnded(engine, '/p/dev.yaml', 60_000)).resolves.toBeUndefined();
  });
});

describe("the app's own scheduler", () => {
  it("runs each check as an engine drift run (against the baseline when set) and keeps the agent's file", async () => {
    const started: unknown[] = [];
    const engine = {
      activeRuns: () => [],
      subscribeRunsDone: () => () => undefined,
      start: (req: unknown) => {
        started.push(req);
        return { runId: 'r1', done: Promise.resolve({ ...report('/p/dev.yaml'), runId: 'r1' }) };
      },
    } as unknown as EngineApi;
    const s = localDriftScheduler(engine, dir);
    await s.set({ file: '/p/dev.yaml', profile: 'shop-dev', everyMs: 60_000, against: '/p/prod.baseline.yaml' });
    await until(() => s.list()[0]?.last !== undefined);
    await s.close();
    expect(started).toEqual([{ kind: 'drift', file: '/p/dev.yaml', baseline: '/p/prod.baseline.yaml' }]);
    const kept = JSON.parse(await readFile(path.join(dir, 'drift-schedules.json'), 'utf8')) as { file: string; last?: { runId: string } }[];
    expect(kept.map((k) => [k.file, k.last?.runId])).toEqual([['/p/dev.yaml', 'r1']]);
  });

  it('a check cut short by closing the app does not count (no notice, the last state kept)', async () => {
    let finish: ((r: DriftReport) => void) | undefined;
    const engine = {
      activeRuns: () => [],
      subscribeRunsDone: () => () => undefined,
      start: () => ({ runId: 'r2', done: new Promise<DriftReport>((r) => (finish = r)) }),
    } as unknown as EngineApi;
    const warnings: string[] = [];
    const s = localDriftScheduler(engine, dir, (t) => warnings.push(t));
    const seen: unknown[] = [];
    s.onNotice((n) => seen.push(n));
    await s.set({ file: '/p/dev.yaml', profile: 'shop-dev', everyMs: 60_000 });
    await until(() => finish !== undefined);
    const closing = s.close();
    // The engine's close ends the run: it comes back failed.
    finish!({ runId: 'r2', ok: false } as unknown as DriftReport);
    await closing;
    expect(seen).toEqual([]);
    expect(s.list()[0]?.last).toBeUndefined();
    expect(warnings).toEqual(['scheduled drift of shop-dev: stopped with the app; this check does not count']);
  });
});
