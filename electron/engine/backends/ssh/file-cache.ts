// What a connection reads from files (known_hosts, the trusted-keys store, the identity), read and
// parsed once for all the connections of a fleet: each use checks the file's identity (inode, size,
// mtime) with one stat and reads it again only when it changed, so a `prodlike trust` or an edited
// known_hosts is seen by the very next connection, also in a long-lived agent.

import { promises as fs } from 'node:fs';

interface Entry<T> {
  stamp: string;
  value: T;
}

export class FileCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly derive: (text: string) => T) {}

  /** derive(text of `file`), from the cache while the file is unchanged; throws what stat or readFile throws. */
  async get(file: string): Promise<T> {
    const st = await fs.stat(file);
    const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const hit = this.entries.get(file);
    if (hit?.stamp === stamp) return hit.value;
    const value = this.derive(await fs.readFile(file, 'utf8'));
    if (this.entries.size >= 64) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(file, { stamp, value });
    return value;
  }
}
