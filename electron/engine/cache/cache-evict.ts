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

/** Why a state chosen for removal stays, where only the layers decide. */
export const PARENT_STAYS = 'a cached state that stays is built on it';

/** A state as `removeChildrenFirst` sees it: its image, its parent, its layers (base first). */
export interface Stacked {
  id: string;
  parent: string;
  layers: readonly string[];
  /** For the order among states of the same depth. */
  prefix: number;
}

/** `child` is built on `e`: committed from it, or its layers begin with `e`'s. */
export function builtOn(child: Stacked, e: Stacked): boolean {
  return child.id !== e.id && (child.parent === e.id || (child.layers.length > e.layers.length && layersBegin(e.layers, child.layers)));
}

/**
 * Removes the `chosen` states of `all`, children first: a state goes only once nothing that stays is
 * built on it (removing a parent frees nothing while a child holds its layers, and loses the prefix a
 * later change reuses). `inUse`: why a state may not go (a container uses it). `removeOne` removes one
 * from the engine: true once gone, else why it stayed — then what it is built on stays too. `prune
 * --all`, `--older-than` and the size cap decide through this one rule.
 */
export async function removeChildrenFirst<T extends Stacked>(
  all: readonly T[],
  chosen: readonly T[],
  inUse: ReadonlyMap<string, string>,
  removeOne: (e: T) => Promise<true | string>,
): Promise<{ removed: T[]; kept: { entry: T; why: string }[] }> {
  const out: { removed: T[]; kept: { entry: T; why: string }[] } = { removed: [], kept: [] };
  const gone = new Set<string>();
  const pending = new Map(chosen.map((e) => [e.id, e]));
  for (let progressed = true; pending.size && progressed; ) {
    progressed = false;
    for (const e of [...pending.values()].sort((a, b) => b.layers.length - a.layers.length || b.prefix - a.prefix)) {
      const above = all.filter((c) => !gone.has(c.id) && builtOn(c, e));
      if (above.some((c) => pending.has(c.id))) continue;
      pending.delete(e.id);
      progressed = true;
      const why = inUse.get(e.id) ?? (above.length ? PARENT_STAYS : await removeOne(e));
      if (why === true) {
        gone.add(e.id);
        out.removed.push(e);
      } else {
        out.kept.push({ entry: e, why });
      }
    }
  }
  // Only a cycle of parents leaves any here; none can go.
  for (const e of pending.values()) out.kept.push({ entry: e, why: PARENT_STAYS });
  return out;
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
