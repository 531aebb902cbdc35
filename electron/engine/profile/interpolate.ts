// `${vars.x}` and `${env.X}` in string values. A reference that resolves to nothing is an error at the
// string that used it, never an empty string. `$${` is a literal `${`.

import type { SourcePos } from '../../../shared/profile.js';
import { Problems, formatPath, suggest } from './problems.js';
import { scalarText, type MapNode, type PNode, type ScalarNode } from './yaml-tree.js';

export type Env = Record<string, string | undefined>;

const REF = /\$\$\{|\$\{([^}]*)\}|\$\{/g;

interface Expanded {
  text: string;
  envRefs: string[];
}

/**
 * Expands references in one string; problems are reported at `pos` under `path`.
 * `lookupVar` returns undefined for a variable that is not defined.
 */
export function expand(
  s: string,
  ctx: { pos: SourcePos; path: string; env: Env; lookupVar: (name: string) => string | undefined; varNames: () => string[] },
  problems: Problems,
): Expanded | undefined {
  if (!s.includes('${')) return { text: s, envRefs: [] };
  const envRefs: string[] = [];
  let failed = false;
  const text = s.replace(REF, (whole: string, inner: string | undefined) => {
    if (whole === '$${') return '${';
    if (inner === undefined) {
      failed = true;
      problems.add(ctx.pos, ctx.path, '"${" is not closed by "}"', 'write ${vars.NAME} or ${env.NAME}, or $${ for a literal ${');
      return whole;
    }
    const m = /^\s*(vars|env)\.([A-Za-z_][A-Za-z0-9_.-]*)\s*$/.exec(inner);
    if (!m) {
      failed = true;
      const ns = inner.split('.')[0] ?? '';
      const better = suggest(ns, ['vars', 'env']);
      problems.add(
        ctx.pos,
        ctx.path,
        `expected \${vars.NAME} or \${env.NAME}, found "${whole}"`,
        better && better !== ns ? `did you mean \${${better}.${inner.slice(ns.length + 1)}}?` : 'write $${ for a literal ${',
      );
      return whole;
    }
    const [, ns, name] = m as unknown as [string, 'vars' | 'env', string];
    if (ns === 'env') {
      const v = ctx.env[name];
      if (v === undefined) {
        failed = true;
        problems.add(ctx.pos, ctx.path, `\${env.${name}} is not set in the environment`, `set ${name} before running prodlike (an empty value counts as set)`);
        return whole;
      }
      envRefs.push(name);
      return v;
    }
    const v = ctx.lookupVar(name);
    if (v === undefined) {
      failed = true;
      const known = ctx.varNames();
      const near = suggest(name, known);
      problems.add(
        ctx.pos,
        ctx.path,
        `\${vars.${name}} is not defined${near ? ` (did you mean \${vars.${near}}?)` : ''}`,
        known.length ? `define it under vars: (defined: ${known.join(', ')})` : 'define it under vars: in this profile or a parent',
      );
      return whole;
    }
    return v;
  });
  return failed ? undefined : { text, envRefs };
}

/**
 * Resolves `vars:` (already merged over the extends chain). A variable may use `${env.X}` and other
 * variables; a cycle between variables is an error.
 */
export function resolveVars(vars: MapNode | undefined, env: Env, problems: Problems): Record<string, string> {
  const out: Record<string, string> = {};
  if (!vars) return out;
  const raw = new Map<string, { text: string; node: ScalarNode }>();
  for (const [name, entry] of vars.entries) {
    const path = formatPath(['vars', name]);
    const text = scalarText(entry.value);
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      problems.add(entry.keyPos, path, 'expected a variable name of letters, digits, _ and -', 'rename the variable');
    } else if (text === undefined || entry.value.t !== 'scalar') {
      problems.add(entry.value.pos, path, `expected a string, number or true/false, found ${entry.value.t === 'scalar' ? 'nothing (an empty value)' : entry.value.t === 'map' ? 'a map' : 'a list'}`, 'a variable holds one value; write "" for an empty string');
    } else {
      raw.set(name, { text, node: entry.value });
    }
  }
  const resolving = new Set<string>();
  const resolve = (name: string): string | undefined => {
    if (name in out) return out[name];
    const r = raw.get(name);
    if (!r) return undefined;
    if (resolving.has(name)) {
      problems.add(r.node.pos, formatPath(['vars', name]), `variables refer to each other in a cycle: ${[...resolving, name].join(' → ')}`, 'break the cycle');
      return '';
    }
    resolving.add(name);
    const done = expand(r.text, { pos: r.node.pos, path: formatPath(['vars', name]), env, lookupVar: resolve, varNames: () => [...raw.keys()] }, problems);
    resolving.delete(name);
    out[name] = done?.text ?? '';
    return out[name];
  };
  for (const name of raw.keys()) resolve(name);
  return out;
}

/**
 * A copy of a file's tree with every string value expanded. Keys are left as written, and so are
 * `vars` (resolved separately) and `extends` (needed before any variable is known).
 */
export function interpolateTree(root: MapNode, vars: Record<string, string>, env: Env, problems: Problems): MapNode {
  const varNames = () => Object.keys(vars);
  const lookupVar = (name: string) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
  const walk = (n: PNode, path: PropertyKey[]): PNode => {
    if (n.t === 'scalar') {
      if (typeof n.value !== 'string') return n;
      const r = expand(n.value, { pos: n.pos, path: formatPath(path), env, lookupVar, varNames }, problems);
      if (!r || r.text === n.value) return n;
      return r.envRefs.length ? { ...n, value: r.text, envRefs: r.envRefs } : { ...n, value: r.text };
    }
    if (n.t === 'seq') return { ...n, items: n.items.map((item, i) => walk(item, [...path, i])) };
    const entries = new Map(n.entries);
    for (const [k, e] of n.entries) {
      if (path.length === 0 && (k === 'vars' || k === 'extends')) continue;
      entries.set(k, { keyPos: e.keyPos, value: walk(e.value, [...path, k]) });
    }
    return { ...n, entries };
  };
  return walk(root, []) as MapNode;
}
