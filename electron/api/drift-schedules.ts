// Scheduled drift in the app: the handlers of the per-profile "Check for drift" setting, and the pushes
// that keep a front end current (a notice when drift appears or goes away; the profile's schedules when
// they change). The scheduler is the caller's (the agent's DriftScheduler satisfies DriftSchedules);
// without one the channels say so. Part of the one handler table (handlers.ts). Node only.

import path from 'node:path';
import type { DriftNotice, DriftSchedule } from '../../shared/agent.js';
import { parseEvery, type ScheduleSpec } from '../engine/agent/drift-scheduler.js';
import { findBaselines } from '../engine/baseline.js';
import type { EngineApi } from '../engine/engine-api.js';
import { ProdlikeError } from '../engine/errors.js';
import type { Handlers } from './dispatch.js';
import type { PushHub } from './push-hub.js';

/** What the app needs of a drift scheduler (DriftScheduler has all of it). */
export interface DriftSchedules {
  list(): DriftSchedule[];
  set(spec: ScheduleSpec): Promise<DriftSchedule>;
  remove(file: string, against?: string): Promise<DriftSchedule[]>;
  onNotice(listener: (n: DriftNotice) => void): () => void;
  /** After each check (its `last` and `nextAt` changed). Without it, a front end learns of checks only by notices. */
  onCheck?(listener: (s: DriftSchedule) => void): () => void;
}

type ScheduleChannel = 'drift:schedules' | 'drift:schedule-set' | 'drift:schedule-remove';

export interface DriftScheduleSide {
  handlers: Pick<Handlers, ScheduleChannel>;
  close(): void;
}

export function createDriftScheduleSide(opts: {
  schedules?: DriftSchedules;
  engine: EngineApi;
  hub: PushHub;
  knownProfile: (file: string) => Promise<string>;
}): DriftScheduleSide {
  const { schedules, engine, hub, knownProfile } = opts;
  const need = (): DriftSchedules => {
    if (!schedules) throw new ProdlikeError('Scheduled drift is not available in this app', { hint: 'Use `prodlike drift --every 15m <profile>` (the background agent runs it).' });
    return schedules;
  };
  const offNotice = schedules?.onNotice((notice) => {
    hub.publish({ type: 'drift-notice', notice });
  });
  const offCheck = schedules?.onCheck?.((s) => hub.publish({ type: 'drift-schedule', file: s.file }));

  /** A baseline to check against must be one found beside the profiles (as the Drift tab lists them). */
  async function knownBaseline(file: string): Promise<string> {
    const abs = path.resolve(file);
    const found = await findBaselines(await engine.profileFolders());
    if (!found.some((b) => path.resolve(b.file) === abs)) {
      throw new ProdlikeError(`Not a baseline beside the profiles: ${file}`, { hint: 'Capture one in the Drift tab of a production profile, or put the file in a profile folder (or its baselines/ sibling).' });
    }
    return abs;
  }

  const handlers: DriftScheduleSide['handlers'] = {
    'drift:schedules': async () => need().list(),
    'drift:schedule-set': async (req) => {
      const s = need();
      const file = await knownProfile(req.file);
      const everyMs = parseEvery(req.every);
      const against = req.against ? await knownBaseline(req.against) : undefined;
      if (everyMs === 0) {
        await s.remove(file);
        hub.publish({ type: 'drift-schedule', file });
        return null;
      }
      // Refuses a profile that does not load (file:line:col) before anything is scheduled.
      const profile = await engine.loadProfile(file);
      // The app keeps one schedule per profile: one against another target goes.
      for (const other of s.list()) if (other.file === file && other.against !== against) await s.remove(file, other.against);
      const set = await s.set({ file, profile: profile.name, everyMs, ...(against ? { against } : {}) });
      hub.publish({ type: 'drift-schedule', file });
      return set;
    },
    'drift:schedule-remove': async ({ file, against }) => {
      const removed = await need().remove(path.resolve(file), against ? path.resolve(against) : undefined);
      hub.publish({ type: 'drift-schedule', file: path.resolve(file) });
      return { removed: removed.length };
    },
  };

  return {
    handlers,
    close() {
      offNotice?.();
      offCheck?.();
    },
  };
}
