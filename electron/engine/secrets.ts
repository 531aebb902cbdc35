// Secrets are referenced (`${env.DB_PASSWORD}`), never inlined, and never appear in logs, events,
// reports or the UI. The values behind secret-looking references of a profile are collected here, and
// everything that leaves the engine for a person (events, results, the profile shown in the app) has
// them replaced by a mask.

import { readFileSync } from 'node:fs';
import type { Profile } from '../../shared/profile.js';
import { SECRET_NAME } from './facts/index.js';

export const MASK = '********';
const ENV_REF = /\$\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}/g;

/** The values of the secret-looking `${env.X}` references in the profile's files. */
export function secretValues(profile: Profile, env: Record<string, string | undefined>): string[] {
  const out = new Set<string>();
  for (const file of profile.files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(ENV_REF)) {
      const name = m[1]!;
      const value = env[name];
      // Very short values would mask ordinary text everywhere; they are not secrets worth the name.
      if (SECRET_NAME.test(name) && value && value.length >= 4) out.add(value);
    }
  }
  return [...out];
}

export type Redact = <T>(value: T) => T;

/** Masks the secrets in any JSON-like value (a copy); the longest first, so one inside another is masked whole. */
export function redactor(secrets: string[]): Redact {
  if (secrets.length === 0) return (v) => v;
  secrets = [...secrets].sort((a, b) => b.length - a.length);
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
