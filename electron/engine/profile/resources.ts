// A machine's `resources:` list → ResourceSpec[]. Each item is checked against the schema of its
// kind (its first key); `src:` files are read here, and only from inside the profile's own folder.

import { dirname } from 'node:path';
import type * as z from 'zod/mini';
import { RESOURCE_KINDS, type ResourceSpec, type SourcePos } from '../../../shared/profile.js';
import { confine, describeRead, readBounded, type ReadResult } from './files.js';
import { reportIssues } from './issues.js';
import { resourceId, resourceKind } from './merge.js';
import { Problems, displayFile, suggest } from './problems.js';
import { resourceSchemas, type ResourceKindKey } from './schema.js';
import { describeNode, scalarText, toPlain, type MapNode, type PNode } from './yaml-tree.js';

type Out<K extends ResourceKindKey> = z.output<(typeof resourceSchemas)[K]>;

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
  const kindsHint = `a resource is a map whose first key is its kind (${RESOURCE_KINDS.join(', ')}), such as "- package: nginx"`;
  if (item.t !== 'map') {
    problems.add(item.pos, path, `expected a resource, found ${describeNode(item)}`, kindsHint);
    return undefined;
  }
  const kind = resourceKind(item);
  if (!kind) {
    const [firstKey, firstEntry] = item.entries.entries().next().value ?? ['', undefined];
    const later = [...item.entries.keys()].find((k) => (RESOURCE_KINDS as readonly string[]).includes(k));
    const pos = firstEntry?.keyPos ?? item.pos;
    if (later) {
      problems.add(pos, path, `the first key must be the resource's kind, found "${firstKey}" before "${later}"`, `move "${later}:" to the first line of this resource`);
    } else {
      const near = suggest(firstKey, RESOURCE_KINDS);
      problems.add(pos, path, `unknown resource kind "${firstKey}"${near ? ` (did you mean "${near}"?)` : ''}`, kindsHint);
    }
    return undefined;
  }
  const schema = resourceSchemas[kind];
  const parsed = schema.safeParse(toPlain(withStringValues(item)));
  if (!parsed.success) {
    reportIssues(parsed.error.issues, schema, item, path, problems);
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
  const base = { id, pos: item.pos };
  const name = String((parsed.data as Record<string, unknown>)[kind]);
  switch (kind) {
    case 'package': {
      const d = parsed.data as Out<'package'>;
      return { ...base, kind, name, ...opt('version', d.version), state: d.state };
    }
    case 'file': {
      const d = parsed.data as Out<'file'>;
      if (d.content !== undefined && d.src !== undefined) {
        problems.add(item.entries.get('src')!.keyPos, path, 'content: and src: both give the file\'s content', 'keep one of them');
        return undefined;
      }
      if (d.state === 'absent' && (d.content !== undefined || d.src !== undefined)) {
        problems.add(item.pos, path, 'state: absent removes the file, so content: or src: cannot apply', 'remove content:/src:, or the state: absent');
        return undefined;
      }
      const read = d.src === undefined ? {} : await readSrc(item, d.src, path, problems, readSrcFile);
      if (!read) return undefined;
      return {
        ...base,
        kind,
        name,
        ...opt('content', d.content),
        ...read,
        ...opt('mode', normalMode(d.mode)),
        ...opt('owner', d.owner),
        ...opt('group', d.group),
        state: d.state,
      };
    }
    case 'directory': {
      const d = parsed.data as Out<'directory'>;
      return { ...base, kind, name, ...opt('mode', normalMode(d.mode)), ...opt('owner', d.owner), ...opt('group', d.group), state: d.state };
    }
    case 'line': {
      const d = parsed.data as Out<'line'>;
      if (d.text === undefined && !(d.state === 'absent' && d.match !== undefined)) {
        problems.add(item.pos, path, '"text" is required: expected the line of text', 'add text: (only state: absent with match: can do without)');
        return undefined;
      }
      return { ...base, kind, name, text: d.text ?? '', ...opt('match', d.match), state: d.state };
    }
    case 'user': {
      const d = parsed.data as Out<'user'>;
      return {
        ...base,
        kind,
        name,
        ...opt('uid', d.uid),
        groups: d.groups,
        ...opt('shell', d.shell),
        ...opt('home', d.home),
        system: d.system,
        state: d.state,
      };
    }
    case 'group': {
      const d = parsed.data as Out<'group'>;
      return { ...base, kind, name, ...opt('gid', d.gid), system: d.system, state: d.state };
    }
    case 'command': {
      const d = parsed.data as Out<'command'>;
      return {
        ...base,
        kind,
        name,
        ...opt('creates', d.creates),
        ...opt('unless', d.unless),
        ...opt('onlyif', d.onlyif),
        ...opt('cwd', d.cwd),
        env: d.env,
      };
    }
    case 'env': {
      const d = parsed.data as Out<'env'>;
      if (d.value === undefined && d.state !== 'absent') {
        problems.add(item.pos, path, '"value" is required: expected a string', 'add value: (or state: absent to remove the variable)');
        return undefined;
      }
      return { ...base, kind, name, value: d.value ?? '', state: d.state };
    }
    case 'service': {
      const d = parsed.data as Out<'service'>;
      return { ...base, kind, name, state: d.state, ...opt('enabled', d.enabled) };
    }
  }
}

/** Only set keys that have a value, so that the result has no `key: undefined`. */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** "644" and "0644" are one mode; resources compare the 4-digit form. */
function normalMode(mode: unknown): string | undefined {
  return typeof mode === 'string' ? mode.padStart(4, '0') : undefined;
}

/**
 * Values that are strings by nature, where YAML's numbers and booleans are meant as written:
 * `value: 8080`, `env: { DEBUG: true }`.
 */
function withStringValues(item: MapNode): MapNode {
  const entries = new Map(item.entries);
  const value = entries.get('value');
  if (value && value.value.t === 'scalar' && value.value.value !== null && typeof value.value.value !== 'string') {
    entries.set('value', { ...value, value: { ...value.value, value: scalarText(value.value)! } });
  }
  const env = entries.get('env');
  if (env && env.value.t === 'map' && item.entries.keys().next().value === 'command') {
    entries.set('env', { ...env, value: stringifyMapValues(env.value) });
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
async function readSrc(item: MapNode, src: string, path: string, problems: Problems, readFile: SrcReader): Promise<{ content?: string; src?: string } | undefined> {
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
