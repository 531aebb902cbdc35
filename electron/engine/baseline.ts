// Baselines: capture what production looks like (read-only facts), write it as stable YAML for git,
// and read it back with every error pointing at file:line:col.

import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { EventSink } from '../../shared/events.js';
import type { Profile } from '../../shared/profile.js';
import { ProdlikeError, toErrorInfo } from './errors.js';
import { gatherFacts, type HostFacts, type PathFact } from './facts/index.js';
import { kindOf } from './resources/registry.js';
import type { BaselineSection } from './resources/resource.js';
import { writeFileAtomic } from './state/atomic-file.js';
import type { Transport } from './transport.js';
import {
  BASELINE_FORMAT,
  BASELINE_VERSION,
  baselineHostSchema,
  baselineSchema,
  type Baseline,
  type BaselineDirectory,
  type BaselineFile,
  type BaselineHost,
} from './baseline-schema.js';
import { byKey } from './by-key.js';
import { isShared, shareValue } from './shared-value.js';
import * as z from 'zod/mini';
import { yamlChunks, yamlMap } from './baseline-yaml.js';

export * from './baseline-schema.js';

export class BaselineError extends ProdlikeError {
  override name = 'BaselineError';
}

function fileEntry(p: PathFact | undefined): BaselineFile {
  if (!p || p.type === 'absent') return { absent: true };
  const owned = { mode: p.mode, owner: p.owner, group: p.group };
  if (p.type === 'file') return { sha256: p.sha256, ...owned };
  return p.type === 'symlink' ? { type: p.type, ...owned, target: p.target } : { type: p.type, ...owned };
}

function directoryEntry(p: PathFact | undefined): BaselineDirectory {
  if (!p || p.type === 'absent') return { absent: true };
  const owned = { mode: p.mode, owner: p.owner, group: p.group };
  if (p.type === 'directory') return owned;
  return p.type === 'symlink' ? { type: p.type, ...owned, target: p.target } : { type: p.type, ...owned };
}

/** What a machine's resources ask the probe to look at (each kind's `baseline.records`). */
export function namedInProfile(resources: Profile['machines'][number]['resources']) {
  const named: Record<BaselineSection, Set<string>> = { files: new Set(), directories: new Set(), users: new Set(), groups: new Set(), services: new Set() };
  for (const r of resources) {
    for (const rec of kindOf(r).baseline?.records?.(r) ?? []) named[rec.section].add(rec.name);
  }
  return named;
}

/**
 * byKey(rec), except that a shared record (shared-value.ts: one fleet-wide, frozen object) is sorted once
 * and the sorted one is shared in turn, so the hosts that share a list keep sharing it.
 */
const sortedShared = new WeakMap<object, Record<string, unknown>>();
function sortedByKey<T>(rec: Record<string, T>): Record<string, T> {
  if (!isShared(rec)) return byKey(rec);
  let sorted = sortedShared.get(rec) as Record<string, T> | undefined;
  if (!sorted) {
    sorted = shareValue(byKey(rec));
    sortedShared.set(rec, sorted);
    sortedShared.set(sorted, sorted);
  }
  return sorted;
}

/** `found` sorted by key, with `{ absent: true }` for each of `named` it lacks. */
function withAbsent<T>(found: Record<string, T>, named: Set<string>): Record<string, T | { absent: true }> {
  for (const n of named) {
    if (found[n] == null) {
      const all: Record<string, T | { absent: true }> = { ...found };
      for (const m of named) all[m] ??= { absent: true };
      return byKey(all);
    }
  }
  return sortedByKey(found);
}

/** One host's entry: everything the facts say, plus `absent: true` for what the profile names but is not there. */
export function hostEntry(address: string, facts: HostFacts, named: ReturnType<typeof namedInProfile>): BaselineHost {
  const services: BaselineHost['services'] = { ...facts.services };
  for (const s of named.services) services[s] ??= { absent: true };
  return {
    address,
    os: { id: facts.os.id, version_id: facts.os.versionId, pretty_name: facts.os.prettyName },
    arch: facts.arch,
    kernel: facts.kernel,
    package_manager: facts.packageManager,
    packages: sortedByKey(facts.packages),
    users: withAbsent(facts.users, named.users),
    groups: withAbsent(facts.groups, named.groups),
    services: byKey(services),
    ports: facts.ports.map((p) => ({ proto: p.proto, address: p.address, port: p.port })),
    env: byKey(facts.env),
    files: byKey(Object.fromEntries([...named.files].map((f) => [f, fileEntry(facts.paths[f])]))),
    directories: byKey(Object.fromEntries([...named.directories].map((d) => [d, directoryEntry(facts.paths[d])]))),
  };
}

export interface CaptureOptions {
  runId?: string;
  now?: Date;
}

/** The address a baseline records for a machine: host:port for SSH machines. */
export function addressOf(m: Profile['machines'][number], t?: Transport): string {
  return m.ssh ? `${m.ssh.host}:${m.ssh.port}` : (t?.target ?? m.name);
}

const SHARED_LISTS = ['packages', 'users', 'groups'] as const;
const hostHeadSchema = z.omit(baselineHostSchema, { packages: true, users: true, groups: true });
const validShared = new WeakSet<object>();

/**
 * baselineHostSchema.parse(host), with each shared list (shared-value.ts) checked once for every host
 * that shares it rather than once per host. What fails is reported by the whole schema, as before.
 */
export function parseCapturedHost(host: BaselineHost): BaselineHost {
  if (!SHARED_LISTS.some((k) => isShared(host[k]))) return baselineHostSchema.parse(host);
  const head = hostHeadSchema.safeParse(host);
  const lists: Partial<Pick<BaselineHost, (typeof SHARED_LISTS)[number]>> = {};
  let ok = head.success;
  for (const k of SHARED_LISTS) {
    const v = host[k];
    if (!ok) break;
    if (isShared(v) && validShared.has(v)) {
      (lists as Record<string, unknown>)[k] = v;
      continue;
    }
    const r = baselineHostSchema.shape[k].safeParse(v);
    ok = r.success;
    if (ok && isShared(v)) validShared.add(v);
    (lists as Record<string, unknown>)[k] = isShared(v) ? v : r.data;
  }
  if (!ok || !head.success) return baselineHostSchema.parse(host);
  return { ...head.data, ...lists } as BaselineHost;
}

/** One machine's entry: its read-only facts probe (one round-trip) and what the profile names. */
export async function captureHost(m: Profile['machines'][number], t: Transport): Promise<{ host: BaselineHost; packages: number }> {
  const named = namedInProfile(m.resources);
  const facts = await gatherFacts(t, [...named.files, ...named.directories], m.ssh ? { timeoutMs: m.ssh.commandTimeoutMs } : {});
  return { host: hostEntry(addressOf(m, t), facts, named), packages: Object.keys(facts.packages).length };
}

/**
 * Probes every machine of the profile (in parallel) and builds the baseline. Only the read-only facts
 * probe runs on the hosts: capture NEVER writes to them. Fails, naming each machine, if any could not
 * be captured (a baseline missing a host would read as "that host has nothing").
 */
export async function captureBaseline(
  profile: Profile,
  transports: Map<string, Transport | Error>,
  emit: EventSink,
  opts: CaptureOptions = {},
): Promise<Baseline> {
  const runId = opts.runId ?? 'capture';
  const hosts: Record<string, BaselineHost> = {};
  const failures: string[] = [];
  await Promise.all(
    profile.machines.map(async (m) => {
      const base = { type: 'machine', runId, machine: m.name, phase: 'probe' } as const;
      emit({ ...base, status: 'start', detail: 'gathering facts (read-only)' });
      try {
        const t = transports.get(m.name);
        if (!t) throw new BaselineError(`no connection to machine ${m.name}`, { where: m.name });
        if (t instanceof Error) throw t;
        const started = Date.now();
        const { host, packages } = await captureHost(m, t);
        hosts[m.name] = host;
        emit({ ...base, status: 'done', detail: `${packages} packages, facts in ${Date.now() - started} ms` });
      } catch (err) {
        failures.push(`${m.name}: ${err instanceof Error ? err.message : String(err)}`);
        emit({ ...base, status: 'failed', error: toErrorInfo(err) });
      }
    }),
  );
  if (failures.length) {
    throw new BaselineError(`could not capture ${failures.length} of ${profile.machines.length} machines of ${profile.name}`, {
      details: { failures: failures.sort() },
      hint: 'fix the connection problems above and capture again; no baseline was written',
    });
  }
  return { format: BASELINE_FORMAT, profile: profile.name, captured_at: (opts.now ?? new Date()).toISOString(), hosts: byKey(hosts) };
}

/** What the production guard needs of a baseline: its hosts' addresses (capture has no more in hand). */
export type AddressBook = Pick<Baseline, 'profile' | 'captured_at' | 'not_captured'> & { format?: string; hosts: Record<string, { address: string }> };

/** Every host a baseline names, captured or not, with its address (the production guard protects them all). */
export function everyBaselineHost(b: AddressBook): { host: string; address: string }[] {
  return [...Object.entries(b.hosts), ...Object.entries(b.not_captured ?? {})].map(([host, h]) => ({ host, address: h.address }));
}

/** Stable YAML: fixed field order, every map sorted by key, no line folding (diffs stay line-sized). */
export function serializeBaseline(b: Baseline): string {
  const hosts = new Map(Object.entries(b.hosts).map(([name, h]) => [name, hostYaml(name, h)]));
  return baselineText(b, hosts);
}

/** One host's lines of a baseline (under `hosts:`): what capture keeps of a host once it is probed. */
export function hostYaml(name: string, h: BaselineHost): string {
  return yamlMap({ [name]: canonicalHost(h) }, '  ');
}

/** hostYaml's text in chunks (yamlChunks): what capture keeps of each host of a fleet until it writes them. */
export function hostYamlChunks(name: string, h: BaselineHost): string[] {
  return yamlChunks({ [name]: canonicalHost(h) }, '  ');
}

/** The baseline file from its header fields and each host's lines (from hostYaml), hosts sorted by name. */
export function baselineText(b: Pick<Baseline, 'format' | 'profile' | 'captured_at' | 'not_captured'>, hosts: Map<string, string>): string {
  return baselineChunks(b, hosts).join('');
}

/** baselineText in chunks (each host's lines as hostYamlChunks gave them), to be written one after the other. */
export function baselineChunks(b: Pick<Baseline, 'format' | 'profile' | 'captured_at' | 'not_captured'>, hosts: Map<string, string | string[]>): string[] {
  const names = [...hosts.keys()].sort((a, c) => (a < c ? -1 : a > c ? 1 : 0));
  const body = ['# Prodlike baseline: production as captured by `prodlike capture` (read-only). Keep it in git.\n', yamlMap({ format: b.format, profile: b.profile, captured_at: b.captured_at })];
  if (names.length === 0) body.push('hosts: {}\n');
  else {
    body.push('hosts:\n');
    for (const name of names) body.push(...[hosts.get(name)!].flat());
  }
  if (b.not_captured && Object.keys(b.not_captured).length) body.push(yamlMap({ not_captured: byKey(b.not_captured) }));
  return body;
}

function canonicalHost(h: BaselineHost): BaselineHost {
  return {
    address: h.address,
    os: { id: h.os.id, version_id: h.os.version_id, pretty_name: h.os.pretty_name },
    arch: h.arch,
    kernel: h.kernel,
    package_manager: h.package_manager,
    packages: sortedByKey(h.packages),
    users: sortedByKey(h.users),
    groups: sortedByKey(h.groups),
    services: byKey(h.services),
    ports: [...h.ports].sort((a, b) => (a.proto < b.proto ? -1 : a.proto > b.proto ? 1 : a.port - b.port || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))),
    env: byKey(h.env),
    files: byKey(h.files),
    directories: byKey(h.directories),
  };
}

export async function writeBaseline(file: string, baseline: Baseline): Promise<void> {
  await writeFileAtomic(file, serializeBaseline(baselineSchema.parse(baseline)), 0o644);
}

export async function readBaseline(file: string): Promise<Baseline> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new BaselineError(`cannot read the baseline ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { where: file });
  }
  return parseBaseline(text, file);
}

/** Parses and validates baseline text; every error names file:line:col. */
export function parseBaseline(text: string, file: string): Baseline {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const { line, col } = lc.linePos(offset ?? 0);
    return `${file}:${line}:${col}`;
  };
  const first = doc.errors[0];
  if (first) {
    const where = at(first.pos[0]);
    throw new BaselineError(`${where}: the baseline is not valid YAML: ${first.message.split('\n')[0]}`, { where });
  }
  const data: unknown = doc.toJS();
  const format = data && typeof data === 'object' ? (data as Record<string, unknown>).format : undefined;
  const m = typeof format === 'string' ? /^prodlike-baseline\/(\d+)$/.exec(format) : null;
  if (!m) {
    const where = at(nodeOffset(doc, ['format']));
    throw new BaselineError(`${where}: not a Prodlike baseline: expected format: ${BASELINE_FORMAT}, found ${format === undefined ? 'no format' : JSON.stringify(format)}`, { where });
  }
  if (Number(m[1]) > BASELINE_VERSION) {
    const where = at(nodeOffset(doc, ['format']));
    throw new BaselineError(`${where}: ${file} was written by a newer Prodlike (${format}); upgrade Prodlike to read it`, {
      where,
      hint: `this Prodlike reads ${BASELINE_FORMAT}`,
    });
  }
  const parsed = baselineSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const where = at(nodeOffset(doc, path));
    const name = path.length ? path.join('.') : 'the document';
    throw new BaselineError(`${where}: ${name}: ${issue.message}`, { where, details: { path } });
  }
  return parsed.data;
}

/** Offset of the deepest node that exists along `path` (a missing key points at its parent map). */
function nodeOffset(doc: Document, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return range[0];
  }
  return undefined;
}

/**
 * Baseline files kept beside the profiles: in the profile folders and their `baselines/` siblings (where
 * `prodlike capture … --out baselines/…` puts them). Unreadable and malformed ones are skipped: the
 * commands that read a baseline report those (the production guard uses scanBaselines, which does not skip).
 */
export async function findBaselines(folders: string[]): Promise<{ file: string; baseline: Baseline }[]> {
  const dirs = [...new Set(folders.flatMap((f) => [path.resolve(f), path.resolve(f, '..', 'baselines')]))];
  return (await scanBaselines(dirs.map((dir) => ({ dir, recursive: true })))).found;
}

export interface BaselineScan {
  found: { file: string; baseline: Baseline }[];
  /** Files and folders that could not be read, and baselines that do not parse: what they are is unknown. */
  problems: { file: string; message: string }[];
}

/**
 * Every baseline in `dirs` (recursively where asked; dot-folders and node_modules skipped), with what
 * could not be read. A folder that does not exist is not a problem; one that cannot be listed is.
 */
export async function scanBaselines(dirs: { dir: string; recursive: boolean }[]): Promise<BaselineScan> {
  const scan: BaselineScan = { found: [], problems: [] };
  const files = new Set<string>();
  const walk = async (dir: string, recursive: boolean, top: boolean) => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (top && (code === 'ENOENT' || code === 'ENOTDIR')) return;
      scan.problems.push({ file: dir, message: `the folder ${dir} cannot be listed (${code ?? err})` });
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = path.join(dir, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && (await fs.stat(full).then((s) => s.isDirectory(), () => false)));
      if (isDir) {
        if (recursive && !e.isSymbolicLink()) await walk(full, true, false);
      } else if (/\.ya?ml$/i.test(e.name)) files.add(full);
    }
  };
  const seen = new Set<string>();
  for (const { dir, recursive } of dirs) {
    const abs = path.resolve(dir);
    const key = `${abs}\0${recursive}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await walk(abs, recursive, true);
  }
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      scan.problems.push({ file, message: `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})` });
      continue;
    }
    if (!/^format:\s*["']?prodlike-baseline\//m.test(text)) continue;
    try {
      scan.found.push({ file, baseline: parseBaseline(text, file) });
    } catch (err) {
      scan.problems.push({ file, message: `the baseline ${file} does not parse: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return scan;
}
