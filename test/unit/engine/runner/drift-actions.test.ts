// Drift against the profile treats an action (a command without a guard) as no state at all, and a
// guarded command as the state its guard stands for: specs over a scripted machine.

import { describe, expect, it } from 'vitest';
import type { CommandResource, MachineSpec } from '../../../../shared/profile.js';
import { driftAgainstProfile } from '../../../../electron/engine/runner/drift.js';
import { probeOutput, ScriptedTransport } from '../../../support/scripted-machine.js';

const cmd = (name: string, guards: Partial<CommandResource> = {}): CommandResource => ({ id: `command:${name}`, kind: 'command', name, env: {}, ...guards });

describe('drift of commands', () => {
  it('never reports a command without a guard, and reports a guarded one whose guard says it would run', async () => {
    const resources = [cmd('echo hi >> /tmp/log'), cmd('make install', { unless: 'test -x /usr/local/bin/app' })];
    const m: MachineSpec = { name: 'web', docker: { image: 'x', ports: [], env: {}, volumes: [], privileged: false }, resources };
    const t = new ScriptedTransport(resources, {
      probe: (spec) => probeOutput.command((spec as CommandResource).unless !== undefined ? { unless: 1 } : {}),
      apply: () => {
        throw new Error('drift never applies');
      },
    });
    const findings = await driftAgainstProfile(m, t, { runId: 'r', emit: () => {} });
    expect(findings.map((f) => `${f.status} ${f.resource.name}`)).toEqual(['in-sync echo hi >> /tmp/log', 'missing make install']);
  });
});
