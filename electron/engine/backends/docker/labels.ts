// Ownership lives on the engine's objects, as Docker Compose does it: these labels say which profile and
// machine a container, network or volume belongs to, and the config hash decides keep or recreate.

export const LABEL_PROFILE = 'prodlike.profile';
export const LABEL_MACHINE = 'prodlike.machine';
export const LABEL_CONFIG_HASH = 'prodlike.config-hash';
/** Short hashes of each normalized piece ("image=… ports=…"), so a recreate can say what changed. */
export const LABEL_CONFIG_PARTS = 'prodlike.config-parts';
/** The profile file, informational only (the profile name is the identity). */
export const LABEL_PROFILE_FILE = 'prodlike.profile-file';
/** On volumes: the name the profile gives the volume. */
export const LABEL_VOLUME = 'prodlike.volume';
/** On built images: fingerprint of the build context, so a changed context is rebuilt. */
export const LABEL_BUILD_HASH = 'prodlike.build-hash';

export function containerName(profile: string, machine: string): string {
  return `${profile}-${machine}`;
}

export function networkName(profile: string): string {
  return `prodlike-${profile}`;
}

export function volumeName(profile: string, volume: string): string {
  return `${profile}_${volume}`;
}

export function profileFilter(profile: string): string {
  return `${LABEL_PROFILE}=${profile}`;
}

export function ownerLabels(profileName: string, profileFile: string): Record<string, string> {
  return { [LABEL_PROFILE]: profileName, [LABEL_PROFILE_FILE]: profileFile };
}
