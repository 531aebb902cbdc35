// Which cached states to remove, decided without an engine. Only states no other cached state was
// built on are removed (removing a parent frees nothing while a child uses its layers), the least
// recently used first, until the total fits the cap. A state a container uses (pinned) is never chosen:
// its removal would fail, or free nothing, and the states after it in the order must go instead.

export interface EvictionCandidate {
  key: string;
  /** The image ID, and the image it was committed from (its parent). */
  id: string;
  parent: string;
  /** Bytes of its own layer (what removing it frees). */
  ownBytes: number;
  /** Epoch ms of its last use (or its save). */
  lastUsed: number;
  /** A container uses it, or an image built on it: it stays (and so does what it is built on). */
  pinned?: boolean;
}

export function totalBytes(entries: readonly EvictionCandidate[]): number {
  return entries.reduce((n, e) => n + e.ownBytes, 0);
}

/** Keys to remove, in order, so that the rest is at most `capBytes`. */
export function chooseEvictions(entries: readonly EvictionCandidate[], capBytes: number): string[] {
  const left = new Map(entries.map((e) => [e.id, e]));
  let total = totalBytes(entries);
  const out: string[] = [];
  while (total > capBytes) {
    const parents = new Set([...left.values()].map((e) => e.parent));
    let victim: EvictionCandidate | undefined;
    for (const e of left.values()) {
      if (parents.has(e.id) || e.pinned) continue;
      if (!victim || e.lastUsed < victim.lastUsed || (e.lastUsed === victim.lastUsed && e.key < victim.key)) victim = e;
    }
    if (!victim) break;
    left.delete(victim.id);
    total -= victim.ownBytes;
    out.push(victim.key);
  }
  return out;
}

/**
 * Of the states chosen for removal (`prune --older-than`), those that may go: not one that a state which
 * stays was built on. A run marks as used only the state it starts from, so a package layer keeps its
 * save time while the state over it is used daily; removing it would free nothing (the child holds its
 * layers) and lose the prefix a later change reuses.
 */
export function sparingParents<T extends { id: string; parent: string }>(all: readonly T[], chosen: readonly T[]): { remove: T[]; keep: T[] } {
  const remove = new Set(chosen);
  const keep: T[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    const staying = all.filter((e) => !remove.has(e));
    for (const e of remove) {
      if (staying.some((s) => s.parent === e.id)) {
        remove.delete(e);
        keep.push(e);
        changed = true;
      }
    }
  }
  return { remove: chosen.filter((e) => remove.has(e)), keep };
}

/** `below`'s layers begin `image`'s (`image` is built on it, or is it): what `below` holds stays while `image` does. */
export function layersBegin(below: readonly string[], image: readonly string[]): boolean {
  return below.length > 0 && below.length <= image.length && below.every((l, i) => image[i] === l);
}

/** "30d", "12h", "90m", "2w" → milliseconds; undefined when it is not a duration. */
export function parseAge(text: string): number | undefined {
  const m = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
