// Profiles: YAML files → the Profile of shared/profile.ts. The format is documented for users in
// docs/profiles.md; every error is a ProfileError naming file:line:col.

export { loadProfile, type LoadOptions } from './load.js';
export { listProfiles, resolveProfileArg } from './find.js';
