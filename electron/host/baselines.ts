// Finds production baselines next to the profiles (they are meant to live in git beside them), for the
// drift screen's "compare against" list. A baseline announces itself with `format: prodlike-baseline/N`.

import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';

const MAX_DEPTH = 4;
const MARK = /^format:\s*["']?prodlike-baseline\//m;

async function yamlFiles(dir: string, depth: number, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth < MAX_DEPTH) await yamlFiles(p, depth + 1, out);
    else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(p);
  }
}

async function head(file: string): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2048);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

export async function findBaselines(folders: string[]): Promise<{ file: string; hosts: string[] }[]> {
  const files: string[] = [];
  for (const f of folders) await yamlFiles(f, 0, files);
  const found: { file: string; hosts: string[] }[] = [];
  for (const file of files) {
    try {
      if (!MARK.test(await head(file))) continue;
      const doc = parse(await readFile(file, 'utf8')) as { hosts?: Record<string, unknown> } | null;
      found.push({ file, hosts: Object.keys(doc?.hosts ?? {}) });
    } catch {
      // Unreadable or not YAML: not a baseline we can offer.
    }
  }
  return found;
}
