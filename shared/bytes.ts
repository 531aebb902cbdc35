// Sizes for people: "512 B", "3.4 MB", "160 MB", "1.2 GB", in units of 1000 as `docker images` and
// `docker system df` print them, so that a state's size here reads the same as its image's there (the
// cache size cap's "GB" is 10^9 bytes too). Disk space in doctor is df's GiB (its own formatter).

/** The units sizes are given in (the size cap's GB, PRODLIKE_CACHE_STACK_MIN_MB): the ones formatBytes prints. */
export const MB = 1000 ** 2;
export const GB = 1000 ** 3;

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  // 999.96 kB would print as "1000 kB": it is 1.0 MB.
  while (v >= 999.5 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 9.95 ? 1 : 0)} ${units[i]}`;
}
