// copyTo (apt-lists.ts): the run's fetched lists go to the machines waiting for them as they are read
// out of the fetching container, and to the kept file, from one read.
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { copyTo } from '../../../../../electron/engine/backends/docker/apt-lists.js';

const CHUNK = 64 * 1024;
const chunks = (n: number) => Array.from({ length: n }, (_, i) => Buffer.alloc(CHUNK, i % 251));

/** A source of n chunks that counts how many were read from it. */
function source(n: number, failAt?: number): { src: Readable; read: () => number } {
  let i = 0;
  const all = chunks(n);
  const src = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (failAt !== undefined && i === failAt) return void this.destroy(new Error('the engine closed the archive'));
      this.push(i < n ? all[i++] : null);
    },
  });
  return { src, read: () => i };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** What an output got (its length and sha256), and whether it ended or failed. */
function collect(out: PassThrough): Promise<{ length: number; sha: string; error?: string }> {
  const got: Buffer[] = [];
  out.on('data', (c: Buffer) => got.push(c));
  const of = () => ({ length: Buffer.concat(got).length, sha: sha(Buffer.concat(got)) });
  return new Promise((resolve) => {
    out.on('end', () => resolve(of()));
    out.on('error', (e) => resolve({ ...of(), error: e.message }));
  });
}

const whole = (n: number) => ({ length: n * CHUNK, sha: sha(Buffer.concat(chunks(n))) });

describe('copyTo: one read of the lists to the kept file and to each waiting machine', () => {
  it('gives every output the same bytes, in order, and sees each chunk once', async () => {
    const { src } = source(40);
    const outs = [new PassThrough(), new PassThrough(), new PassThrough()];
    const got = outs.map(collect);
    let seen = 0;
    await copyTo(src, outs, (c) => (seen += c.length));
    for (const g of await Promise.all(got)) expect(g).toEqual(whole(40));
    expect(seen).toBe(40 * CHUNK);
  });

  it('goes at the pace of the slowest output: the source is not read ahead while one does not read', async () => {
    const { src, read } = source(200);
    const fast = new PassThrough();
    const slow = new PassThrough();
    const fastGot = collect(fast);
    const done = copyTo(src, [fast, slow], () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    // 200 chunks are 12.5 MB: held back by the slow one, only a few are read (its buffer's worth).
    expect(read()).toBeLessThan(10);
    const slowGot = collect(slow);
    await done;
    expect(read()).toBe(200);
    expect(await fastGot).toEqual(whole(200));
    expect(await slowGot).toEqual(whole(200));
  });

  it('leaves no listener behind on an output it waited for (no leak warning over a long copy)', async () => {
    // bookworm's 19 MB of lists in 64 KB chunks, each waited for: a waiting machine's stream drains hundreds of times.
    const { src } = source(300);
    const slow = new PassThrough({ highWaterMark: CHUNK });
    const before = { close: slow.listenerCount('close'), drain: slow.listenerCount('drain') };
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      let most = 0;
      // Read slowly, a chunk at a time, and count the listeners copyTo keeps on the stream meanwhile.
      slow.on('data', () => {
        most = Math.max(most, slow.listenerCount('close'), slow.listenerCount('drain'));
        slow.pause();
        setImmediate(() => slow.resume());
      });
      const ended = new Promise((r) => slow.on('end', r));
      await copyTo(src, [slow], () => undefined);
      await ended;
      await new Promise((r) => setImmediate(r));
      // One of each while a write waits; none left once the copy is done.
      expect(most).toBeLessThanOrEqual(Math.max(before.close, before.drain) + 1);
      expect(slow.listenerCount('close')).toBe(before.close);
      expect(slow.listenerCount('drain')).toBe(before.drain);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('drops an output that fails (a machine whose put failed) and goes on with the others', async () => {
    const { src, read } = source(60);
    const ok = new PassThrough();
    const failing = new PassThrough();
    const okGot = collect(ok);
    // The failing one stops reading (its put was refused) and is destroyed after a few chunks.
    let n = 0;
    failing.on('data', () => {
      if (++n === 3) {
        failing.pause();
        setTimeout(() => failing.destroy(new Error('put refused')), 20);
      }
    });
    failing.on('error', () => undefined);
    await copyTo(src, [ok, failing], () => undefined);
    expect(read()).toBe(60);
    expect(await okGot).toEqual(whole(60));
  });

  it('fails every output, and itself, when the source fails half-way', async () => {
    const { src } = source(30, 10);
    const outs = [new PassThrough(), new PassThrough()];
    const got = outs.map(collect);
    await expect(copyTo(src, outs, () => undefined)).rejects.toThrow('the engine closed the archive');
    for (const g of await Promise.all(got)) {
      expect(g).toEqual({ ...whole(10), error: 'the engine closed the archive' });
    }
  });
});
