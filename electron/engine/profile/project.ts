// Where a profile's project is: the folder a profile may reach into without asking (its bind mounts and
// build contexts), and where the production guard stops looking for baselines.

import { existsSync } from 'node:fs';
import path from 'node:path';

/** The nearest folder at or above `dir` that holds `.git`; undefined outside a repository. */
export function repositoryRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * The project of a profile file: its repository; outside one, the folder that holds the `profiles/`
 * folder it lives in; otherwise the profile's own folder.
 */
export function projectRoot(profileFile: string): string {
  const dir = path.dirname(path.resolve(profileFile));
  const repo = repositoryRoot(dir);
  if (repo) return repo;
  const parts = dir.split(path.sep);
  const i = parts.lastIndexOf('profiles');
  return i > 0 ? parts.slice(0, i).join(path.sep) || path.sep : dir;
}

/** Whether `target` is `root` or inside it (paths as given, both absolute). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
