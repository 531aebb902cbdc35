import { describe, expect, it } from 'vitest';
import { APT_LISTS_MAX_AGE_S, aptListsMaxAgeMs, usable } from '../../../../electron/engine/cache/apt-lists-age.js';

describe('apt lists kept between runs: how long they are used', () => {
  it('reads PRODLIKE_APT_LISTS_MAX_AGE in seconds; unset or blank is an hour; 0 is never', () => {
    expect(APT_LISTS_MAX_AGE_S).toBe(3600);
    expect(aptListsMaxAgeMs(undefined)).toBe(3_600_000);
    expect(aptListsMaxAgeMs(' ')).toBe(3_600_000);
    expect(aptListsMaxAgeMs('90')).toBe(90_000);
    expect(aptListsMaxAgeMs('0.5')).toBe(500);
    expect(aptListsMaxAgeMs('0')).toBe(0);
  });
  it('has no value for what is not a number of seconds, 0 or more (the run warns and uses the default)', () => {
    for (const bad of ['soon', '-1', '1h', 'Infinity', 'NaN']) expect(aptListsMaxAgeMs(bad), bad).toBeUndefined();
  });
  it('uses lists younger than the maximum age, not ones as old or older, nor from the future (a clock set back)', () => {
    expect(usable(0, 1000)).toBe(true);
    expect(usable(999, 1000)).toBe(true);
    expect(usable(1000, 1000)).toBe(false);
    expect(usable(5000, 1000)).toBe(false);
    expect(usable(-1, 1000)).toBe(false);
    expect(usable(0, 0)).toBe(false);
  });
});
