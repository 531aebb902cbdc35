// The cache's labels and names. Cached states are images on the engine, labelled with what they are;
// the labels are the only record (no side database), as for containers.

export const CACHE_REPO = 'prodlike-cache';
export const LABEL_CACHE_KEY = 'prodlike.cache-key';
/** "3/7": the state after 3 of the machine's 7 resources. */
export const LABEL_CACHE_PREFIX = 'prodlike.cache-prefix';
export const LABEL_CACHE_PROFILE = 'prodlike.cache-profile';
export const LABEL_CACHE_MACHINE = 'prodlike.cache-machine';
export const LABEL_CACHE_SAVED_AT = 'prodlike.cache-saved-at';
/** The image the state was committed from (the base image, or an earlier cached state). */
export const LABEL_CACHE_PARENT = 'prodlike.cache-parent';
export const LABEL_CACHE_FORMAT = 'prodlike.cache-format';

export const SNAPSHOT_REPO = 'prodlike-snapshot';
export const LABEL_SNAPSHOT = 'prodlike.snapshot';
export const LABEL_SNAPSHOT_PROFILE = 'prodlike.snapshot-profile';
export const LABEL_SNAPSHOT_MACHINE = 'prodlike.snapshot-machine';
/** On a snapshot volume: the profile's volume name it copies. */
export const LABEL_SNAPSHOT_VOLUME = 'prodlike.snapshot-volume';
export const LABEL_SNAPSHOT_SAVED_AT = 'prodlike.snapshot-saved-at';

export function cacheRef(tag: string): string {
  return `${CACHE_REPO}:${tag}`;
}
