// The handlers of the app's live side: run details, live machine states, adopt, container logs,
// restart, shell re-attach; and the pushes that keep a front end current (machine-state, and
// status-changed when a run ends). Part of the one handler table (handlers.ts). Node only.

import { randomUUID } from 'node:crypto';
import type { EngineApi } from '../engine/engine-api.js';
import { toErrorInfo } from '../engine/errors.js';
import type { Handlers } from './dispatch.js';
import type { PushHub } from './push-hub.js';
import type { ShellManager } from './shells.js';

type LiveChannel = 'runs:get' | 'runs:active' | 'status:watch' | 'status:unwatch' | 'drift:adopt-preview' | 'drift:adopt-apply' | 'machines:logs' | 'machines:logs-stop' | 'machines:restart' | 'shell:list' | 'shell:attach';

export interface LiveSide {
  handlers: Pick<Handlers, LiveChannel>;
  close(): void;
}

export function createLiveSide(opts: { engine: EngineApi; hub: PushHub; shells: ShellManager; knownProfile: (file: string) => Promise<string> }): LiveSide {
  const { engine, hub, shells, knownProfile } = opts;

  // A run's end changes its profile's status (last run, last failure): the front ends read it again,
  // once the run is recorded (at run-end it is not yet).
  const runFiles = new Map<string, string>();
  const unsubscribeStarts = engine.subscribe((event) => {
    if (event.type === 'run-start') runFiles.set(event.runId, event.profileFile);
  });
  const unsubscribeDone = engine.subscribeRunsDone((runId) => {
    const file = runFiles.get(runId);
    runFiles.delete(runId);
    if (file) hub.publish({ type: 'status-changed', file });
  });
  const unsubscribeRuns = () => {
    unsubscribeStarts();
    unsubscribeDone();
  };
  const unsubscribeMachines = engine.subscribeMachines((change) => hub.publish({ type: 'machine-state', change }));
  /** Followed container logs, by stream id: stopped by logs-stop, or when the host closes. */
  const logStreams = new Map<string, () => void>();

  const handlers: LiveSide['handlers'] = {
    'runs:get': ({ runId }) => engine.runDetail(runId),
    'runs:active': async () => engine.activeRuns(),
    'status:watch': async ({ file, watchId }) => engine.watchStatus(await knownProfile(file), watchId),
    'status:unwatch': async ({ watchId }) => engine.unwatchStatus(watchId),
    'drift:adopt-preview': async (req) => engine.adoptPreview({ ...req, file: await knownProfile(req.file) }),
    'drift:adopt-apply': ({ adoptId }) => engine.adoptApply(adoptId),
    'machines:logs': async (req) => {
      const streamId = randomUUID();
      const r = await engine.machineLogs(
        await knownProfile(req.file),
        req.machine,
        { follow: req.follow, tail: req.tail ?? 200 },
        (lines) => hub.publish({ type: 'machine-logs', streamId, lines }),
        (err) => {
          logStreams.delete(streamId);
          hub.publish({ type: 'machine-logs-end', streamId, ...(err ? { error: toErrorInfo(err) } : {}) });
        },
      );
      if (req.follow) logStreams.set(streamId, r.stop);
      return { streamId, lines: r.lines };
    },
    'machines:logs-stop': async ({ streamId }) => {
      logStreams.get(streamId)?.();
      logStreams.delete(streamId);
    },
    'machines:restart': async ({ file, machine }) => engine.restartMachine(await knownProfile(file), machine),
    'shell:list': async () => shells.list(),
    'shell:attach': async ({ shellId }) => shells.attach(shellId),
  };

  return {
    handlers,
    close() {
      unsubscribeRuns();
      unsubscribeMachines();
      for (const stop of logStreams.values()) stop();
      logStreams.clear();
    },
  };
}
