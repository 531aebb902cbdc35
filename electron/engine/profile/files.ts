// The files a profile names (`extends:` parents, `src:` contents) are untrusted input: loading a
// profile must not read files elsewhere on the machine, hang on a FIFO or a device, or read a huge
// file. One confinement rule and one bounded reader serve both.

import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';

export type Confined =
  | { ok: true; target: string; real: string }
  /** `why` names the path as written, never what is in the file (it is not read). */
  | { ok: false; why: 'not-relative' | 'outside' | 'symlink-outside' | 'not-found'; target?: string };

/**
 * `ref` (as written in `from`'s file) → a file inside `root`, symlinks resolved. Absolute and `~`
 * paths, paths that climb out of `root`, and symbolic links that lead out of it are refused.
 */
export async function confine(root: string, fromFolder: string, ref: string): Promise<Confined> {
  if (isAbsolute(ref) || ref.startsWith('~') || ref.includes('\0')) return { ok: false, why: 'not-relative' };
  const target = resolve(fromFolder, ref);
  if (escapes(root, target)) return { ok: false, why: 'outside', target };
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(target), realpath(root)]);
  } catch {
    return { ok: false, why: 'not-found', target };
  }
  if (escapes(realRoot, real)) return { ok: false, why: 'symlink-outside', target };
  return { ok: true, target, real };
}

function escapes(folder: string, target: string): boolean {
  const rel = relative(folder, target);
  return rel === '' || rel === '..' || rel.startsWith('../') || rel.startsWith('..\\') || isAbsolute(rel);
}

export type ReadResult =
  | { ok: true; text: string }
  | { ok: false; why: 'folder' | 'special' | 'too-large' | 'over-budget' | 'not-found' | 'unreadable'; size?: number; message?: string };

/**
 * Reads a regular file of at most `maxBytes`. The file is opened without blocking (a FIFO opened for
 * reading would wait for a writer forever) and checked on the open descriptor, so what is read is
 * what was checked.
 */
export async function readBounded(file: string, maxBytes: number): Promise<ReadResult> {
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, why: 'not-found' };
    if (code === 'EISDIR') return { ok: false, why: 'folder' };
    return { ok: false, why: 'unreadable', message: code ?? (err as Error).message };
  }
  try {
    const info = await fh.stat();
    if (info.isDirectory()) return { ok: false, why: 'folder' };
    if (!info.isFile()) return { ok: false, why: 'special' };
    if (info.size > maxBytes) return { ok: false, why: 'too-large', size: info.size };
    // The size can change between stat and read: never read more than the limit.
    const buf = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > maxBytes) return { ok: false, why: 'too-large', size: n };
    return { ok: true, text: buf.subarray(0, n).toString('utf8') };
  } catch (err) {
    return { ok: false, why: 'unreadable', message: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  } finally {
    await fh.close();
  }
}

/**
 * A reader that reads each file once however often it is named (the same content is shared), and
 * refuses files once those read add up to more than `totalBytes`.
 */
export function onceReader(maxBytes: number, totalBytes: number): (file: string) => Promise<ReadResult> {
  const seen = new Map<string, Promise<ReadResult>>();
  let total = 0;
  return (file) => {
    let p = seen.get(file);
    if (!p) {
      p = readBounded(file, maxBytes).then((r): ReadResult => {
        if (!r.ok) return r;
        total += r.text.length;
        return total > totalBytes ? { ok: false, why: 'over-budget' } : r;
      });
      seen.set(file, p);
    }
    return p;
  };
}

/** Words for a refused read, for "expected a file, found ...". */
export function describeRead(r: Exclude<ReadResult, { ok: true }>, maxBytes: number): string {
  switch (r.why) {
    case 'folder':
      return 'expected a file, found a folder';
    case 'special':
      return 'expected a regular file, found a special file (a device, FIFO or socket)';
    case 'too-large':
      return `the file is ${r.size} bytes, more than the limit of ${maxBytes}`;
    case 'over-budget':
      return 'the files read for this profile are over their total limit';
    case 'not-found':
      return 'no such file';
    case 'unreadable':
      return `cannot read it (${r.message})`;
  }
}

/**
 * The profile tree of a profile file: the nearest folder named `profiles` that holds it, or else the
 * folder it is in. `extends:` parents must be inside it (docs/decisions.md, "The profile tree").
 */
export function profileTree(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (basename(dir) === 'profiles') return dir;
    if (dirname(dir) === dir) return dirname(file);
  }
}
