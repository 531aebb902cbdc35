// Base images: a local qcow2 or raw file is used where it is; a URL is downloaded once into the
// cache in the user's data folder (resumable: a `.part` file continues with an HTTP range request),
// verified against the profile's sha512 (or sha256), and only then renamed into place. A wrong
// checksum removes the download and names the URL and both sums; an unreachable URL leaves nothing.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { promisify } from 'node:util';
import type { VmMachineSpec } from '../../../../shared/profile.js';
import { VmError } from './vm-error.js';

const run = promisify(execFile);

export interface BaseImage {
  path: string;
  format: 'qcow2' | 'raw';
  virtualSize: number;
  /** Identity for the config hash: the checksum of a download, path + size + mtime of a local file. */
  id: string;
  /** "downloaded", "cached", "local file". */
  how: string;
}

export type Progress = (current: number, total: number | undefined) => void;

export async function imageInfo(file: string): Promise<{ format: 'qcow2' | 'raw'; virtualSize: number }> {
  let out: string;
  try {
    out = (await run('qemu-img', ['info', '--output=json', file], { maxBuffer: 1 << 20 })).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw qemuImgMissing();
    throw new VmError(`${file} is not a disk image qemu-img can read: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, { where: file });
  }
  const info = JSON.parse(out) as { format: string; 'virtual-size': number };
  if (info.format !== 'qcow2' && info.format !== 'raw') {
    throw new VmError(`${file} is a ${info.format} image; Prodlike boots qcow2 and raw images`, { where: file, hint: `convert it: qemu-img convert -O qcow2 ${file} image.qcow2` });
  }
  return { format: info.format, virtualSize: info['virtual-size'] };
}

export function qemuImgMissing(): VmError {
  return new VmError('qemu-img is not installed', { hint: 'install QEMU (Debian/Ubuntu: apt install qemu-utils qemu-system-x86; macOS: brew install qemu); `prodlike doctor` checks it' });
}

/** A local file's identity for keys and hashes: its path, size and modification time. */
export function localFileId(file: string, st: { size: number; mtimeMs: number }): string {
  return `file:${file}:${st.size}:${Math.round(st.mtimeMs)}`;
}

export class ImageCache {
  private readonly inFlight = new Map<string, Promise<BaseImage>>();

  constructor(readonly dir: string) {}

  /** The base image of `spec`, downloading it when needed (concurrent callers share one download). */
  resolve(spec: VmMachineSpec, onProgress?: Progress): Promise<BaseImage> {
    if (!/^https?:\/\//i.test(spec.image)) return this.local(spec.image);
    const key = `${spec.image} ${spec.sha512 ?? spec.sha256}`;
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.download(spec, onProgress).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  private async local(file: string): Promise<BaseImage> {
    let st;
    try {
      st = await fs.stat(file);
    } catch {
      throw new VmError(`the image ${file} does not exist`, { where: file, hint: 'check image: in the profile (a relative path is relative to the profile file)' });
    }
    const info = await imageInfo(file);
    return { path: file, ...info, id: localFileId(file, st), how: 'local file' };
  }

  /** Where a URL's image lives in the cache: one folder per checksum, the URL's file name inside. */
  cachePath(spec: VmMachineSpec): string {
    const sum = spec.sha512 ?? spec.sha256 ?? '';
    const name = path.basename(new URL(spec.image).pathname) || 'image';
    return path.join(this.dir, sum.slice(0, 32), name.replace(/[^\w.+-]/g, '_'));
  }

  private async download(spec: VmMachineSpec, onProgress?: Progress): Promise<BaseImage> {
    const url = spec.image;
    const [algorithm, expected] = spec.sha512 ? (['sha512', spec.sha512] as const) : (['sha256', spec.sha256!] as const);
    const file = this.cachePath(spec);
    const id = `${algorithm}:${expected}`;
    if (await exists(file)) return { path: file, ...(await imageInfo(file)), id, how: 'cached' };

    await fs.mkdir(path.dirname(file), { recursive: true });
    const part = `${file}.part`;
    let have = (await fs.stat(part).catch(() => undefined))?.size ?? 0;
    let hash = createHash(algorithm);
    if (have > 0) for await (const chunk of createReadStream(part)) hash.update(chunk as Buffer);

    try {
      let res: Response;
      try {
        res = await fetch(url, have > 0 ? { headers: { range: `bytes=${have}-` } } : {});
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new VmError(`cannot download the image ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, {
          where: url,
          hint: 'check the URL and the network (a proxy?), then run up again',
        });
      }
      if (have > 0 && res.status === 200) {
        // The server ignored the range: start over.
        have = 0;
        hash = createHash(algorithm);
      }
      if (!res.ok && res.status !== 206) {
        await res.body?.cancel();
        throw new VmError(`cannot download the image ${url}: the server answered ${res.status} ${res.statusText}`, { where: url, hint: 'check the URL in the profile' });
      }
      const length = Number(res.headers.get('content-length') ?? NaN);
      const total = Number.isFinite(length) ? have + length : undefined;
      let current = have;
      let last = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          current += chunk.length;
          hash.update(chunk);
          const now = Date.now();
          if (onProgress && now - last > 250) {
            last = now;
            onProgress(current, total);
          }
          done(null, chunk);
        },
      });
      try {
        await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), count, createWriteStream(part, { flags: have > 0 ? 'a' : 'w' }));
      } catch (err) {
        throw new VmError(`the download of ${url} broke off after ${current} bytes: ${(err as Error).message}`, { where: url, hint: 'run up again: the download continues where it stopped' });
      }
      onProgress?.(current, total);
    } catch (err) {
      await removeIfEmpty(part, path.dirname(file));
      throw err;
    }
    const actual = hash.digest('hex');
    if (actual !== expected) {
      await fs.rm(part, { force: true });
      await fs.rmdir(path.dirname(file)).catch(() => undefined);
      throw new VmError(`the image downloaded from ${url} has the wrong ${algorithm}: expected ${expected}, got ${actual}`, {
        where: url,
        hint: `check ${algorithm}: in the profile against the checksums published next to the image; the download was removed`,
        details: { url, expected, actual },
      });
    }
    await fs.rename(part, file);
    return { path: file, ...(await imageInfo(file)), id, how: 'downloaded' };
  }

}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** An attempt that received nothing leaves nothing behind. */
async function removeIfEmpty(part: string, dir: string): Promise<void> {
  const size = (await fs.stat(part).catch(() => undefined))?.size;
  if (size === 0) await fs.rm(part, { force: true });
  if (size === undefined || size === 0) await fs.rmdir(dir).catch(() => undefined);
}
