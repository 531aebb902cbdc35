// A run you can watch: a command's output reaches the run's log events while it still runs, line by line
// in batches at most 100 ms apart, on a Docker machine and on an SSH machine; each machine's progress
// says what it is doing. Real Docker, real sshd; the engine as the app uses it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../shared/events.js';
import type { RunResult } from '../../../shared/report.js';
import { Engine } from '../../../electron/engine/engine.js';
import { BASE_IMAGE, uniqueProfile } from '../../support/docker-profile.js';
import { purgeProfile } from '../../support/docker.js';
import { startSshd, type Sshd } from '../../support/sshd.js';

// 15 lines, one every 200 ms: about 3 s.
const SLOW = `i=1; while [ $i -le 15 ]; do echo "tick $i"; i=$((i+1)); sleep 0.2; done`;

let sshd: Sshd;
let engine: Engine;
let file: string;
const name = uniqueProfile('pl-live');

beforeAll(async () => {
  sshd = await startSshd();
  const dir = mkdtempSync(path.join(tmpdir(), 'pl-live-'));
  file = path.join(dir, 'live.yaml');
  writeFileSync(
    file,
    `name: ${name}
role: test
machines:
  box:
    docker: { image: ${BASE_IMAGE} }
    resources:
      - command: ${JSON.stringify(SLOW)}
  host:
    ssh: { host: 127.0.0.1, port: ${sshd.port}, user: root, identity: ${sshd.identity} }
    resources:
      - command: ${JSON.stringify(SLOW)}
`,
  );
  engine = new Engine({ dataDir: path.join(dir, 'data'), profileFolders: [dir], env: { ...process.env, HOME: dir, PRODLIKE_NO_CACHE: '1' } });
  await engine.trustHostKey('127.0.0.1', sshd.port);
});

afterAll(async () => {
  await engine?.close();
  await sshd?.stop();
  purgeProfile(name);
});

describe('a run you can watch', () => {
  it("streams a slow command's lines while it runs, on Docker and SSH machines, with progress in words", async () => {
    const arrived: { e: RunEvent; t: number }[] = [];
    const run = engine.start({ kind: 'up', file }, (e) => arrived.push({ e, t: Date.now() }));
    const result = (await run.done) as RunResult;
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);

    for (const machine of ['box', 'host']) {
      const logs = arrived.filter((a) => a.e.type === 'log' && a.e.machine === machine && a.e.stream === 'stdout');
      const lines = logs.flatMap((a) => (a.e.type === 'log' ? a.e.text.split('\n') : []));
      expect(lines, machine).toEqual(Array.from({ length: 15 }, (_, i) => `tick ${i + 1}`));
      // Live: many events, spread over the command's ~3 s, not one lump at the end.
      expect(logs.length, machine).toBeGreaterThanOrEqual(10);
      const spread = logs.at(-1)!.t - logs[0]!.t;
      expect(spread, machine).toBeGreaterThan(2000);
      // Each event arrived within the batch time (+ slack for a loaded machine) of its first line.
      for (const a of logs) if (a.e.type === 'log') expect(a.t - Date.parse(a.e.at!), machine).toBeLessThan(600);

      const progress = arrived.filter((a) => a.e.type === 'progress' && a.e.machine === machine).map((a) => a.e);
      expect(progress.some((p) => p.type === 'progress' && p.task.startsWith('running i=1') && p.total === 1 && p.current === 0), machine).toBe(true);
      expect(progress.at(-1)).toMatchObject({ task: 'finished', current: 1, total: 1 });
    }
  });

  it("streams apt's output while it installs (a stand-in apt-get that prints a line every 200 ms)", async () => {
    // apt's output used to go to a file printed when the step ended. A stand-in apt-get, earlier on PATH
    // than the real one, prints slowly; the package then does not converge, which is not the point here.
    const aptFile = path.join(path.dirname(file), 'apt.yaml');
    const fake = '#!/bin/sh\ni=1; while [ $i -le 12 ]; do echo "Unpacking part $i ..."; i=$((i+1)); sleep 0.2; done\n';
    writeFileSync(
      aptFile,
      `name: ${name}-apt\nrole: test\nmachines:\n  box:\n    docker: { image: ${BASE_IMAGE} }\n    resources:\n      - file: /usr/local/bin/apt-get\n        content: ${JSON.stringify(fake)}\n        mode: "0755"\n      - package: pl-no-such-package\n`,
    );
    try {
      const arrived: { e: RunEvent; t: number }[] = [];
      await engine.start({ kind: 'up', file: aptFile }, (e) => arrived.push({ e, t: Date.now() })).done;
      const logs = arrived.filter((a) => a.e.type === 'log' && a.e.machine === 'box' && a.e.stream === 'stdout' && a.e.text.includes('Unpacking part'));
      const lines = logs.flatMap((a) => (a.e.type === 'log' ? a.e.text.split('\n').filter((l) => l.startsWith('Unpacking part')) : []));
      // Twelve lines per apt-get call (update, then install).
      expect(lines.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => `Unpacking part ${i + 1} ...`));
      expect(logs.length).toBeGreaterThanOrEqual(8);
      expect(logs.at(-1)!.t - logs[0]!.t).toBeGreaterThan(1500);
      expect(arrived.some((a) => a.e.type === 'progress' && a.e.machine === 'box' && a.e.task === 'installing pl-no-such-package')).toBe(true);
    } finally {
      purgeProfile(`${name}-apt`);
    }
  });
});
