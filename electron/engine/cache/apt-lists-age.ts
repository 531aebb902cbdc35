// How long apt's package lists kept between runs are used without a fetch (backends/docker/apt-lists.ts).

/** How long kept lists are used without a fetch, by default. */
export const APT_LISTS_MAX_AGE_S = 3600;
/** The maximum age from PRODLIKE_APT_LISTS_MAX_AGE (seconds): the default when unset, undefined when not a number ≥ 0. */
export function aptListsMaxAgeMs(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return APT_LISTS_MAX_AGE_S * 1000;
  const s = Number(value);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/** Whether kept lists written `ageMs` ago are used (a clock set back gives a negative age: not used). */
export function usable(ageMs: number, maxAgeMs: number): boolean {
  return ageMs >= 0 && ageMs < maxAgeMs;
}
