// Host key verification. ssh2 accepts any host key unless `hostVerifier` is set, so every connection
// Prodlike makes goes through `hostKeyCheck`: a key is accepted only when ~/.ssh/known_hosts (plain or
// hashed entries) or the app's own trusted-keys store says so. Nothing is ever trusted on first use;
// trusting is an explicit act (`prodlike trust host:port`, or the UI) after the user saw the fingerprint.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';
// ssh2 is CommonJS: its named exports are not visible to Node's ESM loader, the default export is.
import ssh2 from 'ssh2';
import type { TrustedHostKey } from '../../../../shared/api.js';
import { SshError } from '../../errors.js';
import { readJson, writeFileAtomic } from '../../state/atomic-file.js';
import { FileCache } from './file-cache.js';

/** OpenSSH's form: `SHA256:` + base64 of the SHA-256 of the key blob, without `=` padding. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type inside an SSH public key blob ("ssh-ed25519", "ssh-rsa", ...). */
export function keyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return len > 0 && len < 64 && key.length >= 4 + len ? key.toString('latin1', 4, 4 + len) : 'unknown';
}

/** "ED25519 SHA256:…", as OpenSSH prints a key for people. */
export function describeKey(key: Buffer): string {
  const t = keyType(key).replace(/^ssh-/, '').replace(/^ecdsa-sha2-.*/, 'ecdsa').toUpperCase();
  return `${t} ${fingerprint(key)}`;
}

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export interface KnownHostEntry {
  marker?: 'cert-authority' | 'revoked';
  /** Patterns (possibly negated with `!`, with `*`/`?` wildcards), or one hashed name. */
  patterns: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
  line: number;
}

/** Parses known_hosts text; lines that do not parse are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!.slice(1);
      if (m !== 'cert-authority' && m !== 'revoked') return;
      marker = m;
    }
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64) return;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0 || keyType(key) !== type) return;
    const entry: KnownHostEntry = { patterns: [], keyType: type, key, line: i + 1 };
    if (marker) entry.marker = marker;
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (!salt || !hash) return;
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hosts.split(',');
    }
    entries.push(entry);
  });
  return entries;
}

const globs = new Map<string, RegExp>();
function globMatch(pattern: string, name: string): boolean {
  let re = globs.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    if (globs.size < 10_000) globs.set(pattern, re);
  }
  return re.test(name);
}

/** Does the entry name this host (`name` in knownHostsName form)? Negated patterns veto. */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) {
    const digest = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return digest.length === entry.hashed.hash.length && timingSafeEqual(digest, entry.hashed.hash);
  }
  let matched = false;
  for (const p of entry.patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

// known_hosts and the store, parsed once per change of the file for all the connections of a run.
const knownHostsFiles = new FileCache(parseKnownHosts);
const trustedFiles = new FileCache((text): readonly TrustedHostKey[] => {
  const keys: unknown = JSON.parse(text);
  return Array.isArray(keys) ? (keys as TrustedHostKey[]) : [];
});

/** The trusted-keys store: TrustedHostKey[] as JSON in the data folder, written atomically. */
export class HostKeyStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  static inDataDir(dataDir: string): HostKeyStore {
    return new HostKeyStore(path.join(dataDir, 'trusted-host-keys.json'));
  }

  async list(): Promise<TrustedHostKey[]> {
    const keys = await readJson<unknown>(this.file, []);
    return Array.isArray(keys) ? (keys as TrustedHostKey[]) : [];
  }

  /** list(), read again only when the file changed (every connection of a fleet asks). Not to be modified. */
  async listCached(): Promise<readonly TrustedHostKey[]> {
    try {
      return await trustedFiles.get(this.file);
    } catch {
      return this.list();
    }
  }

  /** Trusts `key` for host:port, replacing what was trusted for that host and key type. */
  trust(host: string, port: number, type: string, key: Buffer): Promise<TrustedHostKey> {
    const entry: TrustedHostKey = {
      host: knownHostsName(host, port),
      keyType: type,
      fingerprint: fingerprint(key),
      addedAt: new Date().toISOString(),
    };
    return this.update((keys) => [...keys.filter((k) => !(k.host === entry.host && k.keyType === type)), entry]).then(() => entry);
  }

  /** Forgets every key trusted for host:port; false when there was none. */
  async revoke(host: string, port: number): Promise<boolean> {
    const name = knownHostsName(host, port);
    let removed = false;
    await this.update((keys) => {
      const kept = keys.filter((k) => k.host !== name);
      removed = kept.length !== keys.length;
      return kept;
    });
    return removed;
  }

  // Read-modify-write, one at a time, so two trusts in one process do not lose each other.
  private update(fn: (keys: TrustedHostKey[]) => TrustedHostKey[]): Promise<void> {
    const next = this.queue.then(async () => {
      const keys = fn(await this.list());
      await writeFileAtomic(this.file, `${JSON.stringify(keys, null, 2)}\n`, 0o600);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

export interface HostKeyOptions {
  store: HostKeyStore;
  /** Default: ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts. */
  knownHostsFiles?: string[];
}

export function defaultKnownHostsFiles(): string[] {
  return [path.join(homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}

/** A prepared, synchronous verifier for one host:port (ssh2 calls hostVerifier synchronously). */
export interface HostKeyCheck {
  verify: (key: Buffer) => boolean;
  /** Why the last verify() refused, for the connect error. */
  failure?: SshError;
  /** Server host key algorithms to offer, those of the keys we know first (as OpenSSH does). */
  algorithms: string[];
}

const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algorithmsFor(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : HOST_KEY_ALGORITHMS.filter((a) => a === type);
}

export async function hostKeyCheck(host: string, port: number, opts: HostKeyOptions): Promise<HostKeyCheck> {
  const name = knownHostsName(host, port);
  const known: KnownHostEntry[] = [];
  for (const file of opts.knownHostsFiles ?? defaultKnownHostsFiles()) {
    const entries = await knownHostsFiles.get(file).catch((): KnownHostEntry[] => []);
    known.push(...entries.filter((e) => e.marker !== 'cert-authority' && entryMatches(e, name)));
  }
  const trusted = (await opts.store.listCached()).filter((k) => k.host === name);
  const knownTypes = [...new Set([...known.filter((e) => !e.marker).map((e) => e.keyType), ...trusted.map((k) => k.keyType)])];
  const preferred = knownTypes.flatMap(algorithmsFor);
  const check: HostKeyCheck = {
    algorithms: [...preferred, ...HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))],
    verify(key) {
      const verdict = judgeHostKey(host, port, key, known, trusted);
      if (verdict) check.failure = verdict;
      return !verdict;
    },
  };
  return check;
}

/** null when the key is trusted, else the error to report. Pure: unit-tested without a server. */
export function judgeHostKey(
  host: string,
  port: number,
  key: Buffer,
  known: KnownHostEntry[],
  trusted: TrustedHostKey[],
): SshError | null {
  const where = `${host}:${port}`;
  const type = keyType(key);
  const fp = fingerprint(key);
  if (known.some((e) => e.marker === 'revoked' && e.key.equals(key))) {
    return new SshError(`host key of ${where} is REVOKED in known_hosts (${describeKey(key)})`, {
      where,
      hint: 'the key was revoked on purpose; ask the host owner which key is valid now',
      details: { fingerprint: fp },
    });
  }
  const plain = known.filter((e) => !e.marker);
  if (plain.some((e) => e.key.equals(key)) || trusted.some((k) => k.fingerprint === fp)) return null;
  const sameType = [...new Set([...plain.filter((e) => e.keyType === type).map((e) => fingerprint(e.key)), ...trusted.filter((k) => k.keyType === type).map((k) => k.fingerprint)])];
  if (sameType.length > 0) {
    return new SshError(
      `HOST KEY OF ${where} HAS CHANGED: it presents ${describeKey(key)}, but ${sameType[0]} is the key on record. ` +
        'Someone could be eavesdropping on you right now (possible man-in-the-middle attack), or the host was reinstalled. Refusing to connect.',
      {
        where,
        hint: `if the host really was reinstalled, confirm the new fingerprint with its owner, then run \`prodlike trust ${host}:${port}\` (and remove the old line from known_hosts)`,
        details: { fingerprint: fp, expected: sameType.length === 1 ? sameType[0] : sameType },
      },
    );
  }
  const others = [...new Set([...plain.map((e) => e.keyType), ...trusted.map((k) => k.keyType)])];
  const also = others.length ? `; keys of another type (${others.join(', ')}) are known for it` : '';
  return new SshError(`host key of ${where} is not trusted (${describeKey(key)})${also}`, {
    where,
    hint: `check the fingerprint, then run \`prodlike trust ${host}:${port}\``,
    details: { fingerprint: fp, keyType: type },
  });
}

export interface FetchedHostKey {
  keyType: string;
  key: Buffer;
  fingerprint: string;
}

/**
 * Connects only to read the server's host key, then disconnects: the verifier captures the key and
 * refuses it, so no authentication is attempted and nothing runs on the host.
 */
export function fetchHostKey(host: string, port: number, timeoutMs: number): Promise<FetchedHostKey> {
  const where = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let captured: Buffer | undefined;
    const finish = () => {
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end();
      if (captured) resolve({ keyType: keyType(captured), key: captured, fingerprint: fingerprint(captured) });
    };
    client.on('error', (err: Error & { code?: string; level?: string }) => {
      if (captured) return finish();
      finish();
      reject(connectError(err, where, timeoutMs));
    });
    client.on('close', () => {
      if (captured) return finish();
      reject(new SshError(`${where} closed the connection before sending its host key`, { where }));
    });
    client.connect({
      host,
      port,
      username: 'prodlike-hostkey-probe',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        captured = Buffer.from(key);
        return false;
      },
    });
  });
}

/** Network-level connect failures, named for people: where, and what it means. */
export function connectError(err: Error & { code?: string }, where: string, timeoutMs: number): SshError {
  const secs = Math.round(timeoutMs / 100) / 10;
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED')
    return new SshError(`connection to ${where} refused: nothing listens there`, { where, hint: 'is sshd running, and is the port right?', cause: err });
  if (code === 'ETIMEDOUT' || /timed out/i.test(err.message))
    return new SshError(`${where} is unreachable: no SSH handshake within ${secs} s`, {
      where,
      hint: 'check the address, the port, firewalls and VPN; raise connect_timeout if the host is slow',
      details: { timeoutSeconds: secs },
      cause: err,
    });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new SshError(`host name of ${where} does not resolve`, { where, hint: 'check the host name in the profile', cause: err });
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new SshError(`${where} is unreachable (${code})`, { where, hint: 'check the network route to the host', cause: err });
  return new SshError(`cannot connect to ${where}: ${err.message}`, { where, cause: err });
}
