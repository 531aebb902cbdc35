// Which values make a resource secret-bearing for the cache: the profile's secret values (today the
// secret-looking `${env.X}` references, secrets.ts). A resource holding one is never saved into a
// cached image. One function, so that how secrets are decided changes in one place.

import type { Profile } from '../../../shared/profile.js';
import { secretValues } from '../secrets.js';

export function secretBearingValues(profile: Profile, env: Record<string, string | undefined>): string[] {
  return secretValues(profile, env);
}
