// capture and drift over a fleet, through the built `prodlike` CLI: four real sshd containers and one
// host that does not answer (a closed port on 127.0.0.1). What Prodlike writes is checked against the
// hosts themselves (`docker exec … sha256sum`), and how many hosts it worked on at once is read from
// its own --json event stream.

import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RunEvent } from '../../../shared/events.js';
import type { DriftReport } from '../../../shared/report.js';
import { workspace, type CliRun, type Workspace } from '../../support/cli.js';
import { closedPort, startSshd, type Sshd } from '../../support/sshd.js';

const N = 4;
let hosts: Sshd[] = [];
let deadPort: number;
let ws: Workspace;
let fleetFile: string;
let devFile: string;
const baselineFile = () => path.join(ws.dir, 'baselines', 'fleet.yaml');

const ssh = (port: number, identity: string) => `    ssh: { host: 127.0.0.1, port: ${port}, user: root, identity: ${identity}, connect_timeout: 5 }`;

const events = (r: CliRun) =>
  r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{"type"'))
    .map((l) => JSON.parse(l) as RunEvent);

/** The most machines that were between their connection's start and their probe's end at one time. */
function maxInFlight(evs: RunEvent[]): number {
  let now = 0;
  let max = 0;
  const open = new Set<string>();
  for (const e of evs) {
    if (e.type !== 'machine') continue;
    if (e.phase === 'provision' && e.status === 'start' && !open.has(e.machine)) {
      open.add(e.machine);
      max = Math.max(max, ++now);
    } else if ((e.phase === 'probe' && e.status !== 'start') || e.status === 'failed') {
      if (open.delete(e.machine)) now--;
    }
  }
  return max;
}

beforeAll(async () => {
  [hosts, ws, deadPort] = await Promise.all([Promise.all(Array.from({ length: N }, () => startSshd())), workspace(), closedPort()]);
  // Trust comes from this known_hosts only, never the developer's own.
  const home = mkdtempSync(path.join(tmpdir(), 'pl-home-'));
  mkdirSync(path.join(home, '.ssh'));
  writeFileSync(path.join(home, '.ssh', 'known_hosts'), hosts.map((h) => h.hostKeyLine).join('\n') + '\n');
  ws.env.HOME = home;
  await Promise.all(hosts.map((h, i) => h.exec(`printf 'host ${i + 1}\\n' > /etc/fleet-id && chmod 0640 /etc/fleet-id`)));
  const id = hosts[0]!.identity;
  const machines = hosts.map((h, i) => `  h${i + 1}:\n${ssh(h.port, id)}\n    resources:\n      - file: /etc/fleet-id\n      - package: tree\n`).join('');
  fleetFile = await ws.write('profiles/fleet.yaml', `name: fleet\nrole: production\nmachines:\n${machines}  h5:\n${ssh(deadPort, id)}\n    resources:\n      - file: /etc/fleet-id\n`);
  // A local machine for each of a captured host and the one that was not captured (both real hosts here).
  devFile = await ws.write(
    'profiles/dev.yaml',
    `name: fleet-dev\nrole: dev\nmachines:\n  a:\n    mirrors: h1\n${ssh(hosts[0]!.port, id)}\n    resources:\n      - file: /etc/fleet-id\n  b:\n    mirrors: h5\n${ssh(hosts[1]!.port, id)}\n    resources:\n      - file: /etc/fleet-id\n`,
  );
});

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
});

describe('capture over a fleet', () => {
  it('tries every host, at most --forks at a time, and writes no baseline when one is unreachable', async () => {
    const r = await ws.run(['capture', fleetFile, '--out', baselineFile(), '--forks', '2', '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(existsSync(baselineFile())).toBe(false);
    const evs = events(r);
    const probed = evs.filter((e) => e.type === 'machine' && e.phase === 'probe' && e.status === 'done').map((e) => (e as { machine: string }).machine);
    expect(probed.sort()).toEqual(['h1', 'h2', 'h3', 'h4']);
    expect(maxInFlight(evs)).toBeLessThanOrEqual(2);
    expect(maxInFlight(evs)).toBe(2);
    const last = evs.filter((e) => e.type === 'progress' && e.task === 'hosts').pop();
    expect(last).toMatchObject({ current: 5, total: 5, failed: 1 });
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as { result: { machines: { machine: string; status: string; error?: { message: string } }[] } };
    const h5 = result.result.machines.find((m) => m.machine === 'h5')!;
    expect(h5.status).toBe('failed');
    expect(h5.error?.message).toContain(`127.0.0.1:${deadPort}`);
  });

  it('says which host failed and how to write the others, in one message and no stack', async () => {
    const r = await ws.run(['capture', fleetFile, '--out', baselineFile()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`h5: .*127\\.0\\.0\\.1:${deadPort}`));
    expect(r.stdout).toContain('hosts 5/5 done, 1 failed');
    expect(r.stdout).toMatch(/no baseline was written \(4 of 5 hosts were captured; --allow-unreachable writes them\)/);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .*\.m?js:\d+/);
  });

  it('--allow-unreachable writes the captured hosts as they are and marks the other "not captured"', async () => {
    const r = await ws.run(['capture', fleetFile, '--out', baselineFile(), '--allow-unreachable', '--forks', '3']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/captured fleet: 4 of 5 host\(s\), written to .*fleet\.yaml; 1 not captured/);
    const b = parse(readFileSync(baselineFile(), 'utf8')) as {
      hosts: Record<string, { address: string; files: Record<string, { sha256: string; mode: string }>; packages: Record<string, string> }>;
      not_captured: Record<string, { address: string; reason: string }>;
    };
    expect(Object.keys(b.hosts).sort()).toEqual(['h1', 'h2', 'h3', 'h4']);
    for (const [i, h] of hosts.entries()) {
      const entry = b.hosts[`h${i + 1}`]!;
      expect(entry.address).toBe(`127.0.0.1:${h.port}`);
      const sha = (await h.exec('sha256sum /etc/fleet-id')).split(' ')[0];
      expect(entry.files['/etc/fleet-id']).toMatchObject({ sha256: sha, mode: '0640' });
      expect(entry.packages['openssh-server']).toBe((await h.exec(`dpkg-query -W -f '\${Version}' openssh-server`)).trim());
    }
    expect(b.not_captured.h5!.address).toBe(`127.0.0.1:${deadPort}`);
    expect(b.not_captured.h5!.reason).toContain(`127.0.0.1:${deadPort}`);
    // A production capture registers the host it could not reach too: `up` must still refuse it.
    const reg = JSON.parse(readFileSync(path.join(ws.dataDir, 'production-hosts.json'), 'utf8')) as { hosts: Record<string, unknown> };
    expect(Object.keys(reg.hosts)).toContain(`127.0.0.1:${deadPort}`);
  });
});

describe('drift over a fleet', () => {
  it('against the baseline: a machine mirroring a host that was not captured says so, the others are compared', async () => {
    await hosts[0]!.exec(`echo changed >> /etc/fleet-id`);
    const r = await ws.run(['drift', devFile, '--against', baselineFile(), '--json']);
    expect(r.code).toBe(1);
    const { report } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { report: DriftReport };
    expect(report.errors.map((e) => e.machine)).toEqual(['b']);
    expect(report.errors[0]!.error.message).toMatch(/mirrors h5, which was not captured in .*fleet\.yaml/);
    expect(report.errors[0]!.error.message).not.toMatch(/absent|missing/);
    expect(report.findings.filter((f) => f.machine === 'a' && f.status === 'drifted').map((f) => f.resource.name)).toContain('/etc/fleet-id');
    expect(report.findings.some((f) => f.machine === 'b')).toBe(false);
  });

  it('against the profile: every reachable host is reported, the unreachable one is an error, at most --forks at once', async () => {
    const r = await ws.run(['drift', fleetFile, '--forks', '3', '--json']);
    expect(r.code).toBe(1);
    const evs = events(r);
    expect(maxInFlight(evs)).toBeLessThanOrEqual(3);
    const { report } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { report: DriftReport };
    expect(report.errors.map((e) => e.machine)).toEqual(['h5']);
    expect(new Set(report.findings.map((f) => f.machine))).toEqual(new Set(['h1', 'h2', 'h3', 'h4']));
    // tree is not installed on the hosts: the probe really ran on each of them.
    for (const h of ['h1', 'h2', 'h3', 'h4']) expect(report.findings.find((f) => f.machine === h && f.resource.name === 'tree')?.status).toBe('missing');
  });

  it('refuses a --forks that is not a whole number from 1', async () => {
    for (const bad of ['0', 'many', '-3']) {
      const r = await ws.run(['drift', fleetFile, `--forks=${bad}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`--forks ${bad}: expected a whole number from 1 to 1000`);
    }
  });
});
