// Host key parsing and judging, without a server: known_hosts forms, fingerprints, verdicts.

import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  entryMatches,
  fingerprint,
  HostKeyStore,
  hostKeyCheck,
  judgeHostKey,
  keyType,
  knownHostsName,
  parseKnownHosts,
} from '../../../../../electron/engine/backends/ssh/host-keys.js';

const KEY_A = 'AAAAC3NzaC1lZDI1NTE5AAAAIFVjNguNk69lwYCmVoXvxzEJUhsFEhygOmwXH8bF5Wlm';
const KEY_B = 'AAAAC3NzaC1lZDI1NTE5AAAAIIERaWaxk+zwqfwI3pomeo4YWdB9CWUx3GdlTeIYNrgA';
const a = Buffer.from(KEY_A, 'base64');
const b = Buffer.from(KEY_B, 'base64');

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('fingerprint', () => {
  it('is what ssh-keygen -lf prints: SHA256, base64 without padding', () => {
    expect(fingerprint(a)).toBe('SHA256:SDOMWq8fnDdww2KVY6JcohHPPcM3qV3WG/xzQdwd+n8');
    expect(keyType(a)).toBe('ssh-ed25519');
    expect(keyType(Buffer.from('xx'))).toBe('unknown');
  });
});

describe('known_hosts', () => {
  it('names port 22 hosts plainly and others as [host]:port', () => {
    expect(knownHostsName('db.example', 22)).toBe('db.example');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('parses plain, hashed, wildcard, negated and marked entries, skipping junk', () => {
    const text = [
      '# comment',
      '',
      `web.example,10.0.0.5 ssh-ed25519 ${KEY_A} comment here`,
      `${hashed('[127.0.0.1]:2222')} ssh-ed25519 ${KEY_B}`,
      `*.internal,!bad.internal ssh-ed25519 ${KEY_A}`,
      `@revoked old.example ssh-ed25519 ${KEY_B}`,
      `@cert-authority *.example ssh-ed25519 ${KEY_A}`,
      'broken line',
      `mismatch ssh-rsa ${KEY_A}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => e.line)).toEqual([3, 4, 5, 6, 7]);
    const [plain, hash, wild, revoked, ca] = entries;
    expect(entryMatches(plain!, 'web.example')).toBe(true);
    expect(entryMatches(plain!, '10.0.0.5')).toBe(true);
    expect(entryMatches(plain!, '[web.example]:2222')).toBe(false);
    expect(entryMatches(hash!, '[127.0.0.1]:2222')).toBe(true);
    expect(entryMatches(hash!, '127.0.0.1')).toBe(false);
    expect(entryMatches(wild!, 'db.internal')).toBe(true);
    expect(entryMatches(wild!, 'bad.internal')).toBe(false);
    expect(revoked!.marker).toBe('revoked');
    expect(ca!.marker).toBe('cert-authority');
  });
});

describe('judgeHostKey', () => {
  const known = parseKnownHosts(`[h]:2222 ssh-ed25519 ${KEY_A}\n@revoked [r]:22 ssh-ed25519 ${KEY_B}`);
  const forH = known.filter((e) => entryMatches(e, '[h]:2222'));

  it('accepts a key in known_hosts or in the trusted store', () => {
    expect(judgeHostKey('h', 2222, a, forH, [])).toBeNull();
    const trusted = [{ host: '[h]:2222', keyType: 'ssh-ed25519', fingerprint: fingerprint(b), addedAt: '' }];
    expect(judgeHostKey('h', 2222, b, [], trusted)).toBeNull();
  });

  it('refuses an unknown key with its fingerprint and what to do', () => {
    const err = judgeHostKey('h', 2222, b, [], []);
    expect(err?.message).toBe(`host key of h:2222 is not trusted (ED25519 ${fingerprint(b)})`);
    expect(err?.hint).toBe('check the fingerprint, then run `prodlike trust h:2222`');
  });

  it('refuses a changed key loudly, naming the expected fingerprint', () => {
    const err = judgeHostKey('h', 2222, b, forH, []);
    expect(err?.message).toMatch(/^HOST KEY OF h:2222 HAS CHANGED/);
    expect(err?.message).toContain('possible man-in-the-middle attack');
    expect(err?.details).toEqual({ fingerprint: fingerprint(b), expected: fingerprint(a) });
  });

  it('refuses a revoked key even if it is trusted elsewhere', () => {
    const revoked = known.filter((e) => entryMatches(e, '[r]:22') || entryMatches(e, 'r'));
    const trusted = [{ host: 'r', keyType: 'ssh-ed25519', fingerprint: fingerprint(b), addedAt: '' }];
    expect(judgeHostKey('r', 22, b, revoked, trusted)?.message).toContain('REVOKED');
  });
});

describe('hostKeyCheck: what the connection accepts, from the real sources', () => {
  const sources = (knownHosts = '') => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-hostkeys-'));
    const file = join(dir, 'known_hosts');
    writeFileSync(file, knownHosts);
    const store = HostKeyStore.inDataDir(dir);
    return { store, opts: { store, knownHostsFiles: [file] } };
  };

  it('a key trusted only through `prodlike trust` (the store, no known_hosts line) is accepted, and a changed one refused as CHANGED', async () => {
    const { store, opts } = sources();
    await store.trust('h', 2222, 'ssh-ed25519', a);
    const check = await hostKeyCheck('h', 2222, opts);
    expect(check.verify(a)).toBe(true);
    expect(check.failure).toBeUndefined();
    expect(check.verify(b)).toBe(false);
    expect(check.failure?.message).toMatch(/^HOST KEY OF h:2222 HAS CHANGED: it presents ED25519 /);
    expect(check.failure?.details).toEqual({ fingerprint: fingerprint(b), expected: fingerprint(a) });
    expect(check.algorithms[0]).toBe('ssh-ed25519');
  });

  it('trust is per host and port: a key trusted for another port or host is not trusted here', async () => {
    const { store, opts } = sources(`[h]:2223 ssh-ed25519 ${KEY_B}\nother ssh-ed25519 ${KEY_B}\n`);
    await store.trust('h', 2223, 'ssh-ed25519', a);
    await store.trust('h2', 2222, 'ssh-ed25519', a);
    const check = await hostKeyCheck('h', 2222, opts);
    expect(check.verify(a)).toBe(false);
    expect(check.failure?.message).toBe(`host key of h:2222 is not trusted (ED25519 ${fingerprint(a)})`);
    expect(check.verify(b)).toBe(false);
    expect((await hostKeyCheck('h', 22, opts)).verify(a)).toBe(false);
  });

  it('revoking forgets the key of that host:port only: the next connection refuses it', async () => {
    const { store, opts } = sources();
    await store.trust('h', 2222, 'ssh-ed25519', a);
    await store.trust('h', 2223, 'ssh-ed25519', a);
    expect(await store.revoke('h', 2222)).toBe(true);
    expect((await hostKeyCheck('h', 2222, opts)).verify(a)).toBe(false);
    expect((await hostKeyCheck('h', 2223, opts)).verify(a)).toBe(true);
  });

  it('trusting a new key replaces the old one: the old key is then refused as CHANGED', async () => {
    const { store, opts } = sources();
    await store.trust('h', 2222, 'ssh-ed25519', a);
    await store.trust('h', 2222, 'ssh-ed25519', b);
    expect(await store.list()).toHaveLength(1);
    const check = await hostKeyCheck('h', 2222, opts);
    expect(check.verify(b)).toBe(true);
    expect(check.verify(a)).toBe(false);
    expect(check.failure?.details).toEqual({ fingerprint: fingerprint(a), expected: fingerprint(b) });
  });

  it('a revoked key is not "the key on record": an unknown key next to it is untrusted, not CHANGED', async () => {
    const { opts } = sources(`@revoked [h]:2222 ssh-ed25519 ${KEY_B}\n`);
    const check = await hostKeyCheck('h', 2222, opts);
    expect(check.verify(a)).toBe(false);
    expect(check.failure?.message).toBe(`host key of h:2222 is not trusted (ED25519 ${fingerprint(a)})`);
  });

  it('a known_hosts line accepts its key; @revoked beats the store; @cert-authority lines are not host keys', async () => {
    const { store, opts } = sources(`[h]:2222 ssh-ed25519 ${KEY_A}\n@revoked [h]:2222 ssh-ed25519 ${KEY_B}\n@cert-authority [h]:2222 ssh-ed25519 ${KEY_B}\n`);
    await store.trust('h', 2222, 'ssh-ed25519', b);
    const check = await hostKeyCheck('h', 2222, opts);
    expect(check.verify(a)).toBe(true);
    expect(check.verify(b)).toBe(false);
    expect(check.failure?.message).toContain('REVOKED');
    const caOnly = sources(`@cert-authority [h]:2222 ssh-ed25519 ${KEY_B}\n`);
    expect((await hostKeyCheck('h', 2222, caOnly.opts)).verify(b)).toBe(false);
  });
});
