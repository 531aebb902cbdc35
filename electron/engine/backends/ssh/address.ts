// What a host string in a profile or a baseline will actually reach, as a comparable value. The
// production guard compares these, never the text as written: `10.5`, `0x0a.0.0.5`, `167772165` and
// `::ffff:10.0.0.5` all reach 10.0.0.5 (getaddrinfo parses IPv4 the way inet_aton does), and
// `Web-1.Shop.Internal.` is the name `web-1.shop.internal`.
//
// Pure: no DNS here. Names are resolved by the caller (node:dns lookup, or an injected resolver in tests).

import { isIPv4, isIPv6 } from 'node:net';

/** A host after normalisation: an address (canonical text) or a DNS name (lower case, no trailing dot). */
export type HostForm = { kind: 'ip'; ip: string } | { kind: 'name'; name: string };

/** Where a connection goes: the host as written, its port, and every address it resolved to. */
export interface ResolvedEndpoint {
  host: string;
  port: number;
  /** Canonical addresses (see canonicalIp); empty when the name did not resolve here. */
  addresses: string[];
  /** The jump host the connection is forwarded through; its sshd, not ours, resolves `host`. */
  via?: { host: string; port: number; addresses: string[] };
}

/** Called with the endpoint just before ssh2 connects (or a jump host forwards); throws to refuse. */
export type ConnectGuard = (endpoint: ResolvedEndpoint) => void;

/**
 * An IPv4 address in any form inet_aton (and so getaddrinfo, and so ssh2) accepts: 1 to 4 parts,
 * each decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes.
 * `10.5` → 10.0.0.5, `167772165` → 10.0.0.5. undefined when it is not one.
 */
export function parseIPv4(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]+$/i.test(p)) n = parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = p.length === 1 ? 0 : parseInt(p.slice(1), 8);
    else if (/^[1-9][0-9]*$/.test(p)) n = parseInt(p, 10);
    else return undefined;
    if (!Number.isSafeInteger(n)) return undefined;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255)) return undefined;
  if (last >= 2 ** (8 * (4 - nums.length))) return undefined;
  let value = last;
  nums.forEach((n, i) => (value += n * 2 ** (8 * (3 - i))));
  return [24, 16, 8, 0].map((s) => Math.floor(value / 2 ** s) % 256).join('.');
}

/** Eight 16-bit groups of an IPv6 address (an embedded IPv4 tail included), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  if (!isIPv6(text)) return undefined;
  let s = text;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, -tail[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - h.length - r.length).fill('0');
  const groups = [...h, ...fill, ...r].map((g) => parseInt(g, 16));
  return groups.length === 8 ? groups : undefined;
}

/**
 * Canonical text of an address: dotted decimal for IPv4 (and for IPv4 reached through IPv6: mapped
 * `::ffff:a.b.c.d` and NAT64 `64:ff9b::a.b.c.d`), the full lower-case form for other IPv6
 * (zone removed). undefined when `text` is not an address.
 */
export function canonicalIp(text: string): string | undefined {
  const t = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(t)) return t;
  const v6 = ipv6Groups(t);
  if (v6) {
    const mapped = v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff;
    const nat64 = v6[0] === 0x64 && v6[1] === 0xff9b && v6.slice(2, 6).every((g) => g === 0);
    if (mapped || nat64) return [v6[6]! >> 8, v6[6]! & 255, v6[7]! >> 8, v6[7]! & 255].join('.');
    return v6.map((g) => g.toString(16)).join(':');
  }
  return parseIPv4(t);
}

/** A host as written → what it names. `localhost` and `*.localhost` are this machine (RFC 6761), whatever DNS says. */
export function hostForm(host: string): HostForm {
  const t = host.trim().replace(/^\[|\]$/g, '');
  const ip = canonicalIp(t) ?? canonicalIp(t.replace(/\.$/, ''));
  if (ip) return { kind: 'ip', ip };
  const name = t.toLowerCase().replace(/\.+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return { kind: 'ip', ip: '127.0.0.1' };
  return { kind: 'name', name };
}

/**
 * Addresses that reach this machine itself: all of 127.0.0.0/8, ::1, and the unspecified 0.0.0.0 and
 * :: (connecting to them reaches the local host). A port forward listens on all of them at once
 * (`ssh -L 2222:prod:22` binds 127.0.0.1 and ::1), so they count as one place.
 */
export function isThisMachine(ip: string): boolean {
  return ip.startsWith('127.') || ip === '0.0.0.0' || ip === '0:0:0:0:0:0:0:1' || ip === '0:0:0:0:0:0:0:0';
}

/** The place an address reaches, for comparing: loopback addresses are all one place. */
export function placeOf(ip: string): string {
  return isThisMachine(ip) ? 'this machine' : ip;
}

/** `web-1` is a short name: no dot, not an address. */
export function isShortName(f: HostForm): boolean {
  return f.kind === 'name' && !f.name.includes('.');
}
