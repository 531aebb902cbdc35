import { describe, expect, it } from 'vitest';
import { changeFromEvent } from '../../../../../electron/engine/backends/docker/events.js';

const evt = (Action: string, attrs: Record<string, string> = {}) => ({
  Type: 'container',
  Action,
  Actor: { ID: 'c1', Attributes: { 'prodlike.profile': 'shop-dev', 'prodlike.machine': 'cache', 'prodlike.profile-file': '/p/dev.yaml', ...attrs } },
  time: 1_700_000_000,
});

describe("a Docker event as a machine's state", () => {
  it('maps start, die, stop and destroy to running, stopped and not-created', () => {
    expect(changeFromEvent(evt('start'))).toMatchObject({ profile: 'shop-dev', profileFile: '/p/dev.yaml', machine: 'cache', state: 'running', cause: 'start' });
    expect(changeFromEvent(evt('die', { exitCode: '137' }))).toMatchObject({ state: 'stopped', reason: 'exited with code 137' });
    expect(changeFromEvent(evt('stop'))).toMatchObject({ state: 'stopped' });
    expect(changeFromEvent(evt('destroy'))).toMatchObject({ state: 'not-created' });
    expect(changeFromEvent(evt('pause'))).toMatchObject({ state: 'stopped', reason: 'paused' });
  });

  it("takes the engine's time of the event", () => {
    expect(changeFromEvent(evt('start'))!.at).toBe('2023-11-14T22:13:20.000Z');
  });

  it('ignores other actions, other object types and containers that are not machines', () => {
    expect(changeFromEvent(evt('exec_start: sh -c true'))).toBeUndefined();
    expect(changeFromEvent({ ...evt('start'), Type: 'network' })).toBeUndefined();
    expect(changeFromEvent({ Type: 'container', Action: 'start', Actor: { Attributes: { 'prodlike.profile': 'x' } } })).toBeUndefined();
  });
});
