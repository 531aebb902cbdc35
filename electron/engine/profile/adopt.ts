// "Adopt into profile": a resource's YAML takes the machine's actual value — a file's content (into its
// `src:` file, or its `content:`), mode, owner and group; a package's installed version as its pin.
// yaml's Document API finds the resource's nodes and their source ranges; only those ranges' text is
// replaced, so comments, order, spacing and the other values' styles stay byte for byte, and the result
// is parsed again to confirm it holds the adopted values. Pure: text in, text out.

import { createHash } from 'node:crypto';
import { isMap, isScalar, isSeq, parseDocument, Scalar, visit, type Document, type YAMLMap } from 'yaml';
import type { ResourceSpec } from '../../../shared/profile.js';
import { ProdlikeError } from '../errors.js';

/** What adopting means for one resource, decided from its spec and the machine's actual state. */
export interface AdoptDecision {
  summary: string;
  /** Keys of the resource's YAML map to set (values as strings). */
  set: Record<string, string>;
  /** For a `src:` file: its new content. */
  srcContent?: string;
}

interface FileActualLike {
  type?: string;
  content?: string;
  sha256?: string;
  binary?: boolean;
  size?: number;
  mode?: string;
  owner?: string;
  group?: string;
}

interface PackageActualLike {
  installed?: boolean;
  version?: string;
}

const lines = (s: string) => s.split('\n').length - (s.endsWith('\n') ? 1 : 0);

/** `${` is interpolation in a profile's strings; `$${` is the literal. */
export const escapeInterpolation = (s: string) => s.replace(/\$\{/g, () => '$${');

export function decideAdopt(spec: ResourceSpec, actual: unknown, where: string): AdoptDecision {
  if (spec.kind === 'file') {
    const a = (actual ?? {}) as FileActualLike;
    if (spec.state === 'absent') throw new ProdlikeError(`${where}: the profile says this file must be absent; adopting it is not supported`, { hint: 'remove state: absent from the profile by hand if the file belongs' });
    if (a.type !== 'file') throw new ProdlikeError(`${where}: there is no file at ${spec.name} on the machine to adopt`, { hint: 'put it right with Reconcile instead, or remove the resource from the profile' });
    const set: Record<string, string> = {};
    const parts: string[] = [];
    let srcContent: string | undefined;
    if (spec.content !== undefined && a.content !== undefined && a.content !== spec.content) {
      if (spec.src) srcContent = a.content;
      else set.content = escapeInterpolation(a.content);
      parts.push(`content (${lines(a.content)} line${lines(a.content) === 1 ? '' : 's'})`);
    } else if (spec.content !== undefined && a.content === undefined && a.sha256 !== createHash('sha256').update(spec.content, 'utf8').digest('hex')) {
      // The probe sends content back only when it differs, is text and is small.
      throw new ProdlikeError(`${where}: the file on the machine is ${a.binary ? 'binary' : `too big to adopt (${a.size ?? '?'} bytes)`}`, { hint: 'copy it into the project by hand, or reconcile the machine instead' });
    }
    for (const k of ['mode', 'owner', 'group'] as const) {
      const want = spec[k];
      const have = a[k];
      if (want !== undefined && have !== undefined && have !== want) {
        set[k] = have;
        parts.push(`${k} ${have}`);
      }
    }
    if (parts.length === 0 && srcContent === undefined) throw new ProdlikeError(`${where}: the machine already matches the profile; there is nothing to adopt`, { hint: 'check drift again' });
    const into = [srcContent !== undefined ? spec.src : undefined, Object.keys(set).length ? 'the profile' : undefined].filter(Boolean).join(' and ');
    return { summary: `take ${spec.name}'s ${parts.join(', ')} from the machine into ${into}`, set, ...(srcContent !== undefined ? { srcContent } : {}) };
  }
  if (spec.kind === 'package') {
    const a = (actual ?? {}) as PackageActualLike;
    if (spec.state === 'absent') throw new ProdlikeError(`${where}: the profile says this package must be absent; adopting it is not supported`, { hint: 'remove state: absent from the profile by hand if the package belongs' });
    if (!a.installed || !a.version) throw new ProdlikeError(`${where}: package ${spec.name} is not installed on the machine, so there is no version to pin`, { hint: 'put it right with Reconcile instead' });
    if (spec.version === a.version) throw new ProdlikeError(`${where}: ${spec.name} is already pinned to ${a.version}`, { hint: 'check drift again' });
    return { summary: `pin package ${spec.name} to ${a.version}, the version on the machine`, set: { version: a.version } };
  }
  throw new ProdlikeError(`${where}: adopting into the profile works for file and package resources, not ${spec.kind}`, { hint: 'edit the profile by hand, or reconcile the machine instead' });
}

function offsetOf(text: string, line: number, col: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return -1;
    off = nl + 1;
  }
  return off + col - 1;
}

/** The resource's map in the document: the map that starts at line:col and whose first key is its kind. */
function findResourceMap(doc: Document, text: string, line: number, col: number, kind: string): YAMLMap | undefined {
  const at = offsetOf(text, line, col);
  let found: YAMLMap | undefined;
  visit(doc, {
    Map(_key, node) {
      const first = node.items[0];
      if (node.range?.[0] === at && first && isScalar(first.key) && first.key.value === kind) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** A value as YAML text: double-quoted on one line, or a block literal indented under its key. */
function render(value: string, keyIndent: number): string {
  if (!value.includes('\n')) return JSON.stringify(value);
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  const trailing = value.length - value.replace(/\n+$/, '').length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const pad = ' '.repeat(keyIndent + 2);
  const lines = (trailing > 1 ? value.slice(0, -1) : body).split('\n');
  const indicator = /^\s/.test(lines[0] ?? '') ? String(2) : '';
  return `|${indicator}${chomp}\n${lines.map((l) => (l === '' ? '' : pad + l)).join('\n')}`;
}

const columnOf = (text: string, offset: number) => offset - (text.lastIndexOf('\n', offset - 1) + 1);

/**
 * Sets keys of the resource map at line:col of `text`. Only the adopted values' text changes: the
 * rest of the file, its comments and spacing included, stays byte for byte. A multi-line value becomes
 * a block literal (`|`); a new key goes after the resource's last one. The result is parsed again and
 * must hold exactly the adopted values, or nothing is changed.
 */
export function setResourceKeys(text: string, at: { line: number; col: number; where: string }, kind: string, set: Record<string, string>): string {
  let out = text;
  for (const [key, value] of Object.entries(set)) out = setOne(out, at, kind, key, value);
  const check = findResourceMap(parseDocument(out), out, at.line, at.col, kind);
  const ok = check && Object.entries(set).every(([k, v]) => {
    const n = check.get(k, true);
    return isScalar(n) && String(n.value) === v;
  });
  if (!ok) throw new ProdlikeError(`${at.where}: the profile could not be edited safely here`, { hint: 'edit it by hand' });
  return out;
}

function setOne(text: string, at: { line: number; col: number; where: string }, kind: string, key: string, value: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ProdlikeError(`${at.where}: the profile does not parse any more: ${doc.errors[0]!.message}`, { hint: 'fix the file first' });
  const map = findResourceMap(doc, text, at.line, at.col, kind);
  if (!map || !map.range) throw new ProdlikeError(`${at.where}: the resource is no longer where the profile had it (the file changed)`, { hint: 'check drift again, then adopt' });
  const flow = !!map.flow;
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair && isScalar(pair.value) && pair.value.range && isScalar(pair.key) && pair.key.range) {
    const [start, end] = pair.value.range;
    const keyIndent = columnOf(text, pair.key.range[0]);
    let rendered = render(value, keyIndent);
    if (flow && rendered.includes('\n')) throw new ProdlikeError(`${at.where}: the resource is written on one line ({ ... }); a multi-line value needs it in block style`, { hint: 'edit it by hand' });
    const wasBlock = pair.value.type === Scalar.BLOCK_LITERAL || pair.value.type === Scalar.BLOCK_FOLDED;
    const from = start;
    let to = end;
    if (wasBlock) {
      // A block scalar's range runs to its last line's newline: keep one line break after the new value.
      if (text[to - 1] === '\n') rendered += '\n';
    } else if (rendered.includes('\n')) {
      // A comment after a one-line value moves onto the block's header line.
      const eol = text.indexOf('\n', to) < 0 ? text.length : text.indexOf('\n', to);
      const rest = text.slice(to, eol);
      if (/^\s*#/.test(rest)) {
        rendered = rendered.replace('\n', `${rest}\n`);
        to = eol;
      }
    }
    return text.slice(0, from) + rendered + text.slice(to);
  }
  if (pair) throw new ProdlikeError(`${at.where}: ${key}: holds a list or map here, not a value`, { hint: 'edit it by hand' });
  if (flow) throw new ProdlikeError(`${at.where}: the resource is written on one line ({ ... }), where a new key is not added automatically`, { hint: `add ${key}: by hand` });
  // A new key: on a line of its own after the resource's last line, at the resource's indentation.
  const keyIndent = columnOf(text, map.range[0]);
  const last = map.items[map.items.length - 1]!;
  const lastEnd = (isScalar(last.value) || isMap(last.value) || isSeq(last.value)) && last.value.range ? last.value.range[1] : map.range[1];
  let insertAt = text[lastEnd - 1] === '\n' ? lastEnd - 1 : text.indexOf('\n', lastEnd);
  if (insertAt < 0) insertAt = text.length;
  return `${text.slice(0, insertAt)}\n${' '.repeat(keyIndent)}${key}: ${render(value, keyIndent)}${text.slice(insertAt)}`;
}
