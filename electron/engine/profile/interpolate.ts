// `${vars.x}` and `${env.X}` in string values. A reference that resolves to nothing is an error at the
// string that used it, never an empty string. `$${` is a literal `${`.
//
// Expansion is also where secrets are found (secrets.ts): a value from the environment that is secret is
// recorded as it is interpolated, and a string that took in an environment value or a secret variable
// remembers which (`refs`), so that no error message shows it.

import type { SourcePos } from '../../../shared/profile.js';
import { isSecretEnv, secretParts } from '../secrets.js';
import { LIMITS, type Budget } from '../schema/limits.js';
import { Problems, formatPath, profileError, suggest } from '../schema/problems.js';
import { scalarText, type MapNode, type PNode, type ScalarNode } from '../schema/yaml-tree.js';

export type Env = Record<string, string | undefined>;

/** What interpolation of one load shares: the environment, the `secrets:` names, the secrets found, the budget. */
export interface Interpolation {
  env: Env;
  /** Names listed under `secrets:` (environment variables or variables). */
  declared: ReadonlySet<string>;
  /** Secret values found so far. */
  secrets: Set<string>;
  budget: Budget;
}

/** A resolved variable: its value, and the hidden references (`env.X`, `vars.x`) that went into it. */
export interface Var {
  value: string;
  refs: string[];
}

const REF = /\$\$\{|\$\{([^}]*)\}|\$\{/g;

interface Expanded {
  text: string;
  /** `env.X` and secret or environment-fed `vars.x` references whose values are in `text`: never echo it. */
  refs: string[];
}

/**
 * Expands references in one string; problems are reported at `pos` under `path`.
 * `lookupVar` returns undefined for a variable that is not defined.
 */
export function expand(
  s: string,
  ctx: { pos: SourcePos; path: string; lookupVar: (name: string) => Var | undefined; varNames: () => string[] },
  ip: Interpolation,
  problems: Problems,
): Expanded | undefined {
  if (!s.includes('${')) return { text: s, refs: [] };
  ip.budget.tick(ctx.pos);
  const refs: string[] = [];
  let failed = false;
  let size = s.length;
  const take = (v: string) => {
    size += v.length;
    ip.budget.expanded += v.length;
    if (size > LIMITS.stringChars) {
      throw profileError(ctx.pos, ctx.path, `expands to more than ${LIMITS.stringChars} characters`, 'variables that repeat other variables multiply: look for a variable used many times over');
    }
    if (ip.budget.expanded > LIMITS.expandedChars) {
      throw profileError(ctx.pos, ctx.path, `the profile's variables expand to more than ${LIMITS.expandedChars} characters in all`, 'variables that repeat other variables multiply: look for a variable used many times over');
    }
    return v;
  };
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
      const shown = whole.length > 80 ? `${whole.slice(0, 76)}...}` : whole;
      problems.add(
        ctx.pos,
        ctx.path,
        `expected \${vars.NAME} or \${env.NAME}, found "${shown}"`,
        better && better !== ns && inner.length <= 80 ? `did you mean \${${better}.${inner.slice(ns.length + 1)}}?` : 'write $${ for a literal ${',
      );
      return whole;
    }
    const [, ns, name] = m as unknown as [string, 'vars' | 'env', string];
    if (ns === 'env') {
      const v = Object.hasOwn(ip.env, name) ? ip.env[name] : undefined;
      if (v === undefined) {
        failed = true;
        problems.add(ctx.pos, ctx.path, `\${env.${name}} is not set in the environment`, `set ${name} before running prodlike (an empty value counts as set)`);
        return whole;
      }
      if (isSecretEnv(name, v, ip.declared)) for (const part of secretParts(v)) ip.secrets.add(part);
      refs.push(`env.${name}`);
      return take(v);
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
        known.length ? `define it under vars: (defined: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''})` : 'define it under vars: in this profile or a parent',
      );
      return whole;
    }
    if (v.refs.length) refs.push(`vars.${name}`);
    return take(v.value);
  });
  return failed ? undefined : { text, refs };
}

/**
 * Resolves `vars:` (already merged over the extends chain). A variable may use `${env.X}` and other
 * variables; a cycle between variables is an error. A variable named in `secrets:` is secret.
 */
export function resolveVars(vars: MapNode | undefined, ip: Interpolation, problems: Problems): Map<string, Var> {
  const out = new Map<string, Var>();
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
  const resolve = (name: string): Var | undefined => {
    const done = out.get(name);
    if (done) return done;
    const r = raw.get(name);
    if (!r) return undefined;
    if (resolving.has(name)) {
      problems.add(r.node.pos, formatPath(['vars', name]), `variables refer to each other in a cycle: ${[...resolving, name].join(' → ')}`, 'break the cycle');
      return { value: '', refs: [] };
    }
    resolving.add(name);
    const x = expand(r.text, { pos: r.node.pos, path: formatPath(['vars', name]), lookupVar: resolve, varNames: () => [...raw.keys()] }, ip, problems);
    resolving.delete(name);
    const secret = ip.declared.has(name);
    const v: Var = { value: x?.text ?? '', refs: secret ? [`vars.${name}`, ...(x?.refs ?? [])] : (x?.refs ?? []) };
    if (secret && v.value.length) for (const part of secretParts(v.value)) ip.secrets.add(part);
    out.set(name, v);
    return v;
  };
  for (const name of raw.keys()) resolve(name);
  return out;
}

/** Keys of the top-level map that are not interpolated: needed before any variable is known, or names. */
const NOT_INTERPOLATED: ReadonlySet<string> = new Set(['vars', 'extends', 'secrets']);

/**
 * A copy of a file's tree with every string value expanded. Keys are left as written, and so are
 * `vars` (resolved separately), `extends` (needed before any variable is known) and `secrets` (names).
 */
export function interpolateTree(root: MapNode, vars: ReadonlyMap<string, Var>, ip: Interpolation, problems: Problems): MapNode {
  const varNames = () => [...vars.keys()];
  const lookupVar = (name: string) => vars.get(name);
  const walk = (n: PNode, path: PropertyKey[]): PNode => {
    if (n.t === 'scalar') {
      if (typeof n.value !== 'string') return n;
      const r = expand(n.value, { pos: n.pos, path: formatPath(path), lookupVar, varNames }, ip, problems);
      if (!r || r.text === n.value) return n;
      return r.refs.length ? { ...n, value: r.text, refs: r.refs } : { ...n, value: r.text };
    }
    if (n.t === 'seq') return { ...n, items: n.items.map((item, i) => walk(item, [...path, i])) };
    const entries = new Map(n.entries);
    for (const [k, e] of n.entries) {
      if (path.length === 0 && NOT_INTERPOLATED.has(k)) continue;
      entries.set(k, { keyPos: e.keyPos, value: walk(e.value, [...path, k]) });
    }
    return { ...n, entries };
  };
  return walk(root, []) as MapNode;
}
