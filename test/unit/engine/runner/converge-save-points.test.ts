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
