// A devcontainer.json (JSON with comments) → a profile: the container from image or build, ports,
// env, mounts and the workspace folder, and the lifecycle commands as command resources (run once,
// guarded; postStartCommand once per container start). A `dockerComposeFile` devcontainer is imported
// through the Compose importer, with the devcontainer's settings laid on its service's machine.

import path from 'node:path';
import { getNodeValue, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type { SourcePos } from '../../../shared/profile.js';
import { ProfileError } from '../errors.js';
import { Problems, displayFile } from '../schema/problems.js';
import { scalarText, type MapNode, type PNode } from '../schema/yaml-tree.js';
import { fromProfile, mapCompose, relativeTo } from './compose-map.js';
import { profileName, readCompose } from './compose-read.js';
import type { ImportedMachine, ImportedProfile, ImportNote } from './import-types.js';

export interface DevcontainerOptions {
  env: Record<string, string | undefined>;
  /** The profile file for a profile name (the default output, or --out). */
  outFor: (name: string) => string;
  profiles: string[];
  readText: (file: string) => Promise<string | undefined>;
}

/** Where a lifecycle command that ran once leaves its mark, so it does not run again. */
export const MARK_DIR = '/var/lib/prodlike/devcontainer';

const IGNORED_WITH_NOTE: Record<string, string> = {
  features: 'Dev Container features are not supported: install what they add in the Dockerfile, or with package:/command: resources',
  customizations: 'editor settings and extensions are for the editor, not the machine',
  extensions: 'editor extensions are for the editor, not the machine',
  settings: 'editor settings are for the editor, not the machine',
  initializeCommand: 'runs on your computer in Dev Containers; Prodlike never runs a profile\'s commands on your computer: run it yourself',
  postAttachCommand: 'there is no attach in Prodlike; use postStartCommand, or run it in `prodlike ssh`',
  runArgs: 'docker run arguments are not supported: use the profile\'s docker: keys',
  capAdd: 'capabilities are not supported (privileged: true gives all of them, and needs `prodlike allow`)',
  securityOpt: 'security options are not supported',
  shutdownAction: 'machines stop with `prodlike down`',
  hostRequirements: 'host requirements are not checked',
  portsAttributes: 'port attributes are for the editor',
  otherPortsAttributes: 'port attributes are for the editor',
  waitFor: 'Prodlike waits for every step',
  userEnvProbe: 'the user\'s environment is not probed',
  updateRemoteUserUID: 'the user\'s UID is not changed',
};

const HANDLED = new Set(['name', 'image', 'build', 'dockerFile', 'context', 'forwardPorts', 'appPort', 'containerEnv', 'remoteEnv', 'mounts', 'onCreateCommand', 'updateContentCommand', 'postCreateCommand', 'postStartCommand', 'remoteUser', 'containerUser', 'workspaceFolder', 'workspaceMount', 'overrideCommand', 'dockerComposeFile', 'service', 'runServices', 'privileged', 'init', '$schema']);

export async function importDevcontainer(file: string, opts: DevcontainerOptions): Promise<{ profile: ImportedProfile; out: string; dotEnv: Map<string, string> }> {
  const text = await opts.readText(file);
  if (text === undefined) throw new ProfileError(`${displayFile(file)} cannot be read`, { where: displayFile(file) });
  const root = parseJsonc(file, text);
  const folder = path.dirname(file);
  // The workspace is the folder that holds .devcontainer/ (or the file's own folder).
  const workspace = path.basename(folder) === '.devcontainer' ? path.dirname(folder) : folder;
  const problems = new Problems();
  const notes: ImportNote[] = [];
  const value = (k: string) => root.entries.get(k)?.value;
  const containerWorkspace = scalarText(value('workspaceFolder'));
  const vars = substitution(opts.env, workspace, containerWorkspace ?? `/workspaces/${path.basename(workspace)}`, problems);
  const str = (n: PNode | undefined) => {
    const s = scalarText(n);
    return s === undefined || !n ? s : vars(s, n.pos);
  };

  const composeFiles = value('dockerComposeFile');
  let profile: ImportedProfile;
  let machine: ImportedMachine;
  let out: string;
  let dotEnv = new Map<string, string>();
  if (composeFiles) {
    const files = (composeFiles.t === 'seq' ? composeFiles.items : [composeFiles]).map((n) => path.resolve(folder, str(n) ?? ''));
    const project = await readCompose(files, { env: opts.env });
    dotEnv = project.dotEnv;
    const name = str(value('name'));
    if (name) project.name = profileName(name);
    out = opts.outFor(project.name);
    const service = str(value('service'));
    if (!service || !project.services.has(service)) {
      throw new ProfileError(`${displayFile(file)}: "service" must name a service of ${files.map((f) => displayFile(f)).join(', ')}${service ? `, found "${service}"` : ''}`, {
        where: `${displayFile(file)}:${(root.entries.get('service')?.keyPos ?? root.pos).line}`,
        hint: `the services are: ${[...project.services.keys()].join(', ')}`,
      });
    }
    const run = value('runServices');
    if (run?.t === 'seq') {
      const keep = new Set([service, ...run.items.map((i) => scalarText(i) ?? '')]);
      for (const s of [...project.services.keys()]) {
        if (!keep.has(s)) {
          notes.push({ pos: project.services.get(s)!.keyPos, service: s, key: 'runServices', message: `service not imported: not in the devcontainer's runServices` });
          project.services.delete(s);
        }
      }
    }
    profile = await mapCompose(project, { activeProfiles: opts.profiles, outDir: path.dirname(out), readText: opts.readText });
    const svcName = profile.machines.find((m) => m.comments[0]?.startsWith(`service "${service}"`));
    machine = svcName ?? profile.machines[0]!;
    machine.comments.push(`the dev container of ${fromProfile(path.dirname(out), file)}`);
    profile.notes.push(...notes);
  } else {
    const name = profileName(str(value('name')) ?? path.basename(workspace));
    out = opts.outFor(name);
    const rel = (p: string) => relativeTo(path.dirname(out), path.resolve(folder, p));
    machine = { name: 'dev', comments: [`the dev container of ${fromProfile(path.dirname(out), file)}`], docker: {}, resources: [] };
    profile = { name, description: `Imported from ${fromProfile(path.dirname(out), file)}`, machines: [machine], notes, envRefs: [] };
    const image = str(value('image'));
    const build = value('build');
    const legacyDockerfile = str(value('dockerFile'));
    if (image) machine.docker.image = image;
    if (build?.t === 'map' || legacyDockerfile) {
      const b = build?.t === 'map' ? build : undefined;
      const get = (k: string) => str(b?.entries.get(k)?.value);
      const dockerfile = get('dockerfile') ?? legacyDockerfile ?? 'Dockerfile';
      const context = path.resolve(folder, get('context') ?? str(value('context')) ?? '.');
      const spec: Record<string, unknown> = { context: rel(context), dockerfile: path.relative(context, path.resolve(folder, dockerfile)) };
      const target = get('target');
      if (target) spec.target = target;
      const args = b?.entries.get('args')?.value;
      if (args?.t === 'map') spec.args = Object.fromEntries([...args.entries].map(([k, e]) => [k, str(e.value) ?? '']));
      for (const [k, e] of b?.entries ?? []) if (!['dockerfile', 'context', 'target', 'args'].includes(k)) notes.push({ pos: e.keyPos, key: `build.${k}`, message: `build.${k} is not supported` });
      machine.docker.build = spec;
    }
    if (!image && !machine.docker.build) problems.add(root.pos, '', 'expected "image", "build" (with "dockerfile") or "dockerComposeFile", found none', 'a devcontainer.json names its container');
    // Dev Containers mount the workspace and keep the container alive (overrideCommand, default true).
    const cw = containerWorkspace ?? `/workspaces/${path.basename(workspace)}`;
    const mount = str(value('workspaceMount'));
    if (mount) addMount(machine, parseMount(mount), rel, notes, root.entries.get('workspaceMount')!.keyPos);
    else push(machine.docker, 'volumes', `${rel(workspace)}:${cw}`);
    machine.docker.working_dir = cw;
    const override = value('overrideCommand');
    if (override?.t === 'scalar' && override.value === false) machine.docker.keep_alive = false;
  }

  // ----- settings that apply to both kinds -----
  const ports = [...listOf(value('forwardPorts')), ...listOf(value('appPort'))];
  for (const p of ports) {
    const t = scalarText(p);
    if (t === undefined) continue;
    if (/^\d+$/.test(t)) push(machine.docker, 'ports', `${t}:${t}`);
    else {
      const m = /^([^:]+):(\d+)$/.exec(t);
      const target = m && profile.machines.find((x) => x.name === m[1]);
      if (m && target) push(target.docker, 'ports', `${m[2]}:${m[2]}`);
      else if (/^\d+:\d+$/.test(t)) push(machine.docker, 'ports', t);
      else notes.push({ pos: p.pos, key: 'forwardPorts', message: `port "${t}" names no machine of the profile` });
    }
  }
  const containerEnv = value('containerEnv');
  if (containerEnv?.t === 'map') {
    const env = (machine.docker.env ??= {}) as Record<string, string>;
    for (const [k, e] of containerEnv.entries) env[k] = str(e.value) ?? '';
  }
  const remoteEnv = value('remoteEnv');
  if (remoteEnv?.t === 'map') {
    for (const [k, e] of remoteEnv.entries) {
      const v = str(e.value);
      if (v === undefined) continue;
      if (v.includes('${containerEnv:')) notes.push({ pos: e.keyPos, key: `remoteEnv.${k}`, message: '${containerEnv:…} is not supported: give the value' });
      else machine.resources.push({ env: k, value: v });
    }
  }
  const mounts = value('mounts');
  if (mounts?.t === 'seq') {
    const rel = (p: string) => relativeTo(path.dirname(out), path.resolve(folder, p));
    for (const m of mounts.items) {
      if (m.t === 'map') addMount(machine, Object.fromEntries([...m.entries].map(([k, e]) => [k, str(e.value) ?? ''])), rel, notes, m.pos);
      else if (m.t === 'scalar') addMount(machine, parseMount(str(m) ?? ''), rel, notes, m.pos);
    }
  }
  const containerUser = str(value('containerUser'));
  if (containerUser) machine.docker.user = containerUser;
  const privileged = value('privileged');
  if (privileged?.t === 'scalar' && privileged.value === true) machine.docker.privileged = true;
  const remoteUser = str(value('remoteUser')) ?? containerUser;
  if (remoteUser && remoteUser !== 'root') machine.comments.push(`lifecycle commands run as ${remoteUser} (remoteUser)`);
  const cwd = typeof machine.docker.working_dir === 'string' ? machine.docker.working_dir : containerWorkspace;

  for (const key of ['onCreateCommand', 'updateContentCommand', 'postCreateCommand'] as const) {
    const n = value(key);
    if (n) for (const [i, c] of lifecycle(n, str).entries()) machine.resources.push(onceCommand(c, `${key}${i ? `-${i}` : ''}`, remoteUser, cwd));
  }
  const postStart = value('postStartCommand');
  if (postStart) for (const [i, c] of lifecycle(postStart, str).entries()) machine.resources.push(perStartCommand(c, `postStartCommand${i ? `-${i}` : ''}`, remoteUser, cwd));

  for (const [k, e] of root.entries) {
    if (HANDLED.has(k)) continue;
    notes.push({ pos: e.keyPos, key: k, message: IGNORED_WITH_NOTE[k] ?? `"${k}" is not supported` });
  }
  problems.throwIfAny();
  if (composeFiles) profile.notes.sort((a, b) => (a.pos.file === b.pos.file ? a.pos.line - b.pos.line : 0));
  return { profile, out, dotEnv };
}

function push(o: Record<string, unknown>, key: string, v: string): void {
  const list = (o[key] ??= []) as string[];
  if (!list.includes(v)) list.push(v);
}

function listOf(n: PNode | undefined): PNode[] {
  if (!n) return [];
  return n.t === 'seq' ? n.items : [n];
}

/** "source=x,target=/y,type=bind,readonly" → its fields. */
function parseMount(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) out[part.trim()] = 'true';
    else out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function addMount(machine: ImportedMachine, m: Record<string, string>, rel: (p: string) => string, notes: ImportNote[], pos: SourcePos): void {
  const type = m.type ?? 'volume';
  const source = m.source ?? m.src;
  const target = m.target ?? m.destination ?? m.dst;
  if (!target || (type !== 'bind' && type !== 'volume')) {
    notes.push({ pos, key: 'mounts', message: `${type} mount${target ? ` at ${target}` : ''} is not supported (bind and volume are)` });
    return;
  }
  const ro = m.readonly === 'true' || m.ro === 'true' || m.readonly === '1' ? ':ro' : '';
  if (!source) push(machine.docker, 'volumes', `${target}${ro}`);
  else push(machine.docker, 'volumes', `${type === 'bind' ? rel(source) : source}:${target}${ro}`);
  for (const k of Object.keys(m)) {
    if (!['type', 'source', 'src', 'target', 'destination', 'dst', 'readonly', 'ro'].includes(k)) notes.push({ pos, key: 'mounts', message: `mount option ${k} is not supported` });
  }
}

/** A lifecycle command: a string (run by a shell), a list (one command, no shell), or a map of them (each its own). */
function lifecycle(n: PNode, str: (n: PNode | undefined) => string | undefined): string[] {
  if (n.t === 'scalar') return [str(n) ?? ''].filter(Boolean);
  if (n.t === 'seq') return [n.items.map((i) => quote(str(i) ?? '')).join(' ')];
  return [...n.entries.values()].flatMap((e) => lifecycle(e.value, str));
}

function quote(s: string): string {
  return /^[A-Za-z0-9_./=:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function asUser(command: string, user: string | undefined): string {
  return user && user !== 'root' ? `su -s /bin/sh ${quote(user)} -c ${quote(command)}` : command;
}

/** Runs once per machine: guarded by a mark file that it writes when it succeeds. */
function onceCommand(command: string, label: string, user: string | undefined, cwd: string | undefined): Record<string, unknown> {
  const mark = `${MARK_DIR}/${label}.done`;
  return { command: `${asUser(command, user)} && mkdir -p ${MARK_DIR} && touch ${mark}`, creates: mark, ...(cwd ? { cwd } : {}) };
}

/**
 * Runs once per container start: the mark holds the start time of PID 1 (field 22 of /proc/1/stat),
 * which changes when the container is started again.
 */
function perStartCommand(command: string, label: string, user: string | undefined, cwd: string | undefined): Record<string, unknown> {
  const mark = `${MARK_DIR}/${label}.start`;
  const started = `$(cut -d' ' -f22 /proc/1/stat)`;
  return {
    command: `${asUser(command, user)} && mkdir -p ${MARK_DIR} && echo "${started}" > ${mark}`,
    unless: `[ "$(cat ${mark} 2>/dev/null)" = "${started}" ]`,
    ...(cwd ? { cwd } : {}),
  };
}

/** ${localEnv:NAME[:default]}, ${localWorkspaceFolder}, ${localWorkspaceFolderBasename}, ${containerWorkspaceFolder}[Basename]. */
function substitution(env: Record<string, string | undefined>, workspace: string, containerWorkspace: string, problems: Problems): (s: string, pos: SourcePos) => string {
  return (s, pos) =>
    s.replace(/\$\{([A-Za-z]+)(?::([^}:]*))?(?::([^}]*))?\}/g, (whole, kind: string, name?: string, dflt?: string) => {
      switch (kind) {
        case 'localWorkspaceFolder':
          return workspace;
        case 'localWorkspaceFolderBasename':
          return path.basename(workspace);
        case 'containerWorkspaceFolder':
          return containerWorkspace;
        case 'containerWorkspaceFolderBasename':
          return path.basename(containerWorkspace);
        case 'localEnv':
        case 'env': {
          const v = name ? env[name] : undefined;
          if (v !== undefined) return v;
          if (dflt !== undefined) return dflt;
          problems.add(pos, '', `variable ${name ?? '?'} is not set (\${localEnv:${name ?? ''}})`, `set ${name ?? 'it'} in the environment, or give a default: \${localEnv:${name ?? 'NAME'}:value}`);
          return '';
        }
        default:
          return whole;
      }
    });
}

/** JSON with comments → the tree the importers read, with line and column of each value and key. */
export function parseJsonc(file: string, text: string): MapNode {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const pos = (offset: number): SourcePos => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, col: offset - lineStarts[lo]! + 1 };
  };
  const problems = new Problems();
  for (const e of errors) problems.add(pos(e.offset), '', `invalid JSON: ${printParseErrorCode(e.error)}`, 'fix the JSON syntax at this position (comments and trailing commas are fine)');
  problems.throwIfAny();
  if (!tree || tree.type !== 'object') {
    problems.add(pos(tree?.offset ?? 0), '', 'expected a JSON object ({ "image": ... })');
    problems.throwIfAny();
  }
  const convert = (n: JsonNode): PNode => {
    if (n.type === 'object') {
      const entries = new Map<string, { keyPos: SourcePos; value: PNode }>();
      for (const prop of n.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (!k || !v) continue;
        entries.set(String(k.value), { keyPos: pos(k.offset), value: convert(v) });
      }
      return { t: 'map', pos: pos(n.offset), entries };
    }
    if (n.type === 'array') return { t: 'seq', pos: pos(n.offset), items: (n.children ?? []).map(convert) };
    const v = getNodeValue(n) as string | number | boolean | null;
    return { t: 'scalar', pos: pos(n.offset), value: v, ...(typeof v === 'number' ? { raw: text.slice(n.offset, n.offset + n.length) } : {}) };
  };
  return convert(tree!) as MapNode;
}

