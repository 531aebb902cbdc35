// The resource kinds: one module each (resource.ts says what a module holds). Adding a kind is its
// module, a line here, and its tests: the loader, capture, baseline drift and reconcile go through this
// list. The order is the one error hints list the kinds in and baseline drift reports them in.

import type { ResourceKindName, ResourceSpec } from '../../../shared/profile.js';
import { commandKind } from './command-resource.js';
import { directoryKind } from './directory-resource.js';
import { envKind } from './env-resource.js';
import { fileKind } from './file-resource.js';
import { groupKind } from './group-resource.js';
import { lineKind } from './line-resource.js';
import { packageKind } from './package-resource.js';
import type { ResourceKind } from './resource.js';
import { serviceKind } from './service-resource.js';
import { symlinkKind } from './symlink-resource.js';
import { userKind } from './user-resource.js';

type KindMap = { [K in ResourceKindName]: ResourceKind<Extract<ResourceSpec, { kind: K }>, unknown> };

export const KINDS: KindMap = {
  package: packageKind,
  file: fileKind,
  directory: directoryKind,
  symlink: symlinkKind,
  line: lineKind,
  user: userKind,
  group: groupKind,
  command: commandKind,
  service: serviceKind,
  env: envKind,
};

/** Every kind's name, in registry order. */
export const KIND_NAMES = Object.keys(KINDS) as readonly ResourceKindName[];

/** Every kind's module, in registry order. */
export const KIND_LIST = Object.values(KINDS) as readonly ResourceKind[];

export function isKindName(name: string): name is ResourceKindName {
  return Object.hasOwn(KINDS, name);
}

export function kindOf<S extends ResourceSpec>(spec: S): ResourceKind<S, unknown> {
  const kind = KINDS[spec.kind];
  if (!kind) throw new Error(`unknown resource kind ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  return kind as unknown as ResourceKind<S, unknown>;
}
