// The cache's environment variables (docs/cache.md), read as a user writes them. Pure.

/** A saved layer this size or more is carried on over, by default (PRODLIKE_CACHE_STACK_MIN_MB). */
export const STACK_MIN_MB = 64;

/**
 * PRODLIKE_CACHE_STACK_MIN_MB in bytes: the default when unset or empty, undefined when it is not a
 * number of MB ≥ 0 (the caller says so and uses the default, as for PRODLIKE_APT_LISTS_MAX_AGE).
 */
export function stackMinBytes(value: string | undefined): number | undefined {
  const text = value?.trim() ?? '';
  const mb = text === '' ? STACK_MIN_MB : Number(text);
  return Number.isFinite(mb) && mb >= 0 ? mb * 1024 * 1024 : undefined;
}

/** PRODLIKE_NO_CACHE turns the cache off unless unset, empty, `0` or `false` (as a user writes "off"). */
export function noCacheSet(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase() ?? '';
  return v !== '' && v !== '0' && v !== 'false';
}
