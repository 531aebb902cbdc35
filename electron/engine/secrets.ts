// Secrets are referenced (`${env.DB_URL}`), never inlined, and never appear in logs, events, reports or
// the UI. Masking goes by value: while a profile loads, every value that comes from the environment and
// looks like a credential, or that the profile names in `secrets:`, is recorded on the loaded profile
// (`profile.secrets`); everything that leaves the engine for a person (events, results, stored reports,
// the profile shown in the app, load errors) has those values replaced by a mask.

import type { Profile } from '../../shared/profile.js';
import { SECRET_NAME } from './facts/index.js';

export const MASK = '********';

/** Very short values would mask ordinary text everywhere; they are not secrets worth the name. */
const MIN_SECRET_LENGTH = 4;

/** `scheme://user:password@host`: the password part. */
const URL_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\s:@]*:([^/\s@]+)@/;

/**
 * A value from `${env.NAME}` is secret when the profile says so (`secrets:`), when its name says so
 * (DB_PASSWORD, API_TOKEN, ...), or when it looks like a credential: a URL with a password in it, or a
 * long random-looking token.
 */
export function isSecretEnv(name: string, value: string, declared: ReadonlySet<string>): boolean {
  if (value.length < MIN_SECRET_LENGTH) return false;
  return declared.has(name) || SECRET_NAME.test(name) || looksLikeCredential(value);
}

export function looksLikeCredential(value: string): boolean {
  return URL_PASSWORD.test(value) || looksLikeToken(value);
}

/**
 * 20+ characters of one word (letters, digits, `_-+/=.~`) with a run of 16+ between separators
 * (`_-.~`) that mixes letters and digits, and close to random (Shannon entropy ≥ 3.5 bits a
 * character). Paths, versions, words joined by dashes and image names are not.
 */
export function looksLikeToken(value: string): boolean {
  if (value.length < 20 || value.length > 4096) return false;
  if (!/^[A-Za-z0-9_\-+/=.~]+$/.test(value) || /^[/.~]/.test(value)) return false;
  if (!value.split(/[_\-.~]/).some((run) => run.length >= 16 && /[0-9]/.test(run) && /[A-Za-z]/.test(run))) return false;
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits >= 3.5;
}

/** The strings to mask for one secret value: itself and, for a URL, its password (as written and decoded). */
export function secretParts(value: string): string[] {
  const out = [value];
  const pw = URL_PASSWORD.exec(value)?.[1];
  if (pw && pw.length >= MIN_SECRET_LENGTH) {
    out.push(pw);
    try {
      const decoded = decodeURIComponent(pw);
      if (decoded !== pw && decoded.length >= MIN_SECRET_LENGTH) out.push(decoded);
    } catch {
      // Not valid percent-encoding: the password is what is written.
    }
  }
  return out;
}

/** The secret values recorded on a loaded profile (none on a profile that was copied or built by hand). */
export function secretsOf(profile: Profile): readonly string[] {
  return profile.secrets ?? [];
}

/**
 * Records the secrets on the profile without making them part of it: not enumerable, so a copy, JSON,
 * structured clone (IPC) or the redactor's walk never carries them anywhere.
 */
export function attachSecrets(profile: Profile, secrets: Iterable<string>): void {
  Object.defineProperty(profile, 'secrets', { value: Object.freeze([...secrets]), enumerable: false });
}

export type Redact = <T>(value: T) => T;

/** Masks the secrets in any JSON-like value (a copy); the longest first, so one inside another is masked whole. */
export function redactor(secrets: readonly string[]): Redact {
  secrets = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (v) => v;
  const mask = (s: string) => secrets.reduce((acc, secret) => (acc.includes(secret) ? acc.split(secret).join(MASK) : acc), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return mask(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return <T>(value: T) => walk(value) as T;
}
