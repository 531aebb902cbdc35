// Which cached states `cache rm <key>...` names: each given key is a whole key or its first characters,
// as `cache ls` prints them (12) and `docker rmi` takes an image ID's start. Each must name exactly one
// state; else nothing is removed and the error says which states it could be. Pure.

import { ProdlikeError } from '../errors.js';

export interface NamedCandidate {
  key: string;
  /** "profile/machine", for the error naming the states a key's start could be. */
  name: string;
}

/**
 * The full keys `given` names among `entries` (container states and VM bases). `unlisted`: why some
 * states could not be listed (no Docker engine), said when a key names none.
 */
export function namedKeys(given: readonly string[], entries: readonly NamedCandidate[], unlisted?: string): Set<string> {
  const named = new Set<string>();
  for (const k of given) {
    const want = k.trim().toLowerCase();
    const byKey = new Map(want ? entries.filter((e) => e.key.toLowerCase().startsWith(want)).map((e) => [e.key, e]) : []);
    const matches = [...byKey.values()];
    if (matches.length === 0) {
      throw new ProdlikeError(`no cached state has the key "${k}"${unlisted ? ` (the containers' states could not be listed: ${unlisted})` : ''}`, { hint: 'prodlike cache ls lists the keys' });
    }
    if (matches.length > 1) {
      throw new ProdlikeError(`"${k}" is the start of ${matches.length} cached states' keys (${matches.map((e) => `${e.key.slice(0, 12)} ${e.name}`).join(', ')}): nothing removed`, {
        hint: 'give more of the key, as prodlike cache ls --json prints it',
      });
    }
    named.add(matches[0]!.key);
  }
  return named;
}
