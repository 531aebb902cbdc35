// The app's drift scheduler: the same DriftScheduler as the background agent's, over the same file in the
// data folder; checks run on the app's engine as any drift run (so they are in the run history and the
// window sees them live). While the app serves as the agent (app-host.ts), the agent uses this one, so a
// data folder has one scheduler: `prodlike drift --every` in a terminal sets its schedules here.

import path from 'node:path';
import { DriftScheduler } from '../engine/agent/drift-scheduler.js';
import type { EngineApi } from '../engine/engine-api.js';

/** The file the agent keeps its schedules in (electron/engine/agent/server.ts). */
export const DRIFT_SCHEDULES_FILE = 'drift-schedules.json';

/** How long a scheduled check waits for a run of its profile already going (a lock held is not drift). */
const WAIT_FOR_RUN_MS = 10 * 60_000;

/** Knows it is closing: a check that the engine's close cut short does not count (no "could not be checked"). */
class AppDriftScheduler extends DriftScheduler {
  stopping = false;
  override close(): Promise<void> {
    this.stopping = true;
    return super.close();
  }
}

/** The scheduler; its kept schedules start with `load()`. */
export function localDriftScheduler(engine: EngineApi, dataDir: string, warn: (text: string) => void = () => undefined): DriftScheduler {
  const scheduler: AppDriftScheduler = new AppDriftScheduler({
    file: path.join(dataDir, DRIFT_SCHEDULES_FILE),
    check: async (spec) => {
      await runsOfProfileEnded(engine, spec.file, WAIT_FOR_RUN_MS);
      if (scheduler.stopping) throw new Error('stopped with the app before it started');
      const result = await engine.start({ kind: 'drift', file: spec.file, ...(spec.against ? { baseline: spec.against } : {}) }).done;
      if (scheduler.stopping) throw new Error('stopped with the app; this check does not count');
      return result;
    },
    // Notices reach the front ends through onNotice (createApi's `schedules`).
    notify: () => undefined,
    warn,
  });
  return scheduler;
}

/** Resolves once no run of the profile is going (or after `maxMs`: the check then meets the lock and says so). */
export function runsOfProfileEnded(engine: Pick<EngineApi, 'activeRuns' | 'subscribeRunsDone'>, file: string, maxMs: number): Promise<void> {
  const busy = () => engine.activeRuns().some((r) => r.profileFile === file);
  if (!busy()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    const off = engine.subscribeRunsDone(() => {
      if (!busy()) done();
    });
  });
}
