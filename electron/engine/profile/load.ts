// loadProfile: read a profile and its `extends` chain, resolve variables, merge, validate.
//
// Order matters for what users see: variables are merged over the whole chain first (a child's win),
// then each file's strings are interpolated with them, then the files are merged. Resources are thus
// matched by their interpolated identity, and an error in an inherited value names the parent file.
//
// Every file is read once and merged once, however many paths of `extends` lead to it, and every
// parent must be inside the profile tree (files.ts); limits.ts bounds the rest.

import { dirname, resolve } from 'node:path';
import type { Profile, SourcePos } from '../../../shared/profile.js';
import { ProfileError } from '../errors.js';
import { attachSecrets, redactor } from '../secrets.js';
import { convertProfile } from './convert.js';
import { confine, describeRead, onceReader, profileTree, readBounded } from './files.js';
import { interpolateTree, resolveVars, type Interpolation, type Var } from './interpolate.js';
import { Budget, LIMITS } from '../schema/limits.js';
import { asParent, mergeMaps } from './merge.js';
import { MAX_SRC_BYTES } from './resources.js';
import { Problems, displayFile, formatPath, profileError } from '../schema/problems.js';
import { describeNode, emptyMap, get, parseProfileText, type MapNode, type ParsedFile, type PNode } from '../schema/yaml-tree.js';

export interface LoadOptions {
  /** Environment for `${env.X}`; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

/** A file and the parents it extends, in the order written. One per file. */
interface Chain {
  parsed: ParsedFile;
  parents: Chain[];
}

interface LoadState {
  /** Where parents may be (the profile tree of the loaded file). */
  tree: string;
  chains: Map<string, Chain>;
  budget: Budget;
}

export async function loadProfile(file: string, opts: LoadOptions = {}): Promise<Profile> {
  const abs = resolve(file);
  const declared = new Set<string>();
  const ip: Interpolation = { env: opts.env ?? process.env, declared, secrets: new Set(), budget: new Budget() };
  try {
    const profile = await load(abs, ip, declared);
    attachSecrets(profile, ip.secrets);
    return profile;
  } catch (err) {
    // The last line of defence for values that an error message took in some other way.
    throw masked(err, [...ip.secrets]);
  }
}

async function load(abs: string, ip: Interpolation, declared: Set<string>): Promise<Profile> {
  const read = await readBounded(abs, LIMITS.fileBytes);
  if (!read.ok) {
    throw new ProfileError(read.why === 'not-found' ? `profile not found: ${displayFile(abs)}` : `cannot read ${displayFile(abs)}: ${describeRead(read, LIMITS.fileBytes)}`, {
      where: displayFile(abs),
      hint: read.why === 'not-found' ? 'check the path, or run "prodlike list" to see the profiles there are' : 'name a profile file (.yaml)',
    });
  }
  const state: LoadState = { tree: profileTree(abs), chains: new Map(), budget: ip.budget };
  const chain = await loadChain(abs, read.text, [], state);
  const root = chain.parsed.root;
  const abstract = root.entries.get('abstract');
  if (abstract?.value.t === 'scalar' && abstract.value.value === true) {
    throw profileError(abstract.keyPos, 'abstract', 'this profile is abstract: it is a parent for other profiles, and has no machines of its own to use', 'use a profile that extends it');
  }

  const problems = new Problems();
  const chains = [...state.chains.values()];
  const listed = chains.flatMap((c) => secretNames(c.parsed, problems));
  for (const { name } of listed) declared.add(name);
  // Parsing had a budget per file; what follows (expanding, merging, checking) gets one more.
  ip.budget.enter(abs);
  const vars = resolveVars(mergedVars(chain, new Map()), ip, problems);
  checkDeclared(listed, chains, vars, problems);
  const merged = mergeChain(chain, vars, ip, problems, new Map());
  const files = chains.map((c) => c.parsed.file);
  const profile = await convertProfile(merged, { file: abs, files, vars: Object.fromEntries([...vars].map(([k, v]) => [k, v.value])), readSrc: onceReader(MAX_SRC_BYTES, LIMITS.srcTotalBytes) }, problems);
  problems.throwIfAny();
  return profile!;
}

/**
 * Parses a file and, depth first, every file it extends. `stack` is the chain that led here. A file
 * reached a second time (a diamond) is the same Chain: read, parsed and later merged once.
 */
async function loadChain(file: string, text: string, stack: string[], state: LoadState): Promise<Chain> {
  const parsed = parseProfileText(file, text, state.budget);
  const chain: Chain = { parsed, parents: [] };
  state.chains.set(file, chain);
  for (const ref of extendsOf(parsed)) {
    const target = await parentFile(file, ref, state);
    if (target === file || stack.includes(target)) {
      const cycle = [...stack, file, target].slice([...stack, file].indexOf(target)).map(displayFile);
      throw profileError(ref.pos, 'extends', `extends forms a cycle: ${cycle.join(' → ')}`, 'a profile cannot extend itself, directly or through its parents: remove one of these extends');
    }
    const known = state.chains.get(target);
    if (known) {
      chain.parents.push(known);
      continue;
    }
    if (state.chains.size >= LIMITS.files) {
      throw profileError(ref.pos, 'extends', `the extends chain reaches more than ${LIMITS.files} files`, 'profiles extend a few parents: look for an extends loop through many files');
    }
    const read = await readBounded(target, LIMITS.fileBytes);
    if (!read.ok) {
      throw profileError(ref.pos, 'extends', `"${ref.path}": ${describeRead(read, LIMITS.fileBytes)}`, 'name a profile file (.yaml) in extends:');
    }
    chain.parents.push(await loadChain(target, read.text, [...stack, file], state));
  }
  return chain;
}

/** The file an `extends:` entry names, inside the profile tree; never read when refused. */
async function parentFile(file: string, ref: { path: string; pos: SourcePos }, state: LoadState): Promise<string> {
  const c = await confine(state.tree, dirname(file), ref.path);
  if (c.ok) return c.target;
  const hint = `a parent is a profile file in ${displayFile(state.tree)} or below, named relative to this file (docs/profiles.md, "extends")`;
  switch (c.why) {
    case 'not-relative':
      throw profileError(ref.pos, 'extends', `"${ref.path}" must be a path relative to this file`, hint);
    case 'outside':
      throw profileError(ref.pos, 'extends', `"${ref.path}" points outside the profile tree (${displayFile(state.tree)})`, hint);
    case 'symlink-outside':
      throw profileError(ref.pos, 'extends', `"${ref.path}" is a symbolic link to a file outside the profile tree (${displayFile(state.tree)})`, hint);
    case 'not-found':
      throw profileError(ref.pos, 'extends', `file not found: ${displayFile(c.target!)} ("${ref.path}" is relative to this file)`, 'check the path in extends:');
  }
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

/** The names a file lists under `secrets:` (not inherited by merging: every file's list counts). */
function secretNames(parsed: ParsedFile, problems: Problems): { name: string; pos: SourcePos }[] {
  const n = get(parsed.root, 'secrets');
  if (!n) return [];
  const hint = 'write secrets: [DB_URL, api_key]: names of environment variables or of vars:';
  if (n.t !== 'seq') {
    problems.add(n.pos, 'secrets', `expected a list of variable names, found ${describeNode(n)}`, hint);
    return [];
  }
  const out: { name: string; pos: SourcePos }[] = [];
  n.items.forEach((item, i) => {
    if (item.t === 'scalar' && typeof item.value === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(item.value)) out.push({ name: item.value, pos: item.pos });
    else problems.add(item.pos, formatPath(['secrets', i]), `expected a variable name (letters, digits, _ and -), found ${describeNode(item)}`, hint);
  });
  return out;
}

/**
 * A name under `secrets:` that is neither a variable nor an environment variable the chain refers to
 * is almost always a typo, and a typo there would leave a secret unmasked.
 */
function checkDeclared(listed: { name: string; pos: SourcePos }[], chains: Chain[], vars: ReadonlyMap<string, unknown>, problems: Problems): void {
  for (const { name, pos } of listed) {
    if (vars.has(name) || chains.some((c) => refersToEnv(c.parsed.root, name))) continue;
    problems.add(pos, 'secrets', `"${name}" is neither a variable under vars: nor an \${env.${name}} used in the profile`, 'check the spelling: secrets: names variables whose values are masked');
  }
}

function refersToEnv(root: MapNode, name: string): boolean {
  const re = new RegExp(`\\$\\{\\s*env\\.${name}\\s*\\}`);
  const walk = (n: PNode): boolean => {
    if (n.t === 'scalar') return typeof n.value === 'string' && re.test(n.value);
    if (n.t === 'seq') return n.items.some(walk);
    return [...n.entries.values()].some((e) => walk(e.value));
  };
  return walk(root);
}

/** `vars:` over the chain: parents in order, the child last (it wins). */
function mergedVars(chain: Chain, memo: Map<Chain, MapNode | undefined>): MapNode | undefined {
  if (memo.has(chain)) return memo.get(chain);
  let out: MapNode | undefined;
  for (const parent of chain.parents) {
    const v = mergedVars(parent, memo);
    if (v) out = out ? mergeMaps(out, v) : v;
  }
  const own = get(chain.parsed.root, 'vars');
  if (own && own.t !== 'map') {
    throw profileError(own.pos, 'vars', `expected a map of variable names to values, found ${own.t === 'seq' ? 'a list' : 'a single value'}`, 'write vars: with one name: value per line');
  }
  if (own) out = out ? mergeMaps(out, own) : own;
  memo.set(chain, out);
  return out;
}

function mergeChain(chain: Chain, vars: ReadonlyMap<string, Var>, ip: Interpolation, problems: Problems, memo: Map<Chain, MapNode>): MapNode {
  const done = memo.get(chain);
  if (done) return done;
  const own = interpolateTree(chain.parsed.root, vars, ip, problems);
  let out = own;
  if (chain.parents.length) {
    let base: MapNode = emptyMap(own.pos);
    for (const parent of chain.parents) base = mergeMaps(base, asParent(mergeChain(parent, vars, ip, problems, memo)));
    out = mergeMaps(base, own);
  }
  memo.set(chain, out);
  return out;
}

/** The error with every secret value masked in what it says. */
function masked(err: unknown, secrets: string[]): unknown {
  if (!(err instanceof ProfileError) || secrets.length === 0) return err;
  const redact = redactor(secrets);
  const out = new ProfileError(redact(err.message), {
    ...(err.hint ? { hint: redact(err.hint) } : {}),
    ...(err.where ? { where: redact(err.where) } : {}),
    ...(err.details ? { details: redact(err.details) } : {}),
  });
  return out;
}
