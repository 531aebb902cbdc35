// Pausing a VM for a consistent disk copy, against a scripted QMP server on a unix socket (QEMU's
// protocol: a greeting, qmp_capabilities, one command per line, one client at a time): whatever
// happens while it is paused — the work fails, or `stop` answers too late — the guest runs again, and a
// guest that cannot be made to run again is an error of its own, with what to do.
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VmPausedError, whilePaused } from '../../../../../electron/engine/backends/vm/qmp.js';

/** A QMP server whose guest is running or paused; `delay` holds a command's answer back (ms). */
class FakeQemu {
  running = true;
  readonly log: string[] = [];
  delay: Record<string, number> = {};
  /** `cont` answers but leaves the guest paused (as QEMU does in some states, e.g. after an I/O error). */
  contIgnored = false;
  private server?: net.Server;
  private queue = Promise.resolve();

  constructor(readonly socket: string) {}

  async listen(): Promise<void> {
    this.server = net.createServer((conn) => {
      // One client at a time, in order, as QEMU's monitor serves them.
      this.queue = this.queue.then(() => this.serve(conn));
    });
    await new Promise<void>((r) => this.server!.listen(this.socket, r));
  }

  private serve(conn: net.Socket): Promise<void> {
    let inFlight = Promise.resolve();
    return new Promise((done) => {
      conn.on('error', () => undefined);
      // The next client is served once this one's commands are carried out (QEMU's main loop is busy).
      conn.on('close', () => void inFlight.then(done));
      conn.write(`${JSON.stringify({ QMP: { version: {}, capabilities: [] } })}\n`);
      let buf = '';
      conn.on('data', (d) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const { execute } = JSON.parse(buf.slice(0, nl)) as { execute: string };
          buf = buf.slice(nl + 1);
          inFlight = inFlight.then(() => this.answer(conn, execute));
        }
      });
    });
  }

  private async answer(conn: net.Socket, command: string): Promise<void> {
    if (command === 'qmp_capabilities') return void conn.write('{"return": {}}\n');
    await new Promise((r) => setTimeout(r, this.delay[command] ?? 0));
    // QEMU carries a command out even when its client has gone meanwhile.
    this.log.push(command);
    if (command === 'stop') this.running = false;
    if (command === 'cont' && !this.contIgnored) this.running = true;
    const ret = command === 'query-status' ? { running: this.running, status: this.running ? 'running' : 'paused' } : {};
    if (!conn.destroyed) conn.write(`${JSON.stringify({ return: ret })}\n`);
  }

  close(): Promise<void> {
    return new Promise((r) => this.server?.close(() => r()) ?? r());
  }
}

describe('whilePaused (QMP stop, the work, QMP cont)', () => {
  let dir: string;
  let qemu: FakeQemu;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pl-qmp-'));
    qemu = new FakeQemu(path.join(dir, 'qmp.sock'));
    await qemu.listen();
  });
  afterEach(async () => {
    await qemu.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs the work with the guest paused, and the guest runs after', async () => {
    let pausedDuringWork: boolean | undefined;
    const out = await whilePaused(qemu.socket, async () => {
      pausedDuringWork = !qemu.running;
      return 'copied';
    });
    expect(out).toBe('copied');
    expect(pausedDuringWork).toBe(true);
    expect(qemu.running).toBe(true);
    expect(qemu.log).toEqual(['stop', 'cont', 'query-status']);
  });

  it('lets the guest run again when the work fails, and the work\'s error is what the caller sees', async () => {
    await expect(whilePaused(qemu.socket, () => Promise.reject(new Error('qemu-img convert failed')))).rejects.toThrow('qemu-img convert failed');
    expect(qemu.running).toBe(true);
  });

  it('lets the guest run again when stop answered too late but was carried out', async () => {
    qemu.delay.stop = 400;
    let worked = false;
    const err = await whilePaused(qemu.socket, async () => {
      worked = true;
    }, 200).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(VmPausedError);
    expect((err as Error).message).toMatch(/did not answer within 0.2 s/);
    expect(worked).toBe(false);
    // stop came first (QEMU serves its clients in order), then cont: the guest runs.
    expect(qemu.log).toEqual(['stop', 'cont', 'query-status']);
    expect(qemu.running).toBe(true);
  });

  it('says the VM is paused, and what to do, when it does not run again', async () => {
    qemu.contIgnored = true;
    const t0 = Date.now();
    const err = await whilePaused(qemu.socket, async () => undefined, 1500).catch((e: Error) => e);
    expect(err).toBeInstanceOf(VmPausedError);
    expect((err as VmPausedError).message).toMatch(/^the VM is paused and did not run again within 2 s: QEMU says it is paused$/);
    expect((err as VmPausedError).hint).toMatch(/prodlike up.*resumes a paused VM/);
    expect(Date.now() - t0).toBeLessThan(4000);
    // It kept asking until its time was up.
    expect(qemu.log.filter((c) => c === 'cont').length).toBeGreaterThan(1);
  });

  it('a paused guest\'s error wins over the work\'s', async () => {
    qemu.contIgnored = true;
    const err = await whilePaused(qemu.socket, () => Promise.reject(new Error('copy failed')), 1000).catch((e: Error) => e);
    expect(err).toBeInstanceOf(VmPausedError);
  });
});
