// The values of a `docker:` block that have a syntax of their own — ports and volumes — parsed into
// typed values. The profile loader checks every one of them (so `prodlike validate` names the file,
// line and column of a bad port), and the Docker backend uses the same parser.

import { DockerError } from '../errors.js';

export interface PortBinding {
  hostIp: string;
  /** Empty: the engine picks a free port. */
  hostPort: string;
  containerPort: string;
  proto: 'tcp' | 'udp' | 'sctp';
}

export interface VolumeMount {
  /** `volume`: a named volume (`<profile>_<name>`); `bind`: an absolute host path; `anonymous`: target only. */
  kind: 'volume' | 'bind' | 'anonymous';
  source: string;
  target: string;
  readOnly: boolean;
}

/** Ports without an address are bound to 127.0.0.1: a dev machine should not be reachable from the LAN. */
export const DEFAULT_HOST_IP = '127.0.0.1';

const PORT = /^\d{1,5}$/;
const RANGE = /^(\d{1,5})-(\d{1,5})$/;

function portList(text: string, spec: string): string[] {
  if (PORT.test(text)) return [checkPort(text, spec)];
  const m = RANGE.exec(text);
  if (m) {
    const from = Number(checkPort(m[1]!, spec));
    const to = Number(checkPort(m[2]!, spec));
    if (to < from) throw portError(spec, `range ${text} runs backwards`);
    return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
  }
  throw portError(spec, `"${text}" is not a port number`);
}

function checkPort(text: string, spec: string): string {
  const n = Number(text);
  if (!(n >= 1 && n <= 65535)) throw portError(spec, `${text} is not between 1 and 65535`);
  return String(n);
}

function portError(spec: string, why: string): DockerError {
  return new DockerError(`port "${spec}": ${why}`, {
    hint: 'use "8080:80", "127.0.0.1:8080:80", "0.0.0.0:8080:80" or "53:53/udp"',
  });
}

/** "8080:80" → 127.0.0.1:8080→80/tcp; "0.0.0.0:8080:80", "[::1]:8080:80", "80", "53:53/udp", ranges. */
export function parsePort(spec: string): PortBinding[] {
  let rest = spec.trim();
  let proto: PortBinding['proto'] = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') throw portError(spec, `unknown protocol "${p}"`);
    proto = p;
    rest = rest.slice(0, slash);
  }
  let hostIp = DEFAULT_HOST_IP;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (v6) {
    hostIp = v6[1]!;
    rest = v6[2]!;
  }
  const parts = rest.split(':');
  let hostText = '';
  let containerText: string;
  if (parts.length === 1) containerText = parts[0]!;
  else if (parts.length === 2) [hostText, containerText] = parts as [string, string];
  else if (parts.length === 3 && !v6) {
    hostIp = parts[0]! || DEFAULT_HOST_IP;
    hostText = parts[1]!;
    containerText = parts[2]!;
  } else throw portError(spec, 'expected [ip:][hostPort:]containerPort[/proto]');

  const containerPorts = portList(containerText, spec);
  const hostPorts = hostText === '' ? containerPorts.map(() => '') : portList(hostText, spec);
  if (hostPorts.length !== containerPorts.length) throw portError(spec, 'host and container ranges differ in length');
  return containerPorts.map((containerPort, i) => ({ hostIp, hostPort: hostPorts[i]!, containerPort, proto }));
}

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `name:/path[:ro]` (named volume), `/abs/host:/path[:ro]` or `./rel:/path` (bind mount), `/path` (anonymous). */
export function parseVolume(spec: string): VolumeMount {
  const parts = spec.split(':');
  let readOnly = false;
  const last = parts[parts.length - 1];
  if (parts.length >= 2 && (last === 'ro' || last === 'rw')) {
    readOnly = last === 'ro';
    parts.pop();
  }
  const bad = (why: string) =>
    new DockerError(`volume "${spec}": ${why}`, { hint: 'use "name:/path" for a named volume or "/abs/host/path:/path" for a bind mount' });
  if (parts.length === 1) {
    if (!parts[0]!.startsWith('/')) throw bad('the path in the container must be absolute');
    return { kind: 'anonymous', source: '', target: parts[0]!, readOnly };
  }
  if (parts.length !== 2) throw bad('expected source:target[:ro]');
  const [source, target] = parts as [string, string];
  if (!target.startsWith('/')) throw bad('the path in the container must be absolute');
  // A bind mount: an absolute host path, or one relative to the profile file (`./site`, `../x`, `~/x`),
  // which the loader makes absolute before anything reaches Docker.
  if (source.startsWith('/') || /^(\.\.?|~)(\/|$)/.test(source)) return { kind: 'bind', source, target, readOnly };
  if (!VOLUME_NAME.test(source)) throw bad(`"${source}" is neither a volume name nor an absolute host path`);
  return { kind: 'volume', source, target, readOnly };
}

export function formatPortBinding(b: PortBinding): string {
  const ip = b.hostIp.includes(':') ? `[${b.hostIp}]` : b.hostIp;
  return `${ip}:${b.hostPort}->${b.containerPort}/${b.proto}`;
}
