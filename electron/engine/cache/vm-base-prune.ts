// Which cached VM bases may be removed, decided without touching a disk. A cached base is a qcow2 file
// that other qcow2 files name as their backing file: a VM's overlay (running or stopped), or a cached
// base saved on top of it. Removing a file something still backs onto would corrupt that disk, so such
// a base is kept, with why; a base kept this way keeps its own backing too.

export interface VmBaseFile {
  key: string;
  /** The base's qcow2 file. */
  file: string;
  /** The file it backs onto (the base image, or another cached base). */
  backing: string;
}

/** A disk that backs onto `backing`: a VM's overlay, named as "VM <profile>/<machine>". */
export interface BackingUser {
  backing: string;
  by: string;
}

export interface VmPruneDecision {
  remove: string[];
  keep: { key: string; why: string }[];
}

/**
 * Of the bases `wanted` (keys) for removal, those that may go, children before their parents (the
 * order to delete in), and those kept with the reason.
 */
export function decideVmPrune(bases: readonly VmBaseFile[], wanted: ReadonlySet<string>, users: readonly BackingUser[]): VmPruneDecision {
  const byFile = new Map(bases.map((b) => [b.file, b]));
  const why = new Map<string, string>();
  for (const u of users) {
    const b = byFile.get(u.backing);
    if (b && wanted.has(b.key) && !why.has(b.key)) why.set(b.key, `the disk of ${u.by} is built on it: destroy that VM first`);
  }
  // A base that stays (not wanted, or kept) keeps the base it is built on, up the chain.
  let changed = true;
  while (changed) {
    changed = false;
    for (const b of bases) {
      const stays = !wanted.has(b.key) || why.has(b.key);
      const parent = byFile.get(b.backing);
      if (stays && parent && wanted.has(parent.key) && !why.has(parent.key)) {
        why.set(parent.key, `the cached base ${b.key.slice(0, 12)} is built on it`);
        changed = true;
      }
    }
  }
  const going = bases.filter((b) => wanted.has(b.key) && !why.has(b.key));
  return {
    remove: orderChildrenFirst(going).map((b) => b.key),
    keep: bases.filter((b) => why.has(b.key)).map((b) => ({ key: b.key, why: why.get(b.key)! })),
  };
}

/** Children before the bases they are built on. */
function orderChildrenFirst(list: VmBaseFile[]): VmBaseFile[] {
  const files = new Set(list.map((b) => b.file));
  const depth = (b: VmBaseFile): number => {
    let d = 0;
    let cur: VmBaseFile | undefined = b;
    const seen = new Set<string>();
    while (cur && files.has(cur.backing) && !seen.has(cur.file)) {
      seen.add(cur.file);
      d++;
      cur = list.find((x) => x.file === cur!.backing);
    }
    return d;
  };
  return [...list].sort((a, b) => depth(b) - depth(a) || (a.key < b.key ? -1 : 1));
}
