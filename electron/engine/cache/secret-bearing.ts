// Which values make a resource secret-bearing for the cache: the profile's secret values, as the loader
// marked them while interpolating (secrets.ts). A resource holding one is never saved into a cached
// image. One function, so that how secrets are decided changes in one place.

import type { Profile } from '../../../shared/profile.js';
import { secretsOf } from '../secrets.js';

export function secretBearingValues(profile: Profile): string[] {
  return [...secretsOf(profile)];
}
