// How a profile's tree is laid over its parents' (`extends`). Maps merge deeply, child wins; a child's
// `key: ~` removes an inherited key; lists replace, except resource lists, which merge by identity.

import type { MapNode, PNode, SeqNode } from '../schema/yaml-tree.js';
import { scalarText } from '../schema/yaml-tree.js';
import type { ResourceKindName } from '../../../shared/profile.js';
import { isKindName, KINDS } from '../resources/registry.js';

/** Keys that describe one file and are never inherited. */
export const PER_FILE_KEYS = ['name', 'abstract', 'extends', 'vars', 'secrets'] as const;

/** The kind of a resource node: its first key, when that is a known kind. */
export function resourceKind(n: PNode): ResourceKindName | undefined {
  if (n.t !== 'map') return undefined;
  const first = n.entries.keys().next();
  if (first.done) return undefined;
  return isKindName(first.value) ? first.value : undefined;
}

/**
 * A resource's identity within a machine: `kind:name`, or what its kind says (for `line`,
 * `line:path:(match ?? text)`, so that several lines of one file are several resources). Undefined when
 * the node is too malformed to have one (validation reports why).
 */
export function resourceId(n: PNode): string | undefined {
  const kind = resourceKind(n);
  if (!kind || n.t !== 'map') return undefined;
  const name = scalarText(n.entries.get(kind)?.value);
  if (name === undefined) return undefined;
  const identity = KINDS[kind].identity;
  return identity ? identity(name, n) : `${kind}:${name}`;
}

function isDrop(n: PNode): boolean {
  const d = n.t === 'map' ? n.entries.get('drop')?.value : undefined;
  return d?.t === 'scalar' && d.value === true;
}

function isNull(n: PNode): boolean {
  return n.t === 'scalar' && n.value === null;
}

function isResourceList(path: readonly string[]): boolean {
  return path.length === 3 && path[0] === 'machines' && path[2] === 'resources';
}

function isMachine(path: readonly string[]): boolean {
  return path.length === 2 && path[0] === 'machines';
}

/** `child` laid over `parent`; neither is modified. `path` is where the two maps sit in a profile. */
export function mergeMaps(parent: MapNode, child: MapNode, path: string[] = []): MapNode {
  const entries = new Map(parent.entries);
  // A machine is reached one way: a child naming `ssh:` replaces an inherited `docker:` or `vm:`, and so on.
  if (isMachine(path)) {
    for (const way of ['docker', 'ssh', 'vm']) {
      if (child.entries.has(way) && !isNull(child.entries.get(way)!.value)) for (const other of ['docker', 'ssh', 'vm']) if (other !== way) entries.delete(other);
    }
  }
  for (const [key, entry] of child.entries) {
    const inherited = entries.get(key);
    const value = entry.value;
    if (!inherited) {
      entries.set(key, entry);
    } else if (isNull(value)) {
      entries.delete(key);
    } else if (inherited.value.t === 'map' && value.t === 'map') {
      entries.set(key, { keyPos: entry.keyPos, value: mergeMaps(inherited.value, value, [...path, key]) });
    } else if (inherited.value.t === 'seq' && value.t === 'seq' && isResourceList([...path, key])) {
      entries.set(key, { keyPos: entry.keyPos, value: mergeResources(inherited.value, value, [...path, key]) });
    } else {
      entries.set(key, entry);
    }
  }
  return { t: 'map', pos: child.pos, entries };
}

/**
 * Parent resources keep their order; a child resource with the same identity merges its attributes
 * into the parent's in place (or removes it with `drop: true`); new ones are appended in the child's
 * order. A `drop: true` that matches nothing stays in the list, and validation reports it.
 */
export function mergeResources(parent: SeqNode, child: SeqNode, path: string[]): SeqNode {
  const out: (PNode | undefined)[] = [...parent.items];
  const index = new Map<string, number>();
  out.forEach((n, i) => {
    const id = n && resourceId(n);
    if (id !== undefined && !index.has(id)) index.set(id, i);
  });
  for (const item of child.items) {
    const id = resourceId(item);
    const at = id === undefined ? undefined : index.get(id);
    if (at === undefined) {
      out.push(item);
      continue;
    }
    // A repeated identity in the child merges into the first only once; the duplicate is reported later.
    index.delete(id!);
    const inherited = out[at]!;
    if (isDrop(item)) out[at] = undefined;
    else out[at] = mergeMaps(withoutDrop(inherited as MapNode), item as MapNode, [...path, String(at)]);
  }
  return { t: 'seq', pos: child.pos, items: out.filter((n): n is PNode => n !== undefined) };
}

function withoutDrop(n: MapNode): MapNode {
  if (!n.entries.has('drop')) return n;
  const entries = new Map(n.entries);
  entries.delete('drop');
  return { ...n, entries };
}

/** A file's tree without the keys that are never inherited, for use as a parent. */
export function asParent(root: MapNode): MapNode {
  const entries = new Map(root.entries);
  for (const k of PER_FILE_KEYS) entries.delete(k);
  return { ...root, entries };
}
