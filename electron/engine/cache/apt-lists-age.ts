// How long apt's package lists kept between runs are used without a fetch (backends/docker/apt-lists.ts).

import { amountFromEnv } from './cache-env.js';

/** How long kept lists are used without a fetch, by default. */
export const APT_LISTS_MAX_AGE_S = 3600;
/** The maximum age from PRODLIKE_APT_LISTS_MAX_AGE (seconds): the default when unset, undefined when not a number ≥ 0. */
export function aptListsMaxAgeMs(value: string | undefined): number | undefined {
  const s = amountFromEnv(value, APT_LISTS_MAX_AGE_S);
  return s === undefined ? undefined : s * 1000;
}

/** Whether kept lists written `ageMs` ago are used (a clock set back gives a negative age: not used). */
export function usable(ageMs: number, maxAgeMs: number): boolean {
  return ageMs >= 0 && ageMs < maxAgeMs;
}
