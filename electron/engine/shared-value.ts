// Values shared, read-only, between the hosts of a fleet. A fleet's hosts often print the very same
// package and account lists (1,000 accounts from one directory, one image's packages): those are parsed
// once and the same object is handed to every host, deep-frozen so no one can change it under another
// host. Being registered here is what allows the baseline writer to sort, validate and write such an
// object once and reuse the result (an object that is merely frozen is not enough: only these are known
// to be frozen all the way down).

const registry = new WeakSet<object>();

function deepShare(v: unknown): void {
  if (typeof v !== 'object' || v === null || registry.has(v)) return;
  Object.freeze(v);
  registry.add(v);
  for (const x of Object.values(v)) deepShare(x);
}

/** Deep-freezes `v` and registers it, and every object in it, as shared; returns it. */
export function shareValue<T extends object>(v: T): T {
  deepShare(v);
  return v;
}

export function isShared(v: unknown): v is object {
  return typeof v === 'object' && v !== null && registry.has(v);
}

/**
 * `fn(key)`, computed once for each distinct `key` among the last `size` asked (most recent kept) and
 * shared: the same object for the same text, whatever host printed it.
 */
export function sharedMemo<R extends object>(size: number, fn: (key: string) => R): (key: string) => R {
  const cache = new Map<string, R>();
  return (key) => {
    let r = cache.get(key);
    if (r !== undefined) {
      cache.delete(key);
    } else {
      r = shareValue(fn(key));
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
    }
    cache.set(key, r);
    return r;
  };
}
