// Compose services → profile machines, without touching the disk (files such as env_file are read
// through `readText`). Each service key is carried over, or listed as a note with its position: what
// the profile format cannot express is never dropped silently.

import path from 'node:path';
import type { SourcePos } from '../../../shared/profile.js';
import { parsePort } from '../profile/docker-values.js';
import { scalarText, type MapNode, type PNode } from '../schema/yaml-tree.js';
import { parseDotEnv } from './compose-interpolate.js';
import type { ComposeProject, ComposeService } from './compose-read.js';
import { ENV_REF, type ImportedMachine, type ImportedProfile, type ImportNote } from './import-types.js';
import { SECRET_NAME } from '../facts/index.js';

export interface MapOptions {
  /** Compose profiles to enable (`--profile`); services in other profiles are left out, and listed. */
  activeProfiles: string[];
  /** The folder the profile is written to: relative paths in it are relative to this folder. */
  outDir: string;
  /** Reads a file named by the Compose file (env_file); undefined when it does not exist. */
  readText: (file: string) => Promise<string | undefined>;
}

/** Why each unsupported service key is left out, and what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  container_name: 'Prodlike names containers <profile>-<machine>; other containers reach this one by its machine name and aliases',
  restart: 'Prodlike does not restart containers by itself; `prodlike up` starts them again',
  deploy: 'replicas and resource limits are not part of the profile format',
  labels: 'Prodlike sets its own labels (prodlike.profile, prodlike.machine); others are not supported',
  logging: 'containers log with the engine\'s default driver',
  network_mode: 'every machine joins the profile\'s own network',
  cap_add: 'capabilities are not supported (privileged: true gives all of them, and needs `prodlike allow`)',
  cap_drop: 'capabilities are not supported',
  devices: 'devices are not supported',
  ulimits: 'ulimits are not supported',
  sysctls: 'sysctls are not supported',
  extra_hosts: 'extra /etc/hosts entries are not supported: add a `line:` resource for /etc/hosts',
  dns: 'custom DNS servers are not supported',
  dns_search: 'custom DNS search domains are not supported',
  secrets: 'Compose secrets are not supported: reference the value with ${env.NAME} in env:, or add a file: resource',
  configs: 'Compose configs are not supported: add a file: resource with the content',
  platform: 'the engine\'s own platform is used',
  pull_policy: 'images are used when present, else pulled (or built)',
  stop_signal: 'containers stop with SIGTERM through their init',
  stop_grace_period: 'containers stop within 3 s (they run under an init)',
  shm_size: 'shm_size is not supported',
  tmpfs: 'tmpfs mounts are not supported',
  security_opt: 'security options are not supported',
  stdin_open: 'an interactive stdin is not kept open (use `prodlike ssh` for a shell)',
  tty: 'no terminal is allocated (use `prodlike ssh` for a shell)',
  pid: 'pid namespaces are not supported',
  ipc: 'ipc namespaces are not supported',
  mem_limit: 'memory limits are not supported',
  memswap_limit: 'memory limits are not supported',
  cpus: 'CPU limits are not supported',
  cpu_shares: 'CPU limits are not supported',
  links: 'links are not needed: machines reach each other by name on the profile network',
  external_links: 'external links are not supported',
  domainname: 'domainname is not supported',
  mac_address: 'mac_address is not supported',
  userns_mode: 'userns_mode is not supported',
  group_add: 'group_add is not supported: add a user: resource with groups:',
  develop: 'Compose Watch is not supported',
  scale: 'one container per machine',
  annotations: 'annotations are not supported',
  attach: 'attach is not supported',
  cgroup_parent: 'cgroup_parent is not supported',
  volumes_from: 'volumes_from is not supported: name the volumes in each machine',
  expose: 'not needed: machines on the profile network reach each other\'s ports',
  oom_score_adj: 'oom_score_adj is not supported',
  read_only: 'read-only root file systems are not supported (Prodlike configures the machine)',
  runtime: 'runtime is not supported',
  storage_opt: 'storage_opt is not supported',
  userns: 'userns is not supported',
  post_start: 'lifecycle hooks are not supported: add a command: resource',
  pre_stop: 'lifecycle hooks are not supported',
};

const HANDLED = new Set(['image', 'build', 'ports', 'environment', 'env_file', 'volumes', 'command', 'entrypoint', 'working_dir', 'user', 'healthcheck', 'depends_on', 'networks', 'profiles', 'hostname', 'privileged', 'init']);

export async function mapCompose(project: ComposeProject, opts: MapOptions): Promise<ImportedProfile> {
  const notes: ImportNote[] = [];
  const note = (pos: SourcePos, service: string | undefined, key: string, message: string) => notes.push({ pos, ...(service ? { service } : {}), key, message });

  // Services left out by their Compose profiles: listed, and their dependants do not wait for them.
  const enabled = new Map<string, ComposeService>();
  for (const [name, svc] of project.services) {
    const profiles = strings(svc.node.entries.get('profiles')?.value);
    if (profiles.length && !profiles.some((p) => opts.activeProfiles.includes(p))) {
      note(svc.keyPos, name, 'profiles', `service not imported: it is in Compose profile(s) ${profiles.join(', ')}; import with --profile ${profiles[0]} to include it`);
      continue;
    }
    enabled.set(name, svc);
  }
  const machineNames = assignNames([...enabled.keys()]);

  const machines: ImportedMachine[] = [];
  for (const [name, svc] of enabled) {
    machines.push(await mapService(project, svc, machineNames, opts, (p, key, message) => note(p, name, key, message)));
  }

  for (const key of ['secrets', 'configs', 'include'] as const) {
    const t = project.top.get(key);
    if (t) note(t.keyPos, undefined, key, key === 'include' ? 'include is not supported: import each included file on its own, or list them after the main file' : UNSUPPORTED[key]!);
  }
  const vols = project.top.get('volumes')?.node;
  if (vols?.t === 'map') {
    for (const [vname, e] of vols.entries) {
      if (e.value.t !== 'map') continue;
      for (const [k, v] of e.value.entries) {
        if (k === 'external' && v.value.t === 'scalar' && v.value.value === true) note(v.keyPos, undefined, `volumes.${vname}.external`, `volume ${vname} is external in Compose; Prodlike makes its own labelled volume <profile>_${vname} (empty at first)`);
        else if (k !== 'labels') note(v.keyPos, undefined, `volumes.${vname}.${k}`, `volume options are not supported; Prodlike makes a plain local volume <profile>_${vname}`);
      }
    }
  }
  const nets = project.top.get('networks')?.node;
  if (nets?.t === 'map') {
    for (const [nname, e] of nets.entries) {
      if (e.value.t === 'map' && e.value.entries.size) note(e.keyPos, undefined, `networks.${nname}`, 'network options are not supported: every machine joins the profile\'s one network');
    }
  }

  const files = project.files.map((f) => fromProfile(opts.outDir, f)).join(', ');
  notes.sort((a, b) => (a.pos.file === b.pos.file ? a.pos.line - b.pos.line || a.pos.col - b.pos.col : a.pos.file < b.pos.file ? -1 : 1));
  return { name: project.name, description: `Imported from ${files}`, machines, notes, envRefs: [...project.envRefs].sort() };
}

/** Service names → machine names ([a-z0-9-]); a name that changes keeps the service's as an alias. */
function assignNames(services: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const s of services) {
    let base = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'service';
    if (!/^[a-z0-9]/.test(base)) base = `s${base}`;
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
    taken.add(name);
    out.set(s, name);
  }
  return out;
}

type Note = (pos: SourcePos, key: string, message: string) => void;

async function mapService(project: ComposeProject, svc: ComposeService, names: Map<string, string>, opts: MapOptions, note: Note): Promise<ImportedMachine> {
  const n = svc.node;
  const folder = path.dirname(svc.file);
  const rel = (p: string) => relativeTo(opts.outDir, path.resolve(folder, p));
  const docker: Record<string, unknown> = {};
  const comments = [`service "${svc.name}" from ${fromProfile(opts.outDir, svc.file)}:${svc.keyPos.line}`];
  const value = (k: string) => n.entries.get(k)?.value;
  const keyPos = (k: string) => n.entries.get(k)!.keyPos;

  const image = scalarText(value('image'));
  if (image !== undefined) docker.image = image;
  const build = value('build');
  if (build) docker.build = mapBuild(build, rel, note);

  // Compose runs the image's own command; Prodlike's default would be `sleep infinity`.
  const command = value('command');
  const entrypoint = value('entrypoint');
  if (command && !isNull(command)) docker.command = commandList(command);
  if (entrypoint && !isNull(entrypoint)) docker.entrypoint = commandList(entrypoint);
  if (!docker.command && !docker.entrypoint) docker.keep_alive = false;

  const ports = value('ports');
  if (ports?.t === 'seq') {
    const out: string[] = [];
    for (const p of ports.items) {
      const spec = portSpec(p, note);
      if (spec !== undefined) out.push(spec);
    }
    if (out.length) docker.ports = out;
  }

  const env = await mapEnvironment(project, svc, opts, note, comments);
  if (Object.keys(env).length) docker.env = env;

  const volumes = value('volumes');
  if (volumes?.t === 'seq') {
    const out: string[] = [];
    for (const v of volumes.items) {
      const spec = volumeSpec(v, rel, note);
      if (spec !== undefined) out.push(spec);
    }
    if (out.length) docker.volumes = out;
  }

  const workdir = scalarText(value('working_dir'));
  if (workdir) docker.working_dir = workdir;
  const user = scalarText(value('user'));
  if (user) docker.user = user;
  const hostname = scalarText(value('hostname'));
  if (hostname) docker.hostname = hostname;
  const privileged = value('privileged');
  if (privileged?.t === 'scalar' && privileged.value === true) docker.privileged = true;
  const init = value('init');
  if (init?.t === 'scalar' && init.value === false) note(keyPos('init'), 'init', 'Prodlike always runs an init as PID 1 (so that stop is immediate)');

  const hc = value('healthcheck');
  if (hc?.t === 'map') docker.healthcheck = mapHealthcheck(hc, note);

  const deps = value('depends_on');
  if (deps) {
    const d = mapDependsOn(deps, names, note);
    if (d) docker.depends_on = d;
  }

  const aliases = new Set<string>();
  const machine = names.get(svc.name)!;
  if (machine !== svc.name && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(svc.name)) aliases.add(svc.name);
  const networks = value('networks');
  if (networks) {
    const list = networks.t === 'seq' ? strings(networks) : networks.t === 'map' ? [...networks.entries.keys()] : [];
    if (list.length > 1 || (list.length === 1 && list[0] !== 'default')) {
      note(keyPos('networks'), 'networks', `networks ${list.join(', ')}: every machine joins the profile's one network (all of them reach each other)`);
    }
    if (networks.t === 'map') {
      for (const [net, e] of networks.entries) {
        if (e.value.t !== 'map') continue;
        for (const [k, v] of e.value.entries) {
          if (k === 'aliases') for (const a of strings(v.value)) aliases.add(a);
          else note(v.keyPos, `networks.${net}.${k}`, 'per-network settings other than aliases are not supported');
        }
      }
    }
  }
  if (aliases.size) docker.aliases = [...aliases];

  for (const [k, e] of n.entries) {
    if (HANDLED.has(k) || k.startsWith('x-')) continue;
    note(e.keyPos, k, UNSUPPORTED[k] ?? `"${k}" is not supported by the profile format`);
  }
  if (!docker.image && !docker.build) note(svc.keyPos, 'image', 'the service has neither image: nor build:; give the machine an image');
  return { name: machine, comments, docker, resources: [] };
}

function isNull(n: PNode): boolean {
  return n.t === 'scalar' && n.value === null;
}

/** Strings of a list (or one string); other items are skipped. */
function strings(n: PNode | undefined): string[] {
  if (!n) return [];
  if (n.t === 'scalar') return scalarText(n) !== undefined ? [scalarText(n)!] : [];
  if (n.t === 'seq') return n.items.map(scalarText).filter((s): s is string => s !== undefined);
  return [];
}

/** A file as a comment in the profile names it: relative to the profile's folder (where it is read). */
export function fromProfile(outDir: string, file: string): string {
  const r = path.relative(outDir, file);
  return r && !path.isAbsolute(r) ? r : file;
}

/** A path as the profile writes it: relative to its folder (`./x`, `../x`), absolute when far away. */
export function relativeTo(outDir: string, abs: string): string {
  const r = path.relative(outDir, abs);
  if (!r) return '.';
  if (path.isAbsolute(r)) return abs;
  return r.startsWith('..') ? r : `./${r}`;
}

function mapBuild(n: PNode, rel: (p: string) => string, note: Note): unknown {
  if (n.t === 'scalar') return rel(scalarText(n) ?? '.');
  if (n.t !== 'map') return undefined;
  const out: Record<string, unknown> = { context: rel(scalarText(n.entries.get('context')?.value) ?? '.') };
  for (const [k, e] of n.entries) {
    if (k === 'context') continue;
    if (k === 'dockerfile') out.dockerfile = scalarText(e.value);
    else if (k === 'target') out.target = scalarText(e.value);
    else if (k === 'args') {
      const args: Record<string, string> = {};
      if (e.value.t === 'map') for (const [a, v] of e.value.entries) args[a] = scalarText(v.value) ?? '';
      else for (const item of strings(e.value)) {
        const eq = item.indexOf('=');
        if (eq > 0) args[item.slice(0, eq)] = item.slice(eq + 1);
        else note(e.keyPos, 'build.args', `build arg ${item} has no value here (Compose would take it from the environment); give it one`);
      }
      out.args = args;
    } else note(e.keyPos, `build.${k}`, `build.${k} is not supported: the build uses context, dockerfile, args and target`);
  }
  return out;
}

/** Compose's string form of command/entrypoint is split into words (not run by a shell). */
function commandList(n: PNode): string[] {
  if (n.t === 'seq') return strings(n);
  return splitWords(scalarText(n) ?? '');
}

/** Shell-like word splitting (quotes and backslashes), as Compose does for a command string. */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

function portSpec(n: PNode, note: Note): string | undefined {
  let spec: string | undefined;
  if (n.t === 'scalar') spec = scalarText(n);
  else if (n.t === 'map') {
    const get = (k: string) => scalarText(n.entries.get(k)?.value);
    const target = get('target');
    if (!target) {
      note(n.pos, 'ports', 'a long-syntax port needs target:');
      return undefined;
    }
    const published = get('published');
    const ip = get('host_ip');
    const proto = get('protocol');
    for (const [k, e] of n.entries) {
      if (!['target', 'published', 'host_ip', 'protocol'].includes(k)) note(e.keyPos, `ports.${k}`, `port option ${k} is not supported`);
    }
    const ipText = ip ? (ip.includes(':') ? `[${ip}]:` : `${ip}:`) : '';
    spec = `${ipText}${published ? `${published}:` : ip ? ':' : ''}${target}${proto && proto !== 'tcp' ? `/${proto}` : ''}`;
  }
  if (spec === undefined) return undefined;
  try {
    parsePort(spec);
    return spec;
  } catch (err) {
    note(n.pos, 'ports', `${(err as Error).message}: not imported`);
    return undefined;
  }
}

const VOLUME_MODES = new Set(['ro', 'rw']);

function volumeSpec(n: PNode, rel: (p: string) => string, note: Note): string | undefined {
  let source: string | undefined;
  let target: string | undefined;
  let readOnly = false;
  if (n.t === 'scalar') {
    const text = scalarText(n) ?? '';
    const parts = text.split(':');
    if (parts.length === 1) target = parts[0];
    else {
      [source, target] = parts as [string, string];
      for (const mode of (parts[2] ?? '').split(',').filter(Boolean)) {
        if (mode === 'ro') readOnly = true;
        else if (!VOLUME_MODES.has(mode)) note(n.pos, 'volumes', `volume option "${mode}" is not supported (left out of ${text})`);
      }
    }
  } else if (n.t === 'map') {
    const type = scalarText(n.entries.get('type')?.value) ?? 'volume';
    if (type !== 'volume' && type !== 'bind') {
      note(n.pos, 'volumes', `${type} mounts are not supported`);
      return undefined;
    }
    source = scalarText(n.entries.get('source')?.value);
    target = scalarText(n.entries.get('target')?.value);
    const ro = n.entries.get('read_only')?.value;
    readOnly = ro?.t === 'scalar' && ro.value === true;
    for (const [k, e] of n.entries) {
      if (!['type', 'source', 'target', 'read_only'].includes(k)) note(e.keyPos, `volumes.${k}`, `volume option ${k} is not supported`);
    }
  }
  if (!target) {
    note(n.pos, 'volumes', 'a volume needs a target path');
    return undefined;
  }
  // A relative host path is relative to the Compose file; the profile's are relative to the profile.
  if (source && /^\.\.?(\/|$)/.test(source)) source = rel(source);
  return `${source ? `${source}:` : ''}${target}${readOnly ? ':ro' : ''}`;
}

function mapHealthcheck(n: MapNode, note: Note): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, e] of n.entries) {
    const v = e.value;
    if (k === 'test') out.test = v.t === 'seq' ? strings(v) : scalarText(v);
    else if (k === 'interval' || k === 'timeout' || k === 'start_period') out[k] = scalarText(v);
    else if (k === 'retries') out.retries = v.t === 'scalar' ? Number(v.value) : undefined;
    else if (k === 'disable') out.disable = v.t === 'scalar' && v.value === true;
    else note(e.keyPos, `healthcheck.${k}`, `healthcheck.${k} is not supported`);
  }
  return out;
}

function mapDependsOn(n: PNode, names: Map<string, string>, note: Note): unknown {
  const known = (s: string, pos: SourcePos) => {
    if (names.has(s)) return true;
    note(pos, 'depends_on', `depends on ${s}, which is not imported: the machine does not wait for it`);
    return false;
  };
  if (n.t === 'seq') {
    const list = n.items.map((i) => ({ s: scalarText(i), pos: i.pos })).filter((x) => x.s !== undefined && known(x.s, x.pos)).map((x) => names.get(x.s!)!);
    return list.length ? list : undefined;
  }
  if (n.t !== 'map') return undefined;
  const out: Record<string, { condition: string }> = {};
  for (const [s, e] of n.entries) {
    if (!known(s, e.keyPos)) continue;
    let condition = 'service_started';
    if (e.value.t === 'map') {
      for (const [k, v] of e.value.entries) {
        if (k === 'condition') {
          const c = scalarText(v.value) ?? 'service_started';
          if (c === 'service_healthy') condition = c;
          else if (c === 'service_completed_successfully') note(v.keyPos, 'depends_on', `${s}: service_completed_successfully is imported as service_started (Prodlike machines keep running; one-shot services are not supported)`);
        } else if (k === 'required' && v.value.t === 'scalar' && v.value.value === false) note(v.keyPos, `depends_on.${s}.required`, `${s} is waited for as a required dependency (up fails when it does)`);
        else if (k !== 'required') note(v.keyPos, `depends_on.${s}.${k}`, `depends_on ${k} is not supported`);
      }
    }
    out[names.get(s)!] = { condition };
  }
  return Object.keys(out).length ? out : undefined;
}

async function mapEnvironment(project: ComposeProject, svc: ComposeService, opts: MapOptions, note: Note, comments: string[]): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const folder = path.dirname(svc.file);
  const envFile = svc.node.entries.get('env_file');
  if (envFile) {
    const items = envFile.value.t === 'seq' ? envFile.value.items : [envFile.value];
    for (const item of items) {
      let file: string | undefined;
      let required = true;
      if (item.t === 'map') {
        file = scalarText(item.entries.get('path')?.value);
        const r = item.entries.get('required')?.value;
        required = !(r?.t === 'scalar' && r.value === false);
      } else file = scalarText(item);
      if (!file) continue;
      const abs = path.resolve(folder, file);
      const text = await opts.readText(abs);
      if (text === undefined) {
        if (required) note(item.pos, 'env_file', `${file} does not exist; its variables are not in the machine's env`);
        continue;
      }
      const parsed = parseDotEnv(text, project.plainLookup);
      for (const p of parsed.problems) note({ file: abs, line: p.line, col: 1 }, 'env_file', p.message);
      for (const [k, v] of parsed.vars) env[k] = v;
      comments.push(`env: includes ${file} (env_file), read when imported`);
    }
  }
  const environment = svc.node.entries.get('environment')?.value;
  const set = (k: string, v: string | undefined, pos: SourcePos, refs?: string[]) => {
    // `POSTGRES_PASSWORD: ${PW}`: the key says secret, so the variable is referenced, not copied.
    const only = refs?.length === 1 ? refs[0]! : undefined;
    if (v !== undefined && only && SECRET_NAME.test(k) && v === project.plainLookup(only) && v.length >= 4) {
      project.envRefs.add(only);
      env[k] = ENV_REF(only);
    } else if (v !== undefined) env[k] = v;
    else {
      // `- NAME` with no value: Compose passes the variable through from the environment.
      const from = project.lookup(k);
      if (from !== undefined) env[k] = from;
      else note(pos, `environment.${k}`, `${k} has no value and is not set here; Compose would leave it out`);
    }
  };
  if (environment?.t === 'map') for (const [k, e] of environment.entries) set(k, scalarText(e.value), e.keyPos, e.value.t === 'scalar' ? e.value.refs : undefined);
  else if (environment?.t === 'seq') {
    for (const item of environment.items) {
      const text = scalarText(item);
      if (text === undefined) continue;
      const eq = text.indexOf('=');
      set(eq < 0 ? text : text.slice(0, eq), eq < 0 ? undefined : text.slice(eq + 1), item.pos, item.t === 'scalar' ? item.refs : undefined);
    }
  }
  return env;
}
