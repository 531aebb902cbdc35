// Status you can trust: machine state changes reach the front ends from Docker's event stream, also for
// changes made outside Prodlike (the docker CLI here), within a second; SSH machines of a watched
// profile get a reachability check with the reason when unreachable; a failed run leaves the profile
// failed until the next good one. Real Docker and sshd; the engine as the app host uses it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineStateChange } from '../../../shared/machines-live.js';
import { Engine } from '../../../electron/engine/engine.js';
import { BASE_IMAGE, uniqueProfile } from '../../support/docker-profile.js';
import { docker, purgeProfile } from '../../support/docker.js';
import { closedPort, startSshd, type Sshd } from '../../support/sshd.js';

let sshd: Sshd;
let engine: Engine;
let dir: string;
let file: string;
const name = uniqueProfile('pl-status');

async function until<T>(what: string, get: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(path.join(tmpdir(), 'pl-status-'));
  file = path.join(dir, 'status.yaml');
  writeFileSync(file, `name: ${name}\nrole: test\nmachines:\n  app:\n    docker: { image: ${BASE_IMAGE} }\n    resources:\n      - file: /etc/pl-status\n        content: "one\\n"\n`);
  engine = new Engine({ dataDir: path.join(dir, 'data'), profileFolders: [dir], env: { ...process.env, HOME: dir, PRODLIKE_NO_CACHE: '1' } });
});

afterAll(async () => {
  await engine?.close();
  await sshd?.stop();
  purgeProfile(name);
});

describe('machine states from the Docker event stream', () => {
  it('a docker stop, start and rm from outside Prodlike each arrive within a second', async () => {
    const up = await engine.start({ kind: 'up', file }).done;
    expect(up.runId).toBeTruthy();
    const container = docker('ps', '-q', '--filter', `label=prodlike.profile=${name}`, '--filter', 'label=prodlike.machine=app');
    expect(container).not.toBe('');

    const seen: { c: MachineStateChange; t: number }[] = [];
    const stop = engine.subscribeMachines((c) => seen.push({ c, t: Date.now() }));
    try {
      await new Promise((r) => setTimeout(r, 500)); // the stream is open
      const idleFrom = process.cpuUsage();
      await new Promise((r) => setTimeout(r, 2000));
      const idle = process.cpuUsage(idleFrom);
      // Idle with the stream open: no polling (well under 5% of a core over 2 s).
      expect((idle.user + idle.system) / 1000).toBeLessThan(100);

      for (const [cmd, state] of [[['stop', '-t', '1'], 'stopped'], [['start'], 'running'], [['rm', '-f'], 'not-created']] as const) {
        const n = seen.length;
        docker(...cmd, container);
        const returned = Date.now();
        const got = await until(`${cmd[0]} → ${state}`, () => seen.slice(n).find((s) => s.c.machine === 'app' && s.c.profile === name && s.c.state === state), 5000);
        expect(got.t - returned, `${cmd[0]}`).toBeLessThan(1000);
        expect(got.c.profileFile).toBe(file);
        if (cmd[0] === 'stop') {
          // `docker stop` sends kill, die and stop: one change, not three.
          await new Promise((r) => setTimeout(r, 300));
          expect(seen.slice(n).map((s) => s.c.state)).toEqual(['stopped']);
          expect(got.c.reason).toMatch(/exited with code/);
        }
      }
    } finally {
      stop();
    }
  });
});

describe('SSH machines of the profile on screen', () => {
  it('are checked for reachability, with the reason when they are not', async () => {
    const dead = await closedPort();
    const sshFile = path.join(dir, 'hosts.yaml');
    writeFileSync(
      sshFile,
      `name: ${name}-hosts\nrole: test\nmachines:\n  up:\n    ssh: { host: 127.0.0.1, port: ${sshd.port}, user: root, identity: ${sshd.identity} }\n  down:\n    ssh: { host: 127.0.0.1, port: ${dead}, user: root, identity: ${sshd.identity} }\n`,
    );
    const seen: MachineStateChange[] = [];
    const stop = engine.subscribeMachines((c) => seen.push(c));
    try {
      const { watchId } = await engine.watchStatus(sshFile);
      const upState = await until('up checked', () => seen.find((c) => c.machine === 'up'));
      const downState = await until('down checked', () => seen.find((c) => c.machine === 'down'));
      expect(upState).toMatchObject({ state: 'running', cause: 'check', profileFile: sshFile });
      expect(downState).toMatchObject({ state: 'unreachable', cause: 'check' });
      expect(downState.reason).toMatch(new RegExp(`connection refused by 127.0.0.1:${dead}`));
      // Renewing the same watch keeps its id; ending it works once.
      expect((await engine.watchStatus(sshFile, watchId)).watchId).toBe(watchId);
      engine.unwatchStatus(watchId);
      expect(() => engine.unwatchStatus(watchId)).toThrow(/ended/);
    } finally {
      stop();
    }
  });
});

describe("a profile's status", () => {
  it('stays failed after a failed run until the next good one, whatever read-only runs come between', async () => {
    const bad = path.join(dir, 'bad.yaml');
    const body = (cmd: string) => `name: ${name}-bad\nrole: test\nmachines:\n  app:\n    docker: { image: ${BASE_IMAGE} }\n    resources:\n      - command: ${cmd}\n`;
    writeFileSync(bad, body('exit 3'));
    try {
      const failed = await engine.start({ kind: 'up', file: bad }).done;
      expect('ok' in failed && failed.ok).toBe(false);
      await engine.start({ kind: 'drift', file: bad }).done;
      let st = await engine.status(bad);
      expect(st.lastRun?.kind).toBe('drift');
      expect(st.lastFailure).toMatchObject({ runId: failed.runId, kind: 'up', ok: false });
      expect(st.lastFailure?.error?.message ?? '').toMatch(/exit 3/);

      writeFileSync(bad, body('"true"'));
      const good = await engine.start({ kind: 'up', file: bad }).done;
      expect('ok' in good && good.ok).toBe(true);
      st = await engine.status(bad);
      expect(st.lastFailure).toBeUndefined();
    } finally {
      purgeProfile(`${name}-bad`);
    }
  });
});
