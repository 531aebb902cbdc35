// The app's terminal on an SSH machine: a shell channel over a verified connection, through the engine.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport } from '../../../../shared/report.js';
import { Engine } from '../../../../electron/engine/engine.js';
import { startSshd, type Sshd } from '../../../support/sshd.js';

let sshd: Sshd;
let engine: Engine;
let file: string;

beforeAll(async () => {
  sshd = await startSshd();
  const dir = mkdtempSync(path.join(tmpdir(), 'pl-shell-'));
  file = path.join(dir, 'vm.yaml');
  writeFileSync(file, `name: pl-shell\nrole: test\nmachines:\n  vm:\n    ssh: { host: 127.0.0.1, port: ${sshd.port}, user: root, identity: ${sshd.identity} }\n`);
  engine = new Engine({ dataDir: path.join(dir, 'data'), profileFolders: [dir], env: { ...process.env, HOME: dir } });
});

afterAll(async () => {
  await engine?.close();
  await sshd?.stop();
});

function openShell() {
  let out = '';
  let exit: number | undefined;
  const session = engine.openShell(file, 'vm', { cols: 100, rows: 30 }, { onData: (d) => (out += d), onExit: (c) => (exit = c) });
  return { session, out: () => out, exit: () => exit };
}

async function until(cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a shell on an SSH machine', () => {
  it('is refused while the host key is not trusted, naming its fingerprint', async () => {
    await expect(openShell().session).rejects.toThrow(/not trusted \(ED25519 SHA256:/);
  });

  it('runs what the user types once the key is trusted, and reports the exit', async () => {
    await engine.trustHostKey('127.0.0.1', sshd.port);
    const s = openShell();
    const session = await s.session;
    session.write('echo shell-says-$((6*7))\n');
    await until(() => s.out().includes('shell-says-42'));
    await session.resize(120, 40);
    session.write('stty size; exit 3\n');
    await until(() => s.exit() !== undefined);
    expect(s.out()).toContain('40 120');
    expect(s.exit()).toBe(3);
  });
});

describe('the default SSH identity setting', () => {
  it('is offered to machines whose profile names no identity', async () => {
    const dir = path.dirname(file);
    const noKey = path.join(dir, 'nokey.yaml');
    writeFileSync(noKey, `name: pl-nokey\nrole: test\nmachines:\n  vm:\n    ssh: { host: 127.0.0.1, port: ${sshd.port}, user: root }\n    resources:\n      - file: /etc/pl-nokey\n        content: "x\\n"\n`);
    const e = new Engine({ dataDir: path.join(dir, 'data'), profileFolders: [dir], env: { ...process.env, HOME: dir } });
    try {
      const without = (await e.start({ kind: 'drift', file: noKey }).done) as DriftReport;
      expect(without.errors[0]?.error.message).toMatch(/authentication|no key|no identity|agent/i);
      await e.setSettings({ sshIdentity: sshd.identity });
      const withKey = (await e.start({ kind: 'drift', file: noKey }).done) as DriftReport;
      expect(withKey.errors).toEqual([]);
      expect(withKey.findings.map((f) => `${f.status} ${f.resource.name}`)).toEqual(['missing /etc/pl-nokey']);
    } finally {
      await e.close();
    }
  });
});
