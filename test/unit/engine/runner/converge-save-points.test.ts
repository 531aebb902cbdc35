// converge's hook for the environment cache: it is told each time the first n resources are all in
// sync, in order, with the machine holding exactly their state — and never past a failure.
import { describe, expect, it } from 'vitest';
import type { MachineSpec, ResourceSpec } from '../../../../shared/profile.js';
import { converge } from '../../../../electron/engine/runner/converge.js';
import { probeOutput, ScriptedTransport, type ScriptedModel } from '../../../support/scripted-machine.js';

const machine = (resources: ResourceSpec[]): MachineSpec => ({ name: 'm', docker: { image: 'x', ports: [], env: {}, volumes: [], privileged: false }, resources });
const pkg = (name: string): ResourceSpec => ({ id: `package:${name}`, kind: 'package', name, state: 'present' });
const svc = (name: string): ResourceSpec => ({ id: `service:${name}`, kind: 'service', name, state: 'running' });

function model(state: { installed: Set<string>; running: boolean; failStart?: boolean }): ScriptedModel {
  return {
    probe(spec) {
      if (spec.kind === 'package') return probeOutput.package(state.installed.has(spec.name) ? '1.0' : undefined);
      if (spec.kind === 'service') return probeOutput.service({ exists: true, running: state.running });
      throw new Error(`unexpected ${spec.kind}`);
    },
    apply(script) {
      if (script.includes('apt-get')) {
        for (const n of ['a', 'b', 'c']) if (script.includes(`'${n}'`)) state.installed.add(n);
        return {};
      }
      if (state.failStart) return { code: 1, stderr: 'no\n' };
      state.running = true;
      return {};
    },
  };
}

async function reached(m: MachineSpec, state: { installed: Set<string>; running: boolean; failStart?: boolean }) {
  const seen: string[] = [];
  const t = new ScriptedTransport(m.resources, model(state));
  await converge(m, t, 'apply', { runId: 'r', emit: () => undefined }, {
    afterPrefix: async (n) => {
      seen.push(`${n}:${[...state.installed].sort().join('')}${state.running ? '+run' : ''}`);
    },
  });
  return seen;
}

describe('converge: the in-sync prefix hook', () => {
  it('is called after each resource decided in order, seeing exactly the state of the first n', async () => {
    const m = machine([pkg('a'), svc('s'), pkg('b')]);
    expect(await reached(m, { installed: new Set(), running: false })).toEqual(['1:a', '2:a+run', '3:ab+run']);
  });

  it('counts resources already in sync', async () => {
    const m = machine([pkg('a'), svc('s')]);
    expect(await reached(m, { installed: new Set(['a']), running: true })).toEqual(['1:a+run', '2:a+run']);
  });

  it('jumps over a batch of packages applied as one step', async () => {
    const m = machine([pkg('a'), pkg('b'), pkg('c'), svc('s')]);
    expect(await reached(m, { installed: new Set(), running: false })).toEqual(['3:abc', '4:abc+run']);
  });

  it('stops at the last resource in sync before a failure', async () => {
    const m = machine([pkg('a'), svc('s'), pkg('b')]);
    expect(await reached(m, { installed: new Set(), running: false, failStart: true })).toEqual(['1:a']);
  });
});

describe('converge: a restart from a saved state', () => {
  it('probes what follows again, in the new container, and decides on what it finds there', async () => {
    // The old container ran the service (a package's postinst started it); the new one does not.
    const state = { installed: new Set<string>(), running: false };
    const m = machine([pkg('a'), svc('s')]);
    const t = new ScriptedTransport(m.resources, {
      ...model(state),
      apply(script) {
        if (script.includes('apt-get')) {
          state.installed.add('a');
          state.running = true;
          return {};
        }
        state.running = true;
        return {};
      },
    });
    const result = await converge(m, t, 'apply', { runId: 'r', emit: () => undefined }, {
      afterPrefix: async (n) => {
        if (n !== 1) return {};
        state.running = false;
        return { restarted: true };
      },
    });
    expect(result.status).toBe('changed');
    expect(result.resources.map((r) => `${r.name}:${r.status}`)).toEqual(['a:changed', 's:changed']);
    expect(state.running).toBe(true);
    expect(t.execs.filter((e) => e.kind === 'probe').map((e) => e.names.join(','))).toEqual(['a,s', 'a,s', 's', 's']);
  });

  it('fails the machine, naming the restart, when the new container cannot be probed', async () => {
    const state = { installed: new Set<string>(), running: false };
    const m = machine([pkg('a'), svc('s')]);
    const t = new ScriptedTransport(m.resources, model(state));
    let gone = false;
    const flaky = { target: t.target, close: () => t.close(), exec: (s: string, o?: object) => (gone ? Promise.reject(new Error('container is not running')) : t.exec(s, o)) };
    const result = await converge(m, flaky, 'apply', { runId: 'r', emit: () => undefined }, {
      afterPrefix: async () => {
        gone = true;
        return { restarted: true };
      },
    });
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/could not be probed after its restart from the saved state: container is not running/);
    expect(result.resources.map((r) => `${r.name}:${r.status}`)).toEqual(['a:changed', 's:skipped']);
  });
});

describe('converge: a save that leaves the machine unusable', () => {
  it('fails the machine with the save\'s error and applies nothing after it', async () => {
    const state = { installed: new Set<string>(), running: false };
    const m = machine([pkg('a'), svc('s'), pkg('b')]);
    const t = new ScriptedTransport(m.resources, model(state));
    const result = await converge(m, t, 'apply', { runId: 'r', emit: () => undefined }, {
      afterPrefix: async (n) => {
        if (n === 2) throw new Error('the VM is paused and did not run again');
        return {};
      },
    });
    expect(result.status).toBe('failed');
    expect(result.error?.message).toBe('the VM is paused and did not run again');
    expect(result.resources.map((r) => `${r.name}:${r.status}`)).toEqual(['a:changed', 's:changed', 'b:skipped']);
    expect(result.resources[2]!.error?.message).toBe('not applied: the VM is paused and did not run again');
    expect(state.installed.has('b')).toBe(false);
  });
});

describe('converge: the before-apply hook (apt lists kept between runs)', () => {
  it('is told before each step is applied, with the in-sync prefix and the kind, and not for what is in sync', async () => {
    const state = { installed: new Set(['a']), running: false };
    const m = machine([pkg('a'), pkg('b'), pkg('c'), svc('s')]);
    const seen: string[] = [];
    await converge(m, new ScriptedTransport(m.resources, model(state)), 'apply', { runId: 'r', emit: () => undefined }, {
      beforeApply: async (n, kind) => {
        seen.push(`${n}:${kind}:${[...state.installed].sort().join('')}${state.running ? '+run' : ''}`);
      },
    });
    expect(seen).toEqual(['1:package:a', '3:service:abc']);
  });
});
