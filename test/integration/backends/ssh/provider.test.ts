// SshProvider: connects to existing hosts in parallel; one host's failure does not stop the others.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../../shared/events.js';
import type { MachineSpec, Profile } from '../../../../shared/profile.js';
import { SshProvider } from '../../../../electron/engine/backends/ssh/provider.js';
import { closedPort, startSshd, type Sshd } from '../../../support/sshd.js';
import { keySources, specFor, trust } from './helpers.js';

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

function profileOf(machines: MachineSpec[]): Profile {
  return { name: 'ssh-test', role: 'test', vars: {}, machines, file: '/tmp/ssh-test.yaml', files: ['/tmp/ssh-test.yaml'] };
}

describe('SshProvider', () => {
  it('connects to every machine in parallel and reports each failure by machine', async () => {
    const src = keySources();
    await trust(src, sshd);
    const deadPort = await closedPort();
    const machines: MachineSpec[] = [
      { name: 'web', ssh: specFor(sshd), resources: [] },
      { name: 'app', ssh: specFor(sshd, { user: 'deploy', become: true }), resources: [] },
      { name: 'db', ssh: specFor(sshd, { port: deadPort }), resources: [] },
    ];
    const events: RunEvent[] = [];
    const provider = new SshProvider({ dataDir: src.dataDir, knownHostsFiles: [src.knownHosts], agentSocket: '' });
    try {
      const result = await provider.up(profileOf(machines), machines, { runId: 'r1', emit: (e) => events.push(e) });
      const web = result.get('web');
      const app = result.get('app');
      expect(web && !(web instanceof Error) && (await web.exec('id -un')).stdout).toBe('root\n');
      expect(app && !(app instanceof Error) && (await app.exec('id -un')).stdout).toBe('root\n');
      const db = result.get('db');
      expect(db).toBeInstanceOf(Error);
      expect((db as Error).message).toBe(`connection to 127.0.0.1:${deadPort} refused: nothing listens there`);

      const machineEvents = events.filter((e) => e.type === 'machine');
      expect(machineEvents.filter((e) => e.status === 'start')).toHaveLength(3);
      expect(machineEvents.find((e) => e.machine === 'web' && e.status === 'done')).toMatchObject({
        phase: 'provision',
        state: 'running',
        detail: `connected to root@127.0.0.1:${sshd.port}`,
      });
      expect(machineEvents.find((e) => e.machine === 'db' && e.status === 'failed')).toMatchObject({
        state: 'unreachable',
        error: { name: 'SshError', message: `connection to 127.0.0.1:${deadPort} refused: nothing listens there` },
      });
      // web and app are different users: two connections, each reused
      expect(provider.pool.connectsOpened).toBe(2);

      const statuses = await provider.status(profileOf(machines), machines);
      expect(statuses.map((s) => [s.machine, s.state])).toEqual([
        ['web', 'running'],
        ['app', 'running'],
        ['db', 'unreachable'],
      ]);
      expect(statuses[2]?.error?.message).toContain(`127.0.0.1:${deadPort}`);
      expect(statuses[0]?.target).toBe(`root@127.0.0.1:${sshd.port}`);
    } finally {
      await provider.close();
    }
  });

  it('does not stop or remove existing hosts, and says so', async () => {
    const src = keySources();
    const machines: MachineSpec[] = [{ name: 'web', ssh: specFor(sshd), resources: [] }];
    const events: RunEvent[] = [];
    const provider = new SshProvider({ dataDir: src.dataDir, knownHostsFiles: [src.knownHosts] });
    await provider.stop(profileOf(machines), machines, { runId: 'r2', emit: (e) => events.push(e) });
    await provider.destroy(profileOf(machines), machines, { volumes: true }, { runId: 'r2', emit: (e) => events.push(e) });
    await provider.close();
    expect(events.map((e) => (e.type === 'log' ? e.text : e.type))).toEqual([
      `web is an existing SSH host (root@127.0.0.1:${sshd.port}): Prodlike does not manage its lifecycle, so it is not stopped`,
      `web is an existing SSH host (root@127.0.0.1:${sshd.port}): Prodlike does not manage its lifecycle, so it is not removed`,
    ]);
    expect((await sshd.exec('echo alive')).trim()).toBe('alive');
  });
});
