// Machine states from Docker's event stream: a container of a profile started, stopped, died or was
// removed — by Prodlike or by anyone else (`docker stop` in a terminal). One long-lived HTTP stream,
// filtered by the engine to Prodlike's containers: nothing is polled, so an idle app costs nothing.

import type Docker from 'dockerode';
import type { MachineStateChange } from '../../../../shared/machines-live.js';
import type { MachineState } from '../../../../shared/report.js';
import { LABEL_MACHINE, LABEL_PROFILE, LABEL_PROFILE_FILE } from './labels.js';

/** The container actions that change what a machine's state is. */
export const STATE_ACTIONS = ['create', 'start', 'restart', 'die', 'stop', 'destroy', 'pause', 'unpause'] as const;

export interface DockerEvent {
  Type?: string;
  Action?: string;
  status?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** The state a container event leaves a Prodlike machine in; undefined for other events. Pure. */
export function changeFromEvent(evt: DockerEvent): MachineStateChange | undefined {
  const action = evt.Action ?? evt.status;
  const attrs = evt.Actor?.Attributes ?? {};
  const profile = attrs[LABEL_PROFILE];
  const machine = attrs[LABEL_MACHINE];
  if ((evt.Type && evt.Type !== 'container') || !action || !profile || !machine) return undefined;
  let state: MachineState;
  let reason: string | undefined;
  switch (action) {
    case 'start':
    case 'restart':
    case 'unpause':
      state = 'running';
      break;
    case 'create':
    case 'stop':
    case 'pause':
      state = 'stopped';
      if (action === 'pause') reason = 'paused';
      break;
    case 'die':
      state = 'stopped';
      if (attrs.exitCode !== undefined) reason = `exited with code ${attrs.exitCode}`;
      break;
    case 'destroy':
      state = 'not-created';
      reason = 'the container was removed';
      break;
    default:
      return undefined;
  }
  const at = evt.timeNano ? new Date(Math.floor(evt.timeNano / 1e6)) : evt.time ? new Date(evt.time * 1000) : new Date();
  return {
    profile,
    ...(attrs[LABEL_PROFILE_FILE] ? { profileFile: attrs[LABEL_PROFILE_FILE] } : {}),
    machine,
    state,
    ...(reason ? { reason } : {}),
    cause: action,
    at: at.toISOString(),
  };
}

export interface EventWatch {
  stop(): void;
}

/**
 * Follows the engine's container events until stopped; reconnects (1 s, doubling to 30 s) when the
 * stream ends or the engine is away. Only changes are reported: `docker stop` sends kill, die and stop,
 * which is one change.
 */
export function watchDockerEvents(docker: Docker, onChange: (c: MachineStateChange) => void, onError?: (err: Error) => void): EventWatch {
  let stopped = false;
  let current: NodeJS.ReadableStream | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = 1000;
  const last = new Map<string, MachineState>();

  const connect = () => {
    if (stopped) return;
    docker.getEvents(
      { filters: { type: ['container'], label: [LABEL_PROFILE, LABEL_MACHINE], event: [...STATE_ACTIONS] } },
      (err, stream) => {
        if (stopped) {
          (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
          return;
        }
        if (err || !stream) return again(err ?? new Error('no event stream'));
        current = stream;
        delay = 1000;
        let buf = '';
        stream.on('data', (chunk: Buffer) => {
          buf += chunk.toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            let evt: DockerEvent;
            try {
              evt = JSON.parse(line) as DockerEvent;
            } catch {
              continue;
            }
            const change = changeFromEvent(evt);
            if (!change) continue;
            const key = `${evt.Actor?.ID ?? ''}`;
            if (last.get(key) === change.state) continue;
            last.set(key, change.state);
            if (change.state === 'not-created') last.delete(key);
            onChange(change);
          }
        });
        stream.on('error', (e: Error) => again(e));
        stream.on('end', () => again(new Error('the Docker event stream ended')));
      },
    );
  };
  const again = (err: Error) => {
    current = undefined;
    if (stopped || retry) return;
    onError?.(err);
    retry = setTimeout(() => {
      retry = undefined;
      connect();
    }, delay);
    retry.unref();
    delay = Math.min(delay * 2, 30_000);
  };
  connect();
  return {
    stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      (current as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    },
  };
}
