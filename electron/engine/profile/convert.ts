// The merged, interpolated tree of a profile → the Profile the engine and the UI use. Every problem
// found on the way is collected, so that one error lists all of them.

import type { MachineSpec, Profile } from '../../../shared/profile.js';
import { reportIssues } from './issues.js';
import { checkDependencies, convertDocker, convertSsh, convertVm } from './machines.js';
import { Problems, formatPath, suggest } from '../schema/problems.js';
import { convertResources, stringifyMapValues, type SrcReader } from './resources.js';
import { NAME_RE, profileSchema } from './schema.js';
import { get, scalarText, toPlain, type MapNode, type PNode } from '../schema/yaml-tree.js';

export async function convertProfile(
  root: MapNode,
  meta: { file: string; files: string[]; vars: Record<string, string>; readSrc?: SrcReader },
  problems: Problems,
): Promise<Profile | undefined> {
  const prepared = withStringValues(root);
  const parsed = profileSchema.safeParse(toPlain(prepared));
  if (!parsed.success) reportIssues(parsed.error.issues, profileSchema, prepared, '', problems);

  const machinesNode = get(prepared, 'machines');
  const machines: MachineSpec[] = [];
  if (machinesNode?.t === 'map' && machinesNode.entries.size === 0) {
    problems.add(machinesNode.pos, 'machines', 'expected at least one machine, found none', 'add a machine with docker: or ssh:');
  }
  if (machinesNode?.t === 'map') {
    for (const [name, entry] of machinesNode.entries) {
      const path = formatPath(['machines', name]);
      if (!NAME_RE.test(name)) {
        problems.add(entry.keyPos, path, `expected a machine name of lowercase letters, digits and dashes, found "${name}"`, 'machine names become container names: use names like "web" or "db-1"');
      }
      const m = entry.value;
      if (m.t !== 'map') continue;
      const ways = ['docker', 'ssh', 'vm'].filter((k) => m.entries.has(k));
      if (ways.length > 1) {
        problems.add(entry.keyPos, path, `has both ${ways.map((w) => `${w}:`).join(' and ')}, expected exactly one`, 'a machine is either a container (docker:), a host (ssh:) or a local VM (vm:): keep one');
      } else if (ways.length === 0 && !misspeltProvider(m)) {
        problems.add(entry.keyPos, path, 'has neither docker: nor ssh: nor vm:, expected exactly one', 'add docker: with an image for a container, ssh: with host and user for a host, or vm: with an image for a local VM');
      }
      const resources = await convertResources(m.entries.get('resources')?.value, path, problems, meta.readSrc);
      const data = parsed.success ? parsed.data.machines[name] : undefined;
      if (!data) continue;
      const spec: MachineSpec = { name, resources, pos: entry.keyPos };
      if (data.mirrors) spec.mirrors = data.mirrors;
      if (data.docker) {
        const docker = convertDocker(data.docker, m, { profile: parsed.data!.name, machine: name, path }, problems);
        if (docker) spec.docker = docker;
      }
      if (data.ssh) spec.ssh = convertSsh(data.ssh, m);
      if (data.vm) {
        const vm = convertVm(data.vm, m, path, problems);
        if (vm) spec.vm = vm;
      }
      machines.push(spec);
    }
    checkDependencies(machines, machinesNode, problems);
  }
  if (!parsed.success || problems.size) return undefined;
  const d = parsed.data;
  const profile: Profile = { name: d.name, role: d.role, vars: meta.vars, machines, file: meta.file, files: meta.files };
  if (d.description !== undefined) profile.description = d.description;
  if (d.cache?.from !== undefined) profile.cache = { from: d.cache.from };
  if (d.engine) profile.engine = d.engine.host ? { host: d.engine.host } : { context: d.engine.context! };
  return profile;
}

/**
 * Docker env values, build args and ports are strings to Docker; YAML's `8080` or `true` there mean
 * the text as written (`DEBUG: true` → "true", `- 80` → "80").
 */
function withStringValues(root: MapNode): MapNode {
  const machines = get(root, 'machines');
  if (machines?.t !== 'map') return root;
  const mEntries = new Map(machines.entries);
  for (const [name, entry] of machines.entries) {
    const docker = entry.value.t === 'map' ? get(entry.value, 'docker') : undefined;
    if (docker?.t !== 'map') continue;
    const dEntries = new Map(docker.entries);
    const env = get(docker, 'env');
    if (env?.t === 'map') dEntries.set('env', { ...docker.entries.get('env')!, value: stringifyMapValues(env) });
    const build = get(docker, 'build');
    const args = build?.t === 'map' ? get(build, 'args') : undefined;
    if (build?.t === 'map' && args?.t === 'map') {
      const bEntries = new Map(build.entries);
      bEntries.set('args', { ...build.entries.get('args')!, value: stringifyMapValues(args) });
      dEntries.set('build', { ...docker.entries.get('build')!, value: { ...build, entries: bEntries } });
    }
    const ports = get(docker, 'ports');
    if (ports?.t === 'seq') dEntries.set('ports', { ...docker.entries.get('ports')!, value: { ...ports, items: ports.items.map(asText) } });
    const m = entry.value as MapNode;
    const machineEntries = new Map(m.entries);
    machineEntries.set('docker', { ...m.entries.get('docker')!, value: { ...docker, entries: dEntries } });
    mEntries.set(name, { ...entry, value: { ...m, entries: machineEntries } });
  }
  const entries = new Map(root.entries);
  entries.set('machines', { ...root.entries.get('machines')!, value: { ...machines, entries: mEntries } });
  return { ...root, entries };
}

function asText(n: PNode): PNode {
  return n.t === 'scalar' && typeof n.value === 'number' ? { ...n, value: scalarText(n)! } : n;
}

/** `dockr:` is reported as an unknown key with a suggestion; "has neither docker: nor ssh:" would be noise. */
function misspeltProvider(m: MapNode): boolean {
  return [...m.entries.keys()].some((k) => suggest(k, ['docker', 'ssh', 'vm']) !== undefined);
}
