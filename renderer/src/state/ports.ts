// A machine's ports as a person uses them: a link to open and an address to copy. Reads both what the
// engine lists for a running container ("127.0.0.1:8080->80/tcp") and what a profile declares
// ("127.0.0.1:8080:80", "8080:80/udp", "80").

export interface PortView {
  /** As written by the engine or the profile. */
  raw: string;
  /** Where it is reached from this machine: "127.0.0.1:8080"; undefined when no host port is published. */
  address?: string;
  hostPort?: number;
  containerPort: string;
  proto: 'tcp' | 'udp' | 'sctp';
  /** http://address, for TCP ports only. */
  href?: string;
}

function hostOf(ip: string): string {
  // Bound to every address (or unnamed): reach it on loopback.
  if (ip === '' || ip === '0.0.0.0' || ip === '[::]' || ip === '::') return '127.0.0.1';
  return ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip;
}

function finish(raw: string, ip: string | undefined, hostPort: string | undefined, containerPort: string, proto: string): PortView {
  const p = (proto || 'tcp').toLowerCase() as PortView['proto'];
  const view: PortView = { raw, containerPort, proto: p };
  const hp = hostPort ? Number(hostPort) : NaN;
  if (Number.isInteger(hp) && hp > 0) {
    view.hostPort = hp;
    view.address = `${hostOf(ip ?? '')}:${hp}`;
    if (p === 'tcp') view.href = `http://${view.address}`;
  }
  return view;
}

export function parsePort(raw: string): PortView | null {
  const s = raw.trim();
  // Engine form: IP:PUBLIC->PRIVATE/proto, the IP possibly in brackets.
  let m = /^(?:(\[[^\]]+\]|[^:[\]]+):)?(\d+)->(\d+(?:-\d+)?)(?:\/(\w+))?$/.exec(s);
  if (m) return finish(raw, m[1], m[2], m[3]!, m[4] ?? 'tcp');
  // Declared form: [IP:][HOST:]CONTAINER[/proto]; an IPv6 IP is in brackets.
  m = /^(?:(\[[^\]]+\]|[^:[\]]+):)?(?:(\d*):)?(\d+(?:-\d+)?)(?:\/(\w+))?$/.exec(s);
  if (m) {
    // "8080:80" parses as IP=8080, HOST=undefined: a lone number before the container port is the host port.
    if (m[1] !== undefined && m[2] === undefined && /^\d+$/.test(m[1])) return finish(raw, undefined, m[1], m[3]!, m[4] ?? 'tcp');
    return finish(raw, m[1], m[2], m[3]!, m[4] ?? 'tcp');
  }
  return null;
}

/** Every port that parses, in order; what does not parse is kept as plain text. */
export function portViews(list: readonly string[]): PortView[] {
  return list.map((raw) => parsePort(raw) ?? { raw, containerPort: raw, proto: 'tcp' as const });
}
