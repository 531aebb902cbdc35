// A profile file as a tree of nodes that remember where they were written. Merging `extends` and
// interpolating variables work on this tree, so that every later error can still name file:line:col,
// even for a value inherited from a parent file.

import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap } from 'yaml';
import type { SourcePos } from '../../../shared/profile.js';
import { Budget, LIMITS, bracketOverflow } from './limits.js';
import { Problems } from './problems.js';

export type Scalar = string | number | boolean | null;

interface NodeBase {
  pos: SourcePos;
}

export interface ScalarNode extends NodeBase {
  t: 'scalar';
  value: Scalar;
  /** The text as written, for numbers and booleans: `version: 1.10` is the string "1.10" where a string is wanted. */
  raw?: string;
  /**
   * References (`env.X`, `vars.x`) to environment values or secret variables that went into this
   * string: such values are never echoed.
   */
  refs?: string[];
}

export interface MapEntry {
  keyPos: SourcePos;
  value: PNode;
}

export interface MapNode extends NodeBase {
  t: 'map';
  entries: Map<string, MapEntry>;
}

export interface SeqNode extends NodeBase {
  t: 'seq';
  items: PNode[];
}

export type PNode = ScalarNode | MapNode | SeqNode;

/** A parsed profile file: its top-level map (an empty file is an empty map). */
export interface ParsedFile {
  file: string;
  root: MapNode;
}

/** Parses one profile file's text. Malformed YAML, a non-map top level and a file past a limit are ProfileErrors. */
export function parseProfileText(file: string, source: string, budget = new Budget()): ParsedFile {
  budget.enter(file);
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const problems = new Problems();
  const overflow = bracketOverflow(source);
  if (overflow !== undefined || source.length > LIMITS.fileBytes) {
    // Positions are counted by the parser's line counter: feed it the lines without parsing.
    lineCounter.addNewLine(0);
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    if (overflow !== undefined) problems.add(at(overflow), '', `more than ${LIMITS.brackets} brackets ([ or {) open at once`, 'write nested values as indented blocks; profiles never nest this deep');
    else problems.add(at(0), '', `the file has ${source.length} characters, more than the limit of ${LIMITS.fileBytes}`, 'a profile is a small YAML file: split it, or move file contents to src: files');
    problems.throwIfAny();
  }
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  for (const err of doc.errors) {
    problems.add(at(err.pos[0]), '', `invalid YAML: ${err.message}`, 'fix the YAML syntax at this position');
  }
  problems.throwIfAny();

  const conv = new Converter(doc, at, problems, budget);
  const root = doc.contents ? conv.node(doc.contents as YamlNode, at(0)) : emptyMap(at(0));
  problems.throwIfAny();
  if (root.t !== 'map') {
    problems.add(root.pos, '', `expected a map of profile keys (name, machines, ...), found ${describeNode(root)}`,
      'a profile starts with "name:" and "machines:" at the top level (docs/profiles.md describes the format)');
    problems.throwIfAny();
  }
  return { file, root: root as MapNode };
}

export function emptyMap(pos: SourcePos): MapNode {
  return { t: 'map', pos, entries: new Map() };
}

class Converter {
  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number) => SourcePos,
    private readonly problems: Problems,
    private readonly budget: Budget,
  ) {}

  private depth = 0;
  private nesting = 0;
  private readonly aliases = new Map<YamlNode, YamlNode | null>();
  private count = 0;

  /**
   * A node past a limit is reported once and read as null, so that the rest of the file is not
   * walked: the first problem is the one to fix.
   */
  private stopped = false;

  node(n: YamlNode, fallback: SourcePos): PNode {
    if (this.stopped) return { t: 'scalar', value: null, pos: fallback };
    if (++this.count > LIMITS.nodes) {
      this.stop(fallback, `the file holds more than ${LIMITS.nodes} values once its aliases (*name) are expanded`, 'an alias repeats what its anchor holds: aliases of aliases multiply; write the values out, or use extends');
      return { t: 'scalar', value: null, pos: fallback };
    }
    if ((this.count & 1023) === 0) this.budget.tick(fallback);
    if (isAlias(n)) {
      // Anchors and aliases are plain YAML; a self-referencing alias would recurse forever.
      if (++this.depth > 64) {
        this.problems.add(fallback, '', 'YAML aliases nest too deeply (a recursive alias?)');
        return { t: 'scalar', value: null, pos: fallback };
      }
      // Resolving walks the whole document: once per alias, however often it is reached.
      let target = this.aliases.get(n);
      if (target === undefined) {
        target = n.resolve(this.doc) ?? null;
        this.aliases.set(n, target);
      }
      const out = target ? this.node(target as YamlNode, fallback) : { t: 'scalar' as const, value: null, pos: fallback };
      this.depth--;
      return out;
    }
    const pos = n.range ? this.at(n.range[0]) : fallback;
    if ((isMap(n) || isSeq(n)) && this.nesting >= LIMITS.depth) {
      this.stop(pos, `maps and lists nest more than ${LIMITS.depth} deep`, 'profiles never nest this deep: look for a runaway indentation or bracket');
      return { t: 'scalar', value: null, pos };
    }
    if (isMap(n)) {
      this.nesting++;
      try {
        return this.map(n, pos);
      } finally {
        this.nesting--;
      }
    }
    if (isSeq(n)) {
      this.nesting++;
      try {
        return { t: 'seq', pos, items: n.items.map((item) => this.node(item as YamlNode, pos)) };
      } finally {
        this.nesting--;
      }
    }
    return this.scalar(n, pos);
  }

  private stop(pos: SourcePos, message: string, hint: string): void {
    this.problems.add(pos, '', message, hint);
    this.stopped = true;
  }

  private map(n: YAMLMap, pos: SourcePos): PNode {
    const entries = new Map<string, MapEntry>();
    // `<<: *anchor` (YAML merge keys): the anchored map's entries, unless this map sets them.
    const merged = new Map<string, MapEntry>();
    for (const pair of n.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyPos = keyNode && keyNode.range ? this.at(keyNode.range[0]) : pos;
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        const source = this.node(pair.value as YamlNode, keyPos);
        const sources = source.t === 'seq' ? source.items : [source];
        for (const src of sources) {
          if (src.t !== 'map') {
            this.problems.add(src.pos, '', 'expected a map (an alias such as *defaults) after "<<:"');
            continue;
          }
          for (const [k, e] of src.entries) if (!merged.has(k)) merged.set(k, e);
        }
        continue;
      }
      if (!isScalar(keyNode) || (keyNode.value !== null && typeof keyNode.value === 'object')) {
        this.problems.add(keyPos, '', 'expected a plain key (a word such as "name"), found a complex key');
        continue;
      }
      const key = String(keyNode.value);
      if (key === '__proto__') {
        // A plain object built from this map (for validation) would get a new prototype instead of a key.
        this.problems.add(keyPos, '', 'the key "__proto__" is not allowed', 'rename the key');
        continue;
      }
      const valueNode = pair.value as YamlNode | null;
      // `key:` with nothing after it: the value's position is the key's.
      const value: PNode = valueNode && !(isScalar(valueNode) && valueNode.value === null)
        ? this.node(valueNode, keyPos)
        : { t: 'scalar', value: null, pos: keyPos };
      entries.set(key, { keyPos, value });
    }
    for (const [k, e] of merged) if (!entries.has(k)) entries.set(k, e);
    return { t: 'map', pos, entries };
  }

  private scalar(n: YamlNode, pos: SourcePos): PNode {
    if (isScalar(n)) {
      const v = n.value;
      if (typeof v === 'number' || typeof v === 'boolean') {
        return typeof n.source === 'string' ? { t: 'scalar', value: v, raw: n.source, pos } : { t: 'scalar', value: v, pos };
      }
      if (v === null || typeof v === 'string') return { t: 'scalar', value: v, pos };
      // Timestamps, binary and other tagged values: keep the text as written.
      return { t: 'scalar', value: String(n.source ?? v), pos };
    }
    return { t: 'scalar', value: null, pos };
  }
}

/** The tree as plain values, for schema validation. */
export function toPlain(n: PNode): unknown {
  switch (n.t) {
    case 'scalar':
      return n.value;
    case 'seq':
      return n.items.map(toPlain);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, e] of n.entries) out[k] = toPlain(e.value);
      return out;
    }
  }
}

/** Where a path points: the node itself, the key that names it, or the nearest existing parent. */
export function locate(root: PNode, path: readonly PropertyKey[]): { node: PNode; keyPos?: SourcePos; found: boolean } {
  let node: PNode = root;
  let keyPos: SourcePos | undefined;
  for (const step of path) {
    if (node.t === 'map' && typeof step === 'string' && node.entries.has(step)) {
      const e = node.entries.get(step)!;
      keyPos = e.keyPos;
      node = e.value;
    } else if (node.t === 'seq' && typeof step === 'number' && node.items[step]) {
      keyPos = undefined;
      node = node.items[step]!;
    } else {
      return { node, keyPos, found: false };
    }
  }
  return { node, keyPos, found: true };
}

/** A scalar as a string, numbers and booleans as written (`1.10` stays "1.10"); undefined otherwise. */
export function scalarText(n: PNode | undefined): string | undefined {
  if (!n || n.t !== 'scalar' || n.value === null) return undefined;
  if (typeof n.value === 'string') return n.value;
  return n.raw ?? String(n.value);
}

export function get(map: MapNode, key: string): PNode | undefined {
  return map.entries.get(key)?.value;
}

/** "the number 644", "a list", ... for "expected X, found Y" messages. */
export function describeNode(n: PNode | undefined): string {
  if (!n) return 'nothing';
  if (n.t === 'map') return 'a map';
  if (n.t === 'seq') return 'a list';
  if (n.refs?.length) return `the value of \${${n.refs[0]}} (not shown)`;
  return describeValue(n.value);
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (an empty value)';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  if (typeof v === 'string') {
    const shown = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (Array.isArray(v)) return 'a list';
  return 'a map';
}
