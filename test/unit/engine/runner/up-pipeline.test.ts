// `up` converges each machine as soon as its backend has it: a machine that is up early is probed and
// converged while another is still being brought up (a container while a VM boots), and the run's result
// still lists every machine in profile order, with a machine that failed to come up reported as failed.

import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../../shared/events.js';
import type { MachineSpec, PackageResource, Profile } from '../../../../shared/profile.js';
import { runUp } from '../../../../electron/engine/runner/operations.js';
import type { ProviderSet } from '../../../../electron/engine/runner/backends.js';
import type { MachineProvider, OnReached, RunContext } from '../../../../electron/engine/backends/backend.js';
import type { Transport } from '../../../../electron/engine/transport.js';
import { probeOutput, ScriptedTransport } from '../../../support/scripted-machine.js';

const pkg = (name: string): PackageResource => ({ id: `package:${name}`, kind: 'package', name, state: 'present' });
const docker = { image: 'debian:bookworm', ports: [], env: {}, volumes: [], privileged: false };
const machine = (name: string): MachineSpec => ({ name, docker, resources: [pkg('curl')] });

/** A machine whose package is already installed: its convergence is one probe. */
function installed(m: MachineSpec, log: string[]): ScriptedTransport {
  const t = new ScriptedTransport(m.resources, {
    probe: () => probeOutput.package('7.88'),
    apply: () => ({}),
  });
  const exec = t.exec.bind(t);
  t.exec = async (script, opts) => {
    log.push(`${m.name} probed`);
    return exec(script, opts);
  };
  return t;
}

/** A Docker backend whose machines come up when the test says so, each told to `onReached` then. */
function controlledBackend(outcomes: Map<string, Promise<Transport | Error>>, log: string[]): ProviderSet {
  const provider = {
    async up(_p: Profile, machines: MachineSpec[], _ctx: RunContext, onReached?: OnReached) {
      const result = new Map<string, Transport | Error>();
      await Promise.all(
        machines.map(async (m) => {
          const r = await outcomes.get(m.name)!;
          log.push(`${m.name} up`);
          result.set(m.name, r);
          onReached?.(m.name, r);
        }),
      );
      return result;
    },
  } as unknown as MachineProvider;
  return { docker: async () => provider, ssh: async () => provider, vm: async () => provider, close: async () => undefined } as unknown as ProviderSet;
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('up converges each machine as soon as it is up', () => {
  const [web, db, vm] = [machine('web'), machine('db'), machine('vm')];
  const profile = { name: 'p', file: '/p.yaml', machines: [web, db, vm] } as unknown as Profile;

  it('probes an early machine while a later one is still coming up, and returns results in profile order', async () => {
    const log: string[] = [];
    const events: RunEvent[] = [];
    const slow = deferred<Transport | Error>();
    const outcomes = new Map<string, Promise<Transport | Error>>([
      ['web', Promise.resolve(installed(web, log))],
      ['db', Promise.resolve(installed(db, log))],
      ['vm', slow.promise],
    ]);
    const running = runUp(controlledBackend(outcomes, log), profile, { runId: 'r', emit: (e) => events.push(e) });
    // The VM is not up yet: web and db are converged meanwhile.
    await expect.poll(() => log.filter((l) => l.endsWith('probed')).length).toBe(2);
    expect(log).not.toContain('vm up');
    slow.resolve(installed(vm, log));
    const results = await running;
    expect(log.indexOf('web probed')).toBeLessThan(log.indexOf('vm up'));
    expect(log.indexOf('db probed')).toBeLessThan(log.indexOf('vm up'));
    expect(log).toContain('vm probed');
    expect(results.map((r) => [r.machine, r.status])).toEqual([
      ['web', 'ok'],
      ['db', 'ok'],
      ['vm', 'ok'],
    ]);
  });

  it('a machine that fails to come up is reported failed, its resources skipped, while the others converge', async () => {
    const log: string[] = [];
    const events: RunEvent[] = [];
    const outcomes = new Map<string, Promise<Transport | Error>>([
      ['web', Promise.resolve(installed(web, log))],
      ['db', Promise.resolve(new Error('the container could not be started: port is already allocated'))],
      ['vm', Promise.resolve(installed(vm, log))],
    ]);
    const results = await runUp(controlledBackend(outcomes, log), profile, { runId: 'r', emit: (e) => events.push(e) });
    expect(results.map((r) => [r.machine, r.status])).toEqual([
      ['web', 'ok'],
      ['db', 'failed'],
      ['vm', 'ok'],
    ]);
    expect(results[1]!.error?.message).toMatch(/port is already allocated/);
    expect(results[1]!.resources.map((r) => r.status)).toEqual(['skipped']);
    expect(log).not.toContain('db probed');
  });
});
