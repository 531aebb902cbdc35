// Reads Compose files as Compose v2 does before it looks at services: YAML with positions, the
// top-level keys checked, `.env` and the environment interpolated into every value, and each service's
// `extends` resolved (merged over the service it names, in this or another file). Every problem is
// located (file:line:col); the first ones found are thrown together as one ProfileError.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourcePos } from '../../../shared/profile.js';
import { SECRET_NAME } from '../facts/index.js';
import { ProfileError } from '../errors.js';
import { Problems, suggest } from '../schema/problems.js';
import { parseProfileText, type MapNode, type PNode } from '../schema/yaml-tree.js';
import { looksLikeCredential } from '../secrets.js';
import { InterpolationError, interpolate, parseDotEnv, type Lookup } from './compose-interpolate.js';
import { ENV_REF } from './import-types.js';

export const COMPOSE_TOP_KEYS = ['version', 'name', 'services', 'networks', 'volumes', 'configs', 'secrets', 'include'];

export interface ComposeService {
  name: string;
  node: MapNode;
  keyPos: SourcePos;
  /** The file that defines it (relative paths in it are relative to its folder). */
  file: string;
}

export interface ComposeProject {
  /** The Compose files, in order (later ones override earlier ones). */
  files: string[];
  /** The project folder: the first file's folder. */
  dir: string;
  /** The project name, as a profile name. */
  name: string;
  services: Map<string, ComposeService>;
  /** The merged top-level maps (volumes, networks, secrets, configs, include), for notes. */
  top: Map<string, { node: PNode; keyPos: SourcePos }>;
  /** Variables from the .env file (not from the environment). */
  dotEnv: Map<string, string>;
  /** Secret-looking variables written as references (`${env.NAME}`), not as values. */
  envRefs: Set<string>;
  /** Variable values, a secret-looking one as a reference marker (ENV_REF). */
  lookup: Lookup;
  /** Variable values as they are. */
  plainLookup: Lookup;
}

export interface ReadOptions {
  env: Record<string, string | undefined>;
  /** The .env file; default `<project dir>/.env` when it exists. */
  envFile?: string;
}

const MAX_EXTENDS_DEPTH = 16;

export async function readCompose(files: string[], opts: ReadOptions): Promise<ComposeProject> {
  const abs = files.map((f) => path.resolve(f));
  const dir = path.dirname(abs[0]!);
  const problems = new Problems();

  const envFile = opts.envFile ?? path.join(dir, '.env');
  const dotEnvText = await readFile(envFile, 'utf8').catch(() => undefined);
  const dotEnv = new Map<string, string>();
  const fromEnv: Lookup = (n) => opts.env[n];
  if (dotEnvText !== undefined) {
    const parsed = parseDotEnv(dotEnvText, fromEnv);
    for (const p of parsed.problems) problems.add({ file: envFile, line: p.line, col: 1 }, '', p.message, 'a .env line is NAME=value');
    for (const [k, v] of parsed.vars) dotEnv.set(k, v);
  }
  problems.throwIfAny();
  const envRefs = new Set<string>();
  // The environment wins over .env, as in Compose.
  const plain: Lookup = (n) => opts.env[n] ?? dotEnv.get(n);
  const lookup: Lookup = (n) => {
    const v = plain(n);
    if (v === undefined) return v;
    // A secret stays out of the profile: it is referenced there, and read from the environment at up.
    if (v.length >= 4 && (SECRET_NAME.test(n) || looksLikeCredential(v))) {
      envRefs.add(n);
      return ENV_REF(n);
    }
    return v;
  };

  const cache = new Map<string, MapNode>();
  const load = async (file: string, from?: { pos: SourcePos; path: string }): Promise<MapNode | undefined> => {
    const hit = cache.get(file);
    if (hit) return hit;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      const what = missing ? `${file} does not exist` : `${file} cannot be read: ${(err as Error).message}`;
      if (from) problems.add(from.pos, from.path, what, missing ? 'check the path: it is relative to the file that names it' : undefined);
      else problems.add({ file, line: 1, col: 1 }, '', what, 'name a Compose file (compose.yaml, docker-compose.yml)');
      return undefined;
    }
    const root = interpolateTree(parseComposeText(file, text).root, lookup, problems) as MapNode;
    cache.set(file, root);
    return root;
  };

  const services = new Map<string, ComposeService>();
  const top = new Map<string, { node: PNode; keyPos: SourcePos }>();
  let name: string | undefined;
  for (const file of abs) {
    const root = await load(file);
    if (!root) continue;
    for (const [key, entry] of root.entries) {
      if (key.startsWith('x-')) continue;
      if (!COMPOSE_TOP_KEYS.includes(key)) {
        const near = suggest(key, COMPOSE_TOP_KEYS);
        problems.add(entry.keyPos, key, `unknown top-level key "${key}"${near ? ` (did you mean "${near}"?)` : ''}`, `a Compose file's top-level keys are ${COMPOSE_TOP_KEYS.join(', ')} and x-… extensions`);
        continue;
      }
      if (key === 'name' && entry.value.t === 'scalar' && entry.value.value !== null) name = String(entry.value.value);
      else if (key !== 'services' && key !== 'version' && key !== 'name') top.set(key, { node: entry.value, keyPos: entry.keyPos });
    }
    const svcs = root.entries.get('services');
    if (!svcs) continue;
    if (svcs.value.t !== 'map') {
      problems.add(svcs.value.pos, 'services', 'expected a map of service names to services');
      continue;
    }
    for (const [svc, entry] of svcs.value.entries) {
      if (entry.value.t !== 'map') {
        problems.add(entry.value.pos, `services.${svc}`, 'expected a map (image:, build:, ports:, ...)');
        continue;
      }
      const resolved = await resolveExtends(entry.value, file, svc, load, problems, 0);
      const before = services.get(svc);
      services.set(svc, { name: svc, node: before ? mergeService(before.node, resolved) : resolved, keyPos: before?.keyPos ?? entry.keyPos, file: before?.file ?? file });
    }
  }
  if (services.size === 0 && problems.size === 0) problems.add({ file: abs[0]!, line: 1, col: 1 }, 'services', 'expected at least one service, found none', 'a Compose file lists its containers under services:');
  problems.throwIfAny();
  const projectName = profileName(name ?? opts.env.COMPOSE_PROJECT_NAME ?? path.basename(dir));
  return { files: abs, dir, name: projectName, services, top, dotEnv, envRefs, lookup, plainLookup: plain };
}

/** The YAML tree with positions (and the profile loader's limits), its messages in Compose's words. */
function parseComposeText(file: string, text: string) {
  try {
    return parseProfileText(file, text);
  } catch (err) {
    if (!(err instanceof ProfileError) || !err.message.includes('profile keys')) throw err;
    throw new ProfileError(err.message.replace(/a map of profile keys \(name, machines, \.\.\.\)/, 'a map of Compose keys (services, volumes, ...)'), {
      where: err.where,
      hint: 'a Compose file starts with "services:" at the top level',
    });
  }
}

/** A Compose project name → a profile name: lowercase letters, digits and dashes. */
export function profileName(text: string): string {
  const n = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return n || 'imported';
}

async function resolveExtends(
  node: MapNode,
  file: string,
  svc: string,
  load: (file: string, from?: { pos: SourcePos; path: string }) => Promise<MapNode | undefined>,
  problems: Problems,
  depth: number,
): Promise<MapNode> {
  const ext = node.entries.get('extends');
  if (!ext) return node;
  const here = `services.${svc}.extends`;
  if (depth >= MAX_EXTENDS_DEPTH) {
    problems.add(ext.keyPos, here, `extends nests more than ${MAX_EXTENDS_DEPTH} deep (a cycle?)`, 'a service cannot extend itself, directly or through others');
    return node;
  }
  let baseFile = file;
  let baseName: string | undefined;
  let at = ext.value.pos;
  if (ext.value.t === 'scalar' && typeof ext.value.value === 'string') baseName = ext.value.value;
  else if (ext.value.t === 'map') {
    const f = ext.value.entries.get('file');
    const s = ext.value.entries.get('service');
    if (f?.value.t === 'scalar' && typeof f.value.value === 'string') {
      baseFile = path.resolve(path.dirname(file), f.value.value);
      at = f.value.pos;
    }
    if (s?.value.t === 'scalar' && typeof s.value.value === 'string') baseName = s.value.value;
  }
  if (!baseName) {
    problems.add(ext.value.pos, here, 'expected a service name, or a map with service: and file:', 'extends: { file: common.yaml, service: web }');
    return node;
  }
  const root = await load(baseFile, { pos: at, path: `${here}.file` });
  if (!root) return withoutKey(node, 'extends');
  const base = root.entries.get('services')?.value;
  const baseNode = base?.t === 'map' ? base.entries.get(baseName)?.value : undefined;
  if (baseNode?.t !== 'map') {
    problems.add(at, here, `${path.basename(baseFile)} has no service "${baseName}"`, 'extends names a service defined under services: in that file');
    return withoutKey(node, 'extends');
  }
  const resolvedBase = await resolveExtends(baseNode, baseFile, baseName, load, problems, depth + 1);
  return mergeService(resolvedBase, withoutKey(node, 'extends'));
}

function withoutKey(node: MapNode, key: string): MapNode {
  const entries = new Map(node.entries);
  entries.delete(key);
  return { ...node, entries };
}

/** Keys whose lists add up when a service is extended or overridden (Compose's merge rules). */
const APPENDED = new Set(['ports', 'expose', 'volumes', 'env_file', 'dns', 'dns_search', 'extra_hosts', 'cap_add', 'cap_drop', 'devices', 'tmpfs', 'secrets', 'configs', 'environment']);

/** `over` laid on `base`: maps merge, the lists above add up, anything else `over` replaces. */
export function mergeService(base: MapNode, over: MapNode): MapNode {
  const entries = new Map(base.entries);
  for (const [k, e] of over.entries) {
    const b = base.entries.get(k)?.value;
    const v = e.value;
    if (b?.t === 'map' && v.t === 'map') entries.set(k, { ...e, value: mergeService(b, v) });
    else if (b?.t === 'seq' && v.t === 'seq' && APPENDED.has(k)) entries.set(k, { ...e, value: { ...v, items: [...b.items, ...v.items] } });
    else entries.set(k, e);
  }
  return { ...over, entries };
}

/** Interpolates every string value (not keys; x-… extension values too, as Compose does). */
function interpolateTree(n: PNode, lookup: Lookup, problems: Problems): PNode {
  switch (n.t) {
    case 'scalar': {
      if (typeof n.value !== 'string' || !n.value.includes('$')) return n;
      try {
        const { value, used } = interpolate(n.value, lookup);
        return used.length ? { ...n, value, refs: used } : { ...n, value };
      } catch (err) {
        if (!(err instanceof InterpolationError)) throw err;
        problems.add(n.pos, '', err.message, err.hint);
        return n;
      }
    }
    case 'seq':
      return { ...n, items: n.items.map((i) => interpolateTree(i, lookup, problems)) };
    case 'map': {
      const entries = new Map<string, { keyPos: SourcePos; value: PNode }>();
      for (const [k, e] of n.entries) entries.set(k, { ...e, value: interpolateTree(e.value, lookup, problems) });
      return { ...n, entries };
    }
  }
}
