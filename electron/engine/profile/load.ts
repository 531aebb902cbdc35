// loadProfile: read a profile and its `extends` chain, resolve variables, merge, validate.
//
// Order matters for what users see: variables are merged over the whole chain first (a child's win),
// then each file's strings are interpolated with them, then the files are merged. Resources are thus
// matched by their interpolated identity, and an error in an inherited value names the parent file.

import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Profile, SourcePos } from '../../../shared/profile.js';
import { ProfileError } from '../errors.js';
import { convertProfile } from './convert.js';
import { interpolateTree, resolveVars, type Env } from './interpolate.js';
import { asParent, mergeMaps } from './merge.js';
import { Problems, displayFile, profileError } from './problems.js';
import { describeNode, emptyMap, get, parseProfileFile, type MapNode, type ParsedFile } from './yaml-tree.js';

export interface LoadOptions {
  /** Environment for `${env.X}`; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

/** A file and the parents it extends, in the order written. */
interface Chain {
  parsed: ParsedFile;
  parents: Chain[];
}

export async function loadProfile(file: string, opts: LoadOptions = {}): Promise<Profile> {
  const abs = resolve(file);
  const env: Env = opts.env ?? process.env;
  if (!(await exists(abs))) {
    throw new ProfileError(`profile not found: ${displayFile(abs)}`, {
      where: displayFile(abs),
      hint: 'check the path, or run "prodlike list" to see the profiles there are',
    });
  }
  const chain = await loadChain(abs, [], new Map());
  const root = chain.parsed.root;
  const abstract = root.entries.get('abstract');
  if (abstract?.value.t === 'scalar' && abstract.value.value === true) {
    throw profileError(abstract.keyPos, 'abstract', 'this profile is abstract: it is a parent for other profiles, and has no machines of its own to use', 'use a profile that extends it');
  }

  const problems = new Problems();
  const vars = resolveVars(mergedVars(chain), env, problems);
  const merged = mergeChain(chain, vars, env, problems);
  const files = [...new Set(flatten(chain))];
  const profile = await convertProfile(merged, { file: abs, files, vars }, problems);
  problems.throwIfAny();
  return profile!;
}

/** Parses a file and, depth first, every file it extends. `stack` is the chain that led here. */
async function loadChain(file: string, stack: string[], cache: Map<string, Promise<ParsedFile>>): Promise<Chain> {
  let parsing = cache.get(file);
  if (!parsing) {
    parsing = parseProfileFile(file);
    cache.set(file, parsing);
  }
  const parsed = await parsing;
  const parents: Chain[] = [];
  for (const ref of extendsOf(parsed)) {
    const target = resolve(dirname(file), ref.path);
    if (target === file || stack.includes(target)) {
      const cycle = [...stack, file, target].slice([...stack, file].indexOf(target)).map(displayFile);
      throw profileError(ref.pos, 'extends', `extends forms a cycle: ${cycle.join(' → ')}`, 'a profile cannot extend itself, directly or through its parents: remove one of these extends');
    }
    if (!(await exists(target))) {
      throw profileError(ref.pos, 'extends', `file not found: ${displayFile(target)} ("${ref.path}" is relative to this file)`, 'check the path in extends:');
    }
    parents.push(await loadChain(target, [...stack, file], cache));
  }
  return { parsed, parents };
}

function extendsOf(parsed: ParsedFile): { path: string; pos: SourcePos }[] {
  const entry = parsed.root.entries.get('extends');
  if (!entry) return [];
  const n = entry.value;
  const bad = (pos: SourcePos) =>
    profileError(pos, 'extends', `expected a path or a list of paths, found ${n.t === 'seq' ? 'a list with something else in it' : describeNode(n)}`, 'write extends: ./base.yaml (relative to this file)');
  if (n.t === 'scalar') {
    if (typeof n.value !== 'string' || !n.value) throw bad(n.pos);
    return [{ path: n.value, pos: n.pos }];
  }
  if (n.t === 'seq') {
    return n.items.map((item) => {
      if (item.t !== 'scalar' || typeof item.value !== 'string' || !item.value) throw bad(item.pos);
      return { path: item.value, pos: item.pos };
    });
  }
  throw bad(n.pos);
}

/** `vars:` over the chain: parents in order, the child last (it wins). */
function mergedVars(chain: Chain): MapNode | undefined {
  let out: MapNode | undefined;
  for (const parent of chain.parents) {
    const v = mergedVars(parent);
    if (v) out = out ? mergeMaps(out, v) : v;
  }
  const own = get(chain.parsed.root, 'vars');
  if (own && own.t !== 'map') {
    throw profileError(own.pos, 'vars', `expected a map of variable names to values, found ${own.t === 'seq' ? 'a list' : 'a single value'}`, 'write vars: with one name: value per line');
  }
  if (own) out = out ? mergeMaps(out, own) : own;
  return out;
}

function mergeChain(chain: Chain, vars: Record<string, string>, env: Env, problems: Problems): MapNode {
  const own = interpolateTree(chain.parsed.root, vars, env, problems);
  if (!chain.parents.length) return own;
  let base: MapNode = emptyMap(own.pos);
  for (const parent of chain.parents) base = mergeMaps(base, asParent(mergeChain(parent, vars, env, problems)));
  return mergeMaps(base, own);
}

function flatten(chain: Chain): string[] {
  return [chain.parsed.file, ...chain.parents.flatMap(flatten)];
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
