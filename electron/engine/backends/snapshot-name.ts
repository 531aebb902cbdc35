// Snapshot names, the same for every backend: they become image tags, volume names and qcow2 snapshot tags.

import { ProdlikeError } from '../errors.js';

const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export function checkSnapshotName(name: string): string {
  if (!NAME.test(name)) {
    throw new ProdlikeError(`snapshot name "${name}" is not valid`, { hint: 'use lower-case letters, digits, ".", "_" and "-" (at most 64)' });
  }
  return name;
}
