// Writes that never leave a half-written file: temp file in the same folder, fsync, rename.

import { promises as fs } from 'node:fs';
import path from 'node:path';

/** `data` as chunks is written one chunk after the other (no one string or buffer of the whole). */
export async function writeFileAtomic(file: string, data: string | Buffer | string[], mode = 0o600): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await fs.open(tmp, 'w', mode);
  try {
    if (Array.isArray(data)) {
      for (const chunk of data) {
        const buf = Buffer.from(chunk, 'utf8');
        for (let off = 0; off < buf.length; ) off += (await handle.write(buf, off, buf.length - off)).bytesWritten;
      }
    } else await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function readJson<T>(file: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    if (err instanceof SyntaxError) return fallback; // a corrupt state file must not brick the app
    throw err;
  }
}
