// The cache's environment variables (docs/cache.md), read as a user writes them. Pure.

import { MB } from '../../../shared/bytes.js';

/**
 * A number of 0 or more as a user writes it in an environment variable: `fallback` when unset or
 * empty, undefined when it is not one (the caller says so and uses the default).
 */
export function amountFromEnv(value: string | undefined, fallback: number): number | undefined {
  const text = value?.trim() ?? '';
  const n = text === '' ? fallback : Number(text);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A saved layer this size or more is carried on over, by default (PRODLIKE_CACHE_STACK_MIN_MB). */
export const STACK_MIN_MB = 64;
export const STACK_MIN_BYTES = STACK_MIN_MB * MB;

/** PRODLIKE_CACHE_STACK_MIN_MB in bytes (amountFromEnv). */
export function stackMinBytes(value: string | undefined): number | undefined {
  const mb = amountFromEnv(value, STACK_MIN_MB);
  return mb === undefined ? undefined : mb * MB;
}

/** PRODLIKE_NO_CACHE turns the cache off unless unset, empty, `0` or `false` (as a user writes "off"). */
export function noCacheSet(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase() ?? '';
  return v !== '' && v !== '0' && v !== 'false';
}
