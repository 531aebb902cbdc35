// The production guard: runs that write (up, use, reconcile) refuse a profile that is production by
// what it is built on or by what its connections would reach, whatever its own `role:` says.
//
// 1. Role by inheritance: a profile that extends a `role: production` profile (at any depth) is
//    production. Not even --i-know-this-is-production lets it through (see docs/decisions.md).
// 2. Addresses: an SSH machine whose connection would reach a production host is refused, unless the
//    user says --i-know-this-is-production. Hosts are compared by what they reach, not as text: names
//    are resolved, addresses normalised (`10.5`, `0x0a.0.0.5`, `::ffff:10.0.0.5` are 10.0.0.5), a
//    trailing dot or a short name (`web-1` for `web-1.shop.internal`) is the same host, and every
//    loopback address is this machine. The check runs twice: here, before the run, for a clear error;
//    and in ssh-connection.ts on the address ssh2 is about to connect to (connectGuard).
//
// Where production hosts come from:
// - the baseline given to the run (`reconcile --against`);
// - every capture of a `role: production` profile made on this machine (production-hosts.json in the
//   data folder), so a baseline stored elsewhere still protects its hosts;
// - baselines and `role: production` profiles in the profile tree: the profile folders (recursively)
//   with a `baselines/` folder beside each; the folder of the profile and of every file it extends;
//   and a `baselines/` folder in each of their parents up to the repository root.
// A baseline, production profile or folder there that cannot be read makes the guard refuse: an
// unknown production host is not a reason to write.

import { lookup } from 'node:dns/promises';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Profile } from '../../../shared/profile.js';
import type { Baseline } from '../baseline-schema.js';
import { everyBaselineHost, readBaseline, scanBaselines, type AddressBook } from '../baseline.js';
import { ProdlikeError, RefusedError } from '../errors.js';
import { loadProfile } from '../profile/load.js';
import { peek } from '../profile/find.js';
import { repositoryRoot } from '../profile/project.js';
import { parseProfileText, scalarText } from '../schema/yaml-tree.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { canonicalIp, hostForm, isShortName, isThisMachine, placeOf, type ConnectGuard, type HostForm, type ResolvedEndpoint } from '../backends/ssh/address.js';

export interface ProductionAddress {
  /** host:port as in the baseline or the production profile. */
  address: string;
  /** The baseline host's name, or the production profile's machine. */
  host: string;
  /** Where we know it from: a baseline or production profile file. */
  source: string;
}

interface Registry {
  hosts: Record<string, { host: string; baseline: string; profile: string; capturedAt: string }>;
}

/** Resolves a DNS name to its addresses; [] when it does not resolve. */
export type Resolver = (name: string) => Promise<string[]>;

const registryFile = (dataDir: string) => path.join(dataDir, 'production-hosts.json');

/** "127.0.0.1:22", "[::1]:22", "Web-1.Example:22" → a readable key (the registry's). */
export function addressKey(host: string, port: number | string): string {
  return `${host.replace(/^\[|\]$/g, '').toLowerCase()}:${port}`;
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(address);
  return m ? { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) } : { host: address, port: 22 };
}

export function baselineAddresses(b: Baseline, source: string): ProductionAddress[] {
  return everyBaselineHost(b).map(({ host, address }) => ({ address, host, source }));
}

/** Remembers a production capture's hosts, so that `up` refuses them whatever becomes of the file. */
export async function registerProductionHosts(dataDir: string, b: AddressBook, baselineFile: string): Promise<void> {
  const reg = await readRegistry(dataDir);
  for (const { host, address } of everyBaselineHost(b)) {
    const { host: name, port } = splitAddress(address);
    reg.hosts[addressKey(name, port)] = { host, baseline: baselineFile, profile: b.profile, capturedAt: b.captured_at };
  }
  await writeFileAtomic(registryFile(dataDir), JSON.stringify(reg, null, 2));
}

/** The registry; a corrupt one refuses (it is a list of production hosts: losing it silently would let them through). */
async function readRegistry(dataDir: string): Promise<Registry> {
  const file = registryFile(dataDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { hosts: {} };
    throw unknownProduction(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, file);
  }
  try {
    const reg = JSON.parse(text) as Registry;
    if (reg && typeof reg.hosts === 'object' && reg.hosts !== null) return reg;
  } catch {
    // reported below
  }
  throw unknownProduction(`${file} (the production hosts of earlier captures) is not valid`, file, `restore it, or delete it and capture the production profiles again`);
}

function unknownProduction(why: string, file: string, hint?: string): RefusedError {
  return new RefusedError(`refusing to write: Prodlike cannot tell which hosts are production, because ${why}`, {
    where: file,
    hint: hint ?? `make it readable (or remove it if it is not a baseline or profile of yours); a baseline or production profile that cannot be read may name the host this run would write to`,
  });
}

// ---- the profile tree ----

/** The nearest folder at or above `dir` that is a repository root (has .git), if any. */
/**
 * Where the guard looks for baselines and production profiles. The profile folders are searched as
 * deep as they go; the folder of a profile file outside them only at its own level (it may be a
 * home folder), with the `baselines/` folders of its parents up to the repository root.
 */
export function treeFolders(profile: Pick<Profile, 'files'>, folders: string[]): { dir: string; recursive: boolean }[] {
  // The profile's own surroundings first: a refusal names the baseline beside it.
  const out: { dir: string; recursive: boolean }[] = [];
  for (const file of profile.files) {
    const dir = path.dirname(path.resolve(file));
    out.push({ dir, recursive: false }, { dir: path.join(dir, 'baselines'), recursive: true });
    const top = repositoryRoot(dir) ?? path.dirname(dir);
    for (let d = dir; d !== top && path.dirname(d) !== d; ) {
      d = path.dirname(d);
      out.push({ dir: path.join(d, 'baselines'), recursive: true });
    }
  }
  for (const f of folders.map((f) => path.resolve(f))) out.push({ dir: f, recursive: true }, { dir: path.resolve(f, '..', 'baselines'), recursive: true });
  const seen = new Set<string>();
  return out.filter((x) => {
    const k = `${x.dir}\0${x.recursive}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/** A value for unset `${env.X}` while reading a production profile's hosts: never a real host. */
const UNSET_ENV = 'prodlike-unset-env.invalid';

/** The SSH hosts (and jump hosts) a production profile names. */
async function productionProfileHosts(file: string, env: NodeJS.ProcessEnv): Promise<ProductionAddress[]> {
  // Production secrets are often not set on a developer's machine: they do not decide hosts, so an
  // unset variable is a placeholder here, and a host built from one is left out.
  const value = (t: NodeJS.ProcessEnv, k: string | symbol) => (typeof k === 'string' ? (t[k] ?? UNSET_ENV) : undefined);
  // Every name reads as set (the loader asks with Object.hasOwn, then reads).
  const lenient = new Proxy({ ...env }, {
    get: value,
    has: (_t, k) => typeof k === 'string',
    getOwnPropertyDescriptor: (t, k) => (typeof k === 'string' ? { value: value(t, k), writable: true, enumerable: true, configurable: true } : undefined),
  });
  let p: Profile;
  try {
    p = await loadProfile(file, { env: lenient });
  } catch (err) {
    throw unknownProduction(`the production profile ${file} does not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, file, 'fix the production profile (`prodlike plan` on it shows the problems), or move it out of the profile folders');
  }
  const out: ProductionAddress[] = [];
  for (const m of p.machines) {
    if (!m.ssh) continue;
    if (!m.ssh.host.includes(UNSET_ENV)) out.push({ address: `${m.ssh.host}:${m.ssh.port}`, host: m.name, source: file });
    if (m.ssh.jump && !m.ssh.jump.host.includes(UNSET_ENV)) out.push({ address: `${m.ssh.jump.host}:${m.ssh.jump.port}`, host: `${m.name}'s jump host`, source: file });
  }
  return out;
}

async function productionProfilesIn(dirs: { dir: string; recursive: boolean }[], self: string, env: NodeJS.ProcessEnv): Promise<ProductionAddress[]> {
  const files = new Set<string>();
  const list = async (dir: string, recursive: boolean) => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive) await list(full, true);
      } else if (/\.ya?ml$/i.test(e.name)) files.add(full);
    }
  };
  // Unreadable folders and files are the baseline scan's to report; here only production profiles matter.
  for (const d of dirs) await list(d.dir, d.recursive);
  const out: ProductionAddress[] = [];
  for (const file of files) {
    if (file === self) continue;
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined || !/^role:/m.test(text)) continue;
    const p = peek(file, text);
    if (p.kind === 'profile' && p.role === 'production') out.push(...(await productionProfileHosts(file, env)));
  }
  return out;
}

// ---- role by inheritance ----

/** The first file `profile` extends that is production (or whose role cannot be told), and why. */
export async function productionParent(profile: Pick<Profile, 'file' | 'files'>): Promise<{ file: string; why: string } | undefined> {
  for (const file of profile.files.filter((f) => f !== profile.file)) {
    let role: string | undefined;
    try {
      role = scalarText(parseProfileText(file, await fs.readFile(file, 'utf8')).root.entries.get('role')?.value);
    } catch (err) {
      return { file, why: `it cannot be read (${err instanceof ProdlikeError ? err.message.split('\n')[0] : ((err as NodeJS.ErrnoException).code ?? String(err))})` };
    }
    if (role === 'production') return { file, why: 'it has role: production' };
    if (role !== undefined && role !== 'dev' && role !== 'test') return { file, why: `its role: is ${JSON.stringify(role)}, not a plain dev or test` };
  }
  return undefined;
}

// ---- comparing what connections reach ----

interface KnownHost extends ProductionAddress {
  form: HostForm;
  port: number;
  /** Canonical addresses the host's name resolves to here. */
  resolved: string[];
}

const LOOKUP_TIMEOUT_MS = 5_000;

/** node:dns lookup (getaddrinfo: /etc/hosts, DNS, the search domains), every address, canonical; [] when it fails. */
export const dnsResolver: Resolver = async (name) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[]>((resolve) => (timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS)));
  try {
    const found = await Promise.race([lookup(name, { all: true, verbatim: true }).then((a) => a.map((x) => canonicalIp(x.address) ?? x.address)), timeout]);
    return found;
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
};

/** Resolves names once per guard run. */
function cached(resolve: Resolver): Resolver {
  const memo = new Map<string, Promise<string[]>>();
  return (name) => {
    let p = memo.get(name);
    if (!p) memo.set(name, (p = resolve(name).catch(() => [])));
    return p;
  };
}

async function addressesOf(host: string, resolve: Resolver): Promise<string[]> {
  const f = hostForm(host);
  return f.kind === 'ip' ? [f.ip] : [...new Set((await resolve(f.name)).map((a) => canonicalIp(a) ?? a))];
}

async function knownHosts(list: ProductionAddress[], resolve: Resolver): Promise<KnownHost[]> {
  return Promise.all(
    list.map(async (a) => {
      const { host, port } = splitAddress(a.address);
      return { ...a, form: hostForm(host), port, resolved: await addressesOf(host, resolve) };
    }),
  );
}

/** The endpoint a machine's connection goes to, resolved here (a jump host's target: as far as we can see from here). */
export async function resolveEndpoint(ssh: { host: string; port: number; jump?: { host: string; port: number } }, resolve: Resolver = dnsResolver): Promise<ResolvedEndpoint> {
  const ep: ResolvedEndpoint = { host: ssh.host, port: ssh.port, addresses: await addressesOf(ssh.host, resolve) };
  if (ssh.jump) ep.via = { host: ssh.jump.host, port: ssh.jump.port, addresses: await addressesOf(ssh.jump.host, resolve) };
  return ep;
}

export interface Match {
  prod: ProductionAddress;
  /** Why the two are one host, when the text alone does not show it; '' when they are written alike. */
  why: string;
}

/** The production host `ep` would reach, if any. Pure: the unit tests drive it with their own addresses. */
export function matchEndpoint(ep: ResolvedEndpoint, known: KnownHost[]): Match | undefined {
  const form = hostForm(ep.host);
  // Through a jump host, a loopback target is the jump host itself.
  const reached = ep.via && form.kind === 'ip' && isThisMachine(form.ip) ? { host: ep.via.host, form: hostForm(ep.via.host), addresses: ep.via.addresses } : { host: ep.host, form, addresses: ep.addresses };
  const jumpNote = reached.host !== ep.host ? ` (${ep.host} through the jump host ${ep.via!.host} is the jump host)` : '';
  for (const k of known) {
    if (k.port !== ep.port) continue;
    const prodText = splitAddress(k.address).host;
    const f = reached.form;
    if (f.kind === 'name' && k.form.kind === 'name') {
      if (f.name === k.form.name) return { prod: k, why: reached.host === prodText ? jumpNote.trim() : `${reached.host} is the name ${k.form.name}${jumpNote}` };
      const [short, long] = isShortName(f) ? [f.name, k.form.name] : isShortName(k.form) ? [k.form.name, f.name] : [];
      if (short && long && long.split('.')[0] === short) return { prod: k, why: `${short} is the short name of ${long}${jumpNote}` };
    }
    if (f.kind === 'ip' && k.form.kind === 'ip' && placeOf(f.ip) === placeOf(k.form.ip)) {
      if (reached.host === prodText) return { prod: k, why: jumpNote.trim() };
      const why = f.ip === k.form.ip ? `${reached.host} is the address ${f.ip}` : `${reached.host} and ${prodText} both reach this machine`;
      return { prod: k, why: why + jumpNote };
    }
    const mine = new Map([...(f.kind === 'ip' ? [f.ip] : []), ...reached.addresses].map((a) => [placeOf(a), a]));
    const theirs = new Map([...(k.form.kind === 'ip' ? [k.form.ip] : []), ...k.resolved].map((a) => [placeOf(a), a]));
    for (const [place, a] of mine) {
      const b = theirs.get(place);
      if (b === undefined) continue;
      const mineResolved = !(f.kind === 'ip' && f.ip === a);
      const theirsResolved = !(k.form.kind === 'ip' && k.form.ip === b);
      const same = a === b ? '' : ', both this machine';
      let why: string;
      if (!mineResolved) why = `${reached.host === a ? '' : `${reached.host} is the address ${a}, and `}${prodText} resolves to ${b}${same}`;
      else if (!theirsResolved) why = a === b ? `${reached.host} resolves to ${a}, the production address` : `${reached.host} resolves to ${a}${same}`;
      else why = a === b ? `${reached.host} resolves to ${a}, as ${prodText} does` : `${reached.host} resolves to ${a} and ${prodText} to ${b}${same}`;
      return { prod: k, why: why + jumpNote };
    }
  }
  return undefined;
}

// ---- the guard ----

export interface GuardOptions {
  dataDir: string;
  folders: string[];
  allowProductionHosts: boolean;
  /** The run's baseline (reconcile --against): its hosts are production too. */
  baselineFile?: string;
  /** Told when the guard is overridden, so the run's log says so. */
  warn?: (text: string) => void;
  /** For production profiles' `${env.X}`; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Name resolution; default node:dns lookup. Tests inject their own. */
  resolve?: Resolver;
}

/** Every production host the guard knows of for `profile`; throws when a source cannot be read. */
export async function productionAddresses(profile: Pick<Profile, 'file' | 'files'>, opts: Pick<GuardOptions, 'dataDir' | 'folders' | 'baselineFile' | 'env'>): Promise<ProductionAddress[]> {
  const out: ProductionAddress[] = [];
  if (opts.baselineFile) out.push(...baselineAddresses(await readBaseline(opts.baselineFile), opts.baselineFile));
  const reg = await readRegistry(opts.dataDir);
  for (const [address, r] of Object.entries(reg.hosts)) out.push({ address, host: r.host, source: r.baseline });
  const dirs = treeFolders(profile, opts.folders);
  const scan = await scanBaselines(dirs);
  const problem = scan.problems[0];
  if (problem) throw unknownProduction(problem.message, problem.file, `${scan.problems.length > 1 ? `(and ${scan.problems.length - 1} more) ` : ''}make it readable and valid, or move it out of the profile tree, then run again; a baseline that cannot be read may list the host this run would write to`);
  for (const { file, baseline } of scan.found) out.push(...baselineAddresses(baseline, file));
  out.push(...(await productionProfilesIn(dirs, profile.file, opts.env ?? process.env)));
  return out;
}

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;
const endpointText = (ep: ResolvedEndpoint) => `${hostPort(ep.host, ep.port)}${ep.via ? ` via ${hostPort(ep.via.host, ep.via.port)}` : ''}`;

/** "db (10.5:22) is production host web-1 in baselines/prod.yaml (10.5 is the address 10.0.0.5)" */
function describeHit(subject: string, m: Match): string {
  return `${subject} is production host ${m.prod.host} in ${m.prod.source}${m.why ? ` (${m.why})` : ''}`;
}

const OVERRIDE_HINT = 'point the machine at a non-production host; if you really mean to write to it, add --i-know-this-is-production';

/**
 * The machines a read-only run (plan, drift) must treat as production, so that nothing but Prodlike's
 * own probe runs on them: all of a production profile's (by role or by inheritance), and each SSH
 * machine whose address a production source names. Never throws: when a source cannot be read, every
 * SSH machine counts as production (read-only runs still work; they only skip the user's guards).
 */
export async function productionMachines(profile: Profile, opts: Pick<GuardOptions, 'dataDir' | 'folders' | 'env' | 'resolve'>): Promise<Set<string>> {
  if (profile.role === 'production' || (await productionParent(profile).catch(() => ({ file: '', why: '' })))) return new Set(profile.machines.map((m) => m.name));
  const ssh = profile.machines.filter((m) => m.ssh);
  if (ssh.length === 0) return new Set();
  const resolve = cached(opts.resolve ?? dnsResolver);
  try {
    const known = await knownHosts(await productionAddresses(profile, opts), resolve);
    const hits = await Promise.all(ssh.map(async (m) => (matchEndpoint(await resolveEndpoint(m.ssh!, resolve), known) ? m.name : undefined)));
    return new Set(hits.filter((n): n is string => n !== undefined));
  } catch {
    return new Set(ssh.map((m) => m.name));
  }
}

/**
 * Throws a RefusedError when the profile is production by inheritance, or when a machine points at a
 * production host. Returns the guard for ssh-connection.ts to run on the address it is about to
 * connect to (names may resolve differently by then).
 */
export async function guardProductionHosts(profile: Profile, opts: GuardOptions): Promise<ConnectGuard> {
  const parent = await productionParent(profile);
  if (parent) {
    throw new RefusedError(
      `refusing to write to production: profile ${profile.name} extends ${parent.file}, and ${parent.why}; a profile built on a production profile is production, whatever its own role: says (it says ${profile.role})`,
      {
        where: profile.file,
        hint: `capture, plan and drift work on it (read-only); to write, use a profile that does not extend ${path.basename(parent.file)} (copy what you need into it). --i-know-this-is-production does not apply to this.`,
        details: { extends: parent.file },
      },
    );
  }
  const resolve = cached(opts.resolve ?? dnsResolver);
  const ssh = profile.machines.filter((m) => m.ssh);
  const known = ssh.length ? await knownHosts(await productionAddresses(profile, opts), resolve) : [];
  const warned = new Set<string>();
  const overridden = (endpoint: string, line: string) => {
    if (warned.has(endpoint)) return;
    warned.add(endpoint);
    opts.warn?.(`--i-know-this-is-production: writing to ${line}`);
  };
  const hits: { machine: string; endpoint: string; line: string }[] = [];
  for (const m of ssh) {
    const ep = await resolveEndpoint(m.ssh!, resolve);
    const hit = matchEndpoint(ep, known);
    if (hit) hits.push({ machine: m.name, endpoint: endpointText(ep), line: describeHit(`${m.name} (${endpointText(ep)})`, hit) });
  }
  if (hits.length && !opts.allowProductionHosts) {
    throw new RefusedError(`refusing to write to production: ${hits.map((h) => h.line).join('; ')}`, {
      where: profile.file,
      hint: OVERRIDE_HINT,
      details: { machines: hits.map((h) => h.machine) },
    });
  }
  for (const h of hits) overridden(h.endpoint, h.line);
  return (ep) => {
    const hit = matchEndpoint(ep, known);
    if (!hit) return;
    const line = describeHit(`${endpointText(ep)}, resolved to ${ep.addresses.join(', ') || 'no address here'} just before connecting,`, hit);
    if (opts.allowProductionHosts) return overridden(endpointText(ep), line);
    throw new RefusedError(`refusing to write to production: ${line}`, { where: hostPort(ep.host, ep.port), hint: OVERRIDE_HINT });
  };
}
