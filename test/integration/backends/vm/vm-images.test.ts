// The image cache against a real HTTP server on 127.0.0.1: a download that breaks off continues with a
// range request where it stopped, the checksum covers the whole file, and a wrong checksum removes the
// download. No VM boots here; qemu-img makes and reads the image.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageCache } from '../../../../electron/engine/backends/vm/images.js';
import type { VmMachineSpec } from '../../../../shared/profile.js';

let hasQemuImg = true;
try {
  execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
} catch {
  hasQemuImg = false;
  console.log('vm image cache tests skipped: qemu-img is not installed');
}

describe.skipIf(!hasQemuImg)('the VM image cache', () => {
  let dir: string;
  let image: Buffer;
  let sha512: string;
  let server: http.Server;
  let base: string;
  const requests: { range?: string; status: number }[] = [];
  let breakNext = false;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pl-vm-images-'));
    // A qcow2 with some data, so it is more than a header.
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(dir, 'src.qcow2'), '64M']);
    execFileSync('qemu-io', ['-c', 'write -P 0x5a 0 4M', path.join(dir, 'src.qcow2')], { stdio: 'ignore' });
    image = readFileSync(path.join(dir, 'src.qcow2'));
    sha512 = createHash('sha512').update(image).digest('hex');
    server = http.createServer((req, res) => {
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const status = range ? 206 : 200;
      requests.push({ ...(req.headers.range ? { range: req.headers.range } : {}), status });
      res.writeHead(status, { 'content-length': image.length - start });
      if (breakNext) {
        breakNext = false;
        // Half of the file, then the connection drops.
        res.write(image.subarray(start, start + Math.floor(image.length / 2)), () => res.destroy());
        return;
      }
      res.end(image.subarray(start));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const spec = (o: Partial<VmMachineSpec>): VmMachineSpec => ({ image: `${base}/debian.qcow2`, arch: 'x86_64', cpus: 1, memoryMiB: 512, ports: [], folders: [], bootTimeoutMs: 1000, ...o });

  it('continues a broken download where it stopped, verifies the whole file, and then serves it from the cache', async () => {
    const cache = new ImageCache(path.join(dir, 'cache-1'));
    requests.length = 0;
    breakNext = true;
    const err = await cache.resolve(spec({ sha512 })).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(new RegExp(`^the download of ${base}/debian.qcow2 broke off after \\d+ bytes`));
    const part = `${cache.cachePath(spec({ sha512 }))}.part`;
    const partial = readFileSync(part).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(image.length);

    const got = await cache.resolve(spec({ sha512 }));
    expect(requests.at(-1)).toEqual({ range: `bytes=${partial}-`, status: 206 });
    expect(got).toMatchObject({ format: 'qcow2', virtualSize: 64 * 2 ** 20, id: `sha512:${sha512}`, how: 'downloaded' });
    expect(readFileSync(got.path).equals(image)).toBe(true);
    expect(existsSync(part)).toBe(false);

    const n = requests.length;
    expect(await cache.resolve(spec({ sha512 }))).toMatchObject({ path: got.path, how: 'cached' });
    expect(requests.length).toBe(n);
  });

  it('shares one download between VMs that need the same image at once', async () => {
    const cache = new ImageCache(path.join(dir, 'cache-2'));
    requests.length = 0;
    const [a, b] = await Promise.all([cache.resolve(spec({ sha512 })), cache.resolve(spec({ sha512 }))]);
    expect(a.path).toBe(b.path);
    expect(requests.length).toBe(1);
  });

  it('a wrong sha256 removes the download and names the URL and both sums', async () => {
    const cache = new ImageCache(path.join(dir, 'cache-3'));
    const wrong = '0'.repeat(64);
    const actual = createHash('sha256').update(image).digest('hex');
    const err = await cache.resolve(spec({ sha256: wrong })).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe(`the image downloaded from ${base}/debian.qcow2 has the wrong sha256: expected ${wrong}, got ${actual}`);
    expect(existsSync(path.join(dir, 'cache-3')) ? readdirSync(path.join(dir, 'cache-3')) : []).toEqual([]);
  });
});
