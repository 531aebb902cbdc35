// A machine's `resources:` list → ResourceSpec[]. Each item is checked against the schema of its
// kind (its first key; the kind's module in resources/ says the rest); `src:` files are read here, and
// only from inside the profile's own folder.

import { dirname } from 'node:path';
import type { ResourceSpec, SourcePos } from '../../../shared/profile.js';
import { isKindName, KIND_NAMES, KINDS } from '../resources/registry.js';
import type { LoadContext, ResourceKind } from '../resources/resource.js';
import { confine, describeRead, readBounded, type ReadResult } from './files.js';
import { reportIssues } from './issues.js';
import { resourceId, resourceKind } from './merge.js';
import { Problems, displayFile, suggest } from '../schema/problems.js';
import { describeNode, scalarText, toPlain, type MapNode, type PNode } from '../schema/yaml-tree.js';

/** `src:` files larger than this are not configuration; reading them would only slow every load. */
export const MAX_SRC_BYTES = 4 * 1024 * 1024;

/** Reads a `src:` file (already confined); one per load, so that a file named many times is read once. */
export type SrcReader = (real: string) => Promise<ReadResult>;

export async function convertResources(list: PNode | undefined, machinePath: string, problems: Problems, read: SrcReader = (f) => readBounded(f, MAX_SRC_BYTES)): Promise<ResourceSpec[]> {
  if (!list || list.t !== 'seq') return [];
  const out: ResourceSpec[] = [];
  const seen = new Map<string, SourcePos>();
  for (const [i, item] of list.items.entries()) {
    const path = `${machinePath}.resources[${i}]`;
    const spec = await convertResource(item, path, problems, read);
    if (!spec) continue;
    const first = seen.get(spec.id);
    if (first) {
      problems.add(
        item.pos,
        path,
        `duplicate resource ${spec.id} (also at line ${first.line}${first.file === item.pos.file ? '' : ` of ${displayFile(first.file)}`})`,
        'a machine names each resource once: merge the two, or for a line give each a different match:',
      );
      continue;
    }
    seen.set(spec.id, item.pos);
    out.push(spec);
  }
  return out;
}

async function convertResource(item: PNode, path: string, problems: Problems, readSrcFile: SrcReader): Promise<ResourceSpec | undefined> {
  const kindsHint = `a resource is a map whose first key is its kind (${KIND_NAMES.join(', ')}), such as "- package: nginx"`;
  if (item.t !== 'map') {
    problems.add(item.pos, path, `expected a resource, found ${describeNode(item)}`, kindsHint);
    return undefined;
  }
  const kind = resourceKind(item);
  if (!kind) {
    const [firstKey, firstEntry] = item.entries.entries().next().value ?? ['', undefined];
    const later = [...item.entries.keys()].find((k) => isKindName(k));
    const pos = firstEntry?.keyPos ?? item.pos;
    if (later) {
      problems.add(pos, path, `the first key must be the resource's kind, found "${firstKey}" before "${later}"`, `move "${later}:" to the first line of this resource`);
    } else {
      const near = suggest(firstKey, KIND_NAMES);
      problems.add(pos, path, `unknown resource kind "${firstKey}"${near ? ` (did you mean "${near}"?)` : ''}`, kindsHint);
    }
    return undefined;
  }
  const kindModule = KINDS[kind] as ResourceKind;
  const parsed = kindModule.schema.safeParse(toPlain(withStringValues(item, kindModule)));
  if (!parsed.success) {
    reportIssues(parsed.error.issues, kindModule.schema, item, path, problems);
    return undefined;
  }
  const id = resourceId(item)!;
  if ((parsed.data as { drop?: boolean }).drop === true) {
    problems.add(
      item.pos,
      path,
      `drop: true, but no inherited resource ${id} to drop`,
      'the identity must match the parent\'s: kind and name (for a line: file and match, or file and text)',
    );
    return undefined;
  }
  const name = String((parsed.data as Record<string, unknown>)[kind]);
  const ctx: LoadContext = {
    problem: (message, hint, key) => problems.add(key === undefined ? item.pos : (item.entries.get(key)?.keyPos ?? item.pos), path, message, hint),
    readSrc: (src) => readSrc(item, src, path, problems, readSrcFile),
  };
  const fields = await kindModule.fromProfile(parsed.data, ctx);
  if (!fields) return undefined;
  return { id, pos: item.pos, kind, name, ...fields } as ResourceSpec;
}

/**
 * Values that are strings by nature, where YAML's numbers and booleans are meant as written:
 * `value: 8080`, `env: { DEBUG: true }` (the keys and maps the kind names).
 */
function withStringValues(item: MapNode, kindModule: ResourceKind): MapNode {
  const entries = new Map(item.entries);
  for (const key of kindModule.textKeys ?? []) {
    const value = entries.get(key);
    if (value && value.value.t === 'scalar' && value.value.value !== null && typeof value.value.value !== 'string') {
      entries.set(key, { ...value, value: { ...value.value, value: scalarText(value.value)! } });
    }
  }
  for (const key of kindModule.textMaps ?? []) {
    const map = entries.get(key);
    if (map && map.value.t === 'map') entries.set(key, { ...map, value: stringifyMapValues(map.value) });
  }
  return { ...item, entries };
}

export function stringifyMapValues(m: MapNode): MapNode {
  const entries = new Map(m.entries);
  for (const [k, e] of m.entries) {
    if (e.value.t === 'scalar' && e.value.value !== null && typeof e.value.value !== 'string') {
      entries.set(k, { ...e, value: { ...e.value, value: scalarText(e.value)! } });
    }
  }
  return { ...m, entries };
}

/**
 * `src:` is relative to the file that names it and must stay inside that file's folder, symlinks
 * resolved: a profile is untrusted input, and loading one must not read files elsewhere on the machine.
 */
async function readSrc(item: MapNode, src: string, path: string, problems: Problems, readFile: SrcReader): Promise<{ content: string; src: string } | undefined> {
  const node = item.entries.get('src')!.value;
  const at = node.pos;
  const folder = dirname(at.file);
  const outside = (detail: string) =>
    problems.add(at, `${path}.src`, `"${src}" ${detail}`, `put the file in ${displayFile(folder)} or below, and name it relative to the profile file`);
  const c = await confine(folder, folder, src);
  if (!c.ok) {
    if (c.why === 'not-relative') outside('must be a path relative to the profile file');
    else if (c.why === 'outside') outside('points outside the profile\'s folder');
    else if (c.why === 'symlink-outside') outside('is a symbolic link to a file outside the profile\'s folder');
    else problems.add(at, `${path}.src`, `file not found: ${displayFile(c.target!)}`, 'check the path; it is relative to the profile file');
    return undefined;
  }
  const read = await readFile(c.real);
  if (!read.ok) {
    const hint = read.why === 'too-large' || read.why === 'over-budget' ? 'copy large files with a command: resource instead' : 'name a regular file';
    problems.add(at, `${path}.src`, `${displayFile(c.target)}: ${describeRead(read, MAX_SRC_BYTES)}`, hint);
    return undefined;
  }
  return { content: read.text, src: c.target };
}
