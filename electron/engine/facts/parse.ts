// Parses the probe's output into HostFacts. Pure (no I/O), so every tool's output format is unit-tested.

import { ProdlikeError } from '../errors.js';
import { SECRET_NAME } from './facts-script.js';
import {
  REDACTED,
  type GroupFact,
  type HostFacts,
  type PathFact,
  type PortFact,
  type ServiceFact,
  type ServiceState,
  type UserFact,
} from './types.js';
import { byKey } from '../by-key.js';
import { parseSumLine } from '../sha256sum-line.js';
import { sharedMemo } from '../shared-value.js';

/** The host cannot be probed: not Linux, no known package manager, or the probe failed. */
export class FactsError extends ProdlikeError {
  override name = 'FactsError';
}

export function splitSections(output: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('@@')) {
      current = [];
      sections.set(line.slice(2).trim(), current);
    } else if (current && line !== '') current.push(line);
  }
  return sections;
}

function keyValues(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i)] = unquote(l.slice(i + 1));
  }
  return out;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) {
    return t.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  }
  return t;
}

export function parsePackages(lines: string[]): { manager: string; packages: Record<string, string> } {
  const manager = (lines[0] ?? '').replace(/^manager=/, '');
  const pkgs: Record<string, string> = {};
  // A package installed for two architectures keeps its plain name for the first, `name:arch` after.
  const add = (name: string, arch: string, version: string, sep: string) => {
    if (!(name in pkgs)) pkgs[name] = version;
    else pkgs[`${name}${sep}${arch}`] = version;
  };
  for (const line of lines.slice(1)) {
    if (manager === 'dpkg') {
      const [status = '', name, arch = '', version = ''] = line.split('\t');
      if (status[1] === 'i' && name) add(name, arch, version, ':');
    } else if (manager === 'rpm') {
      const [name, arch = '', epoch = '', version = ''] = line.split('\t');
      if (!name || name === 'gpg-pubkey') continue;
      add(name, arch, epoch && epoch !== '(none)' ? `${epoch}:${version}` : version, '.');
    } else if (manager === 'apk') {
      const m = /^(.+)-([^-]+-r\d+)$/.exec(line.trim());
      if (m) pkgs[m[1]!] = m[2]!;
    }
  }
  return { manager, packages: byKey(pkgs) };
}

export function parseAccounts(passwd: string[], group: string[]): { users: Record<string, UserFact>; groups: Record<string, GroupFact> } {
  const groups: Record<string, GroupFact> = {};
  for (const line of group) {
    const [name, , gid, members = ''] = line.split(':');
    if (!name || gid === undefined || name in groups) continue;
    groups[name] = { gid: Number(gid), members: members.split(',').filter(Boolean).sort() };
  }
  // Member → its groups, once: looking each user up in every group was quadratic (a host with 1,000
  // accounts spent half a second here).
  const memberOf = new Map<string, string[]>();
  for (const g in groups) {
    for (const member of groups[g]!.members) {
      const list = memberOf.get(member);
      if (list) {
        if (!list.includes(g)) list.push(g);
      } else memberOf.set(member, [g]);
    }
  }
  const users: Record<string, UserFact> = {};
  for (const line of passwd) {
    const [name, , uid, gid, , home = '', shell = ''] = line.split(':');
    if (!name || uid === undefined || gid === undefined || name in users) continue;
    users[name] = { uid: Number(uid), gid: Number(gid), home, shell, groups: [...(memberOf.get(name) ?? [])].sort() };
  }
  return { users: byKey(users), groups: byKey(groups) };
}

function systemdState(active: string): ServiceState {
  if (active === 'active' || active === 'reloading' || active === 'activating') return 'running';
  if (active === 'inactive' || active === 'deactivating') return 'stopped';
  if (active === 'failed') return 'failed';
  return 'unknown';
}

export function parseSystemd(units: string[], unitFiles: string[]): Record<string, ServiceFact> {
  const services: Record<string, ServiceFact> = {};
  const strip = (u: string) => u.replace(/\.service$/, '');
  for (const line of units) {
    const [unit = '', load, active = ''] = line.trim().split(/\s+/);
    if (!unit.endsWith('.service') || load === 'not-found') continue;
    services[strip(unit)] = { state: systemdState(active) };
  }
  for (const line of unitFiles) {
    const [unit = '', state = ''] = line.trim().split(/\s+/);
    if (!unit.endsWith('.service') || unit.includes('@.')) continue;
    const name = strip(unit);
    const fact = (services[name] ??= { state: 'stopped' });
    if (state === 'enabled' || state === 'enabled-runtime') fact.enabled = true;
    else if (state === 'disabled' || state === 'masked' || state === 'masked-runtime') fact.enabled = false;
  }
  return byKey(services);
}

export function parseSysv(lines: string[]): Record<string, ServiceFact> {
  const services: Record<string, ServiceFact> = {};
  for (const line of lines) {
    const [name, rc, enabled] = line.split('\t');
    if (!name) continue;
    const code = Number(rc);
    const state: ServiceState = code === 0 ? 'running' : code >= 1 && code <= 3 ? 'stopped' : 'unknown';
    services[name] = { state, enabled: enabled === 'yes' };
  }
  return byKey(services);
}

/** /proc/net address: little-endian 32-bit words of hex. */
export function procAddress(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // RFC 5952: the longest run (of two or more) of zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function splitHostPort(s: string): { address: string; port: number } | undefined {
  const i = s.lastIndexOf(':');
  if (i < 0) return undefined;
  let address = s.slice(0, i).replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (address === '*') address = '::';
  const port = Number(s.slice(i + 1));
  return Number.isInteger(port) ? { address, port } : undefined;
}

export function parsePorts(lines: string[]): { source: 'ss' | 'netstat' | 'proc'; ports: PortFact[] } {
  const source = ((lines[0] ?? '').replace(/^tool=/, '') || 'proc') as 'ss' | 'netstat' | 'proc';
  const found: PortFact[] = [];
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (source === 'ss') {
      const proto = f[0];
      const local = f[4] && splitHostPort(f[4]);
      if ((proto === 'tcp' || proto === 'udp') && local) found.push({ proto, ...local });
    } else if (source === 'netstat') {
      const m = /^(tcp|udp)6?$/.exec(f[0] ?? '');
      const local = f[3] && splitHostPort(f[3]);
      if (m && local) found.push({ proto: m[1] as 'tcp' | 'udp', ...local });
    } else {
      // "<file> <sl>: <local hex:port> <remote hex:port> <state> ..."; LISTEN is 0A, unconnected UDP 07.
      const m = /^(tcp|udp)6?$/.exec(f[0] ?? '');
      const [addrHex, portHex] = (f[2] ?? '').split(':');
      const state = f[4];
      if (!m || !addrHex || !portHex || f[1] === 'sl') continue;
      const proto = m[1] as 'tcp' | 'udp';
      if ((proto === 'tcp' && state === '0A') || (proto === 'udp' && state === '07' && (f[3] ?? '').endsWith(':0000'))) {
        found.push({ proto, address: procAddress(addrHex), port: parseInt(portHex, 16) });
      }
    }
  }
  const unique = new Map(found.map((p) => [`${p.proto} ${p.address} ${p.port}`, p]));
  // Code-unit order, not locale order: the same on every machine, so baselines do not reorder.
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const ports = [...unique.values()].sort((a, b) => cmp(a.proto, b.proto) || a.port - b.port || cmp(a.address, b.address));
  return { source, ports };
}

/** True for values that would leak a secret: named like one, or a URL with a password in it. */
export function isSecret(name: string, value: string): boolean {
  return SECRET_NAME.test(name) || /:\/\/[^/\s:@]*:[^/\s@]*@/.test(value);
}

export function parseEnv(lines: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim();
    const value = unquote(line.slice(i + 1));
    env[name] = value === REDACTED || isSecret(name, value) ? REDACTED : value;
  }
  return byKey(env);
}

function octalMode(m: string): string {
  return m ? m.padStart(4, '0') : '';
}

export function parsePaths(lines: string[]): Record<string, PathFact> {
  const paths: Record<string, PathFact> = {};
  for (const line of lines) {
    const [type, rawMode = '', owner = '', group = '', extra = '', ...rest] = line.split('\t');
    const path = rest.join('\t');
    if (!path) continue;
    const mode = octalMode(rawMode);
    if (type === 'absent') paths[path] = { type: 'absent' };
    else if (type === 'file') paths[path] = { type, mode, owner, group, sha256: extra.startsWith('!') ? null : extra };
    else if (type === 'symlink') paths[path] = { type, mode, owner, group, target: extra };
    else if (type === 'directory' || type === 'other') paths[path] = { type, mode, owner, group };
  }
  return paths;
}

/** stat's %F → the probe's type (lstat: a symlink is a symlink, whatever it points at). */
function statType(f: string): 'file' | 'directory' | 'symlink' | 'other' {
  if (f === 'regular file' || f === 'regular empty file') return 'file';
  if (f === 'directory') return 'directory';
  return f === 'symbolic link' ? 'symlink' : 'other';
}

/**
 * The batched paths sections: one `stat -c '%F\t%a\t%U\t%G\t%n'` line per path that exists, `path\ttarget`
 * per symlink, and sha256sum's lines for the regular files. A path with no stat line is not there (the
 * caller marks the paths it asked for absent); a file with no sha256sum line could not be read.
 */
export function parsePathSections(stat: string[], links: string[], sums: string[]): Record<string, PathFact> {
  const targets = new Map<string, string>();
  for (const line of links) {
    const i = line.indexOf('\t');
    if (i > 0) targets.set(line.slice(0, i), line.slice(i + 1));
  }
  const shas = new Map<string, string>();
  for (const line of sums) {
    const s = parseSumLine(line);
    if (s && !shas.has(s.name)) shas.set(s.name, s.hash);
  }
  const paths: Record<string, PathFact> = {};
  for (const line of stat) {
    const [f = '', rawMode = '', owner = '', group = '', ...rest] = line.split('\t');
    const path = rest.join('\t');
    if (!path || path in paths) continue;
    const type = statType(f);
    const mode = octalMode(rawMode);
    if (type === 'file') paths[path] = { type, mode, owner, group, sha256: shas.get(path) ?? null };
    else if (type === 'symlink') paths[path] = { type, mode, owner, group, target: targets.get(path) ?? '' };
    else paths[path] = { type, mode, owner, group };
  }
  return paths;
}

const linesOf = (text: string) => (text ? text.split('\n') : []);

// A fleet's hosts often print the same lists: each distinct text is parsed once and its (deep-frozen)
// result shared by every host that printed it (shared-value.ts).
const sharedPackages = sharedMemo(8, (text) => parsePackages(linesOf(text)));
const sharedAccounts = sharedMemo(8, (text) => {
  const i = text.indexOf('\0');
  return parseAccounts(linesOf(text.slice(0, i)), linesOf(text.slice(i + 1)));
});

/** The whole probe output → HostFacts; throws FactsError naming the OS when it is not supported. */
export function parseFacts(output: string, where: string): HostFacts {
  const s = splitSections(output);
  const system = keyValues(s.get('system') ?? []);
  const kernelName = system.kernel_name ?? '';
  if (!s.has('system')) throw new FactsError(`the facts probe on ${where} printed nothing usable`, { where });
  if (kernelName !== 'Linux') {
    throw new FactsError(`${where} runs ${kernelName || 'an unknown OS'}; Prodlike can probe only Linux hosts`, { where });
  }
  if (!s.has('end')) throw new FactsError(`the facts probe on ${where} stopped before the end`, { where });
  const osr = keyValues(s.get('os-release') ?? []);
  const os = { id: osr.ID ?? '', versionId: osr.VERSION_ID ?? '', prettyName: osr.PRETTY_NAME ?? osr.NAME ?? 'Linux', kernelName };
  const { manager, packages } = sharedPackages((s.get('packages') ?? []).join('\n'));
  if (manager !== 'dpkg' && manager !== 'rpm' && manager !== 'apk') {
    throw new FactsError(`${where} runs ${os.prettyName}, which has none of dpkg, rpm or apk; Prodlike cannot read its packages`, {
      where,
      details: { os: os.prettyName },
    });
  }
  const { users, groups } = sharedAccounts(`${(s.get('passwd') ?? []).join('\n')}\0${(s.get('group') ?? []).join('\n')}`);
  let serviceManager: HostFacts['serviceManager'] = 'none';
  let services: Record<string, ServiceFact> = {};
  if (s.has('systemd-units')) {
    serviceManager = 'systemd';
    services = parseSystemd(s.get('systemd-units') ?? [], s.get('systemd-unit-files') ?? []);
  } else if (s.has('sysv-services')) {
    serviceManager = 'sysvinit';
    services = parseSysv(s.get('sysv-services') ?? []);
  }
  const { source, ports } = parsePorts(s.get('ports') ?? []);
  return {
    os,
    arch: system.arch ?? '',
    kernel: system.kernel ?? '',
    packageManager: manager,
    packages,
    users,
    groups,
    serviceManager,
    services,
    ports,
    portsSource: source,
    env: parseEnv(s.get('environment') ?? []),
    paths: s.has('path-stat') ? parsePathSections(s.get('path-stat') ?? [], s.get('path-link') ?? [], s.get('path-sha') ?? []) : parsePaths(s.get('paths') ?? []),
  };
}
