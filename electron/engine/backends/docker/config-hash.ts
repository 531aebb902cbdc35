// The config hash: a sha256 of a machine's normalized docker spec (including the image ID), as Docker
// Compose does it. Equal hash → keep the container; different → recreate. Each piece is also hashed
// on its own so that a recreate can say what changed ("image", "ports", ...).

import { createHash } from 'node:crypto';
import type { DockerMachineSpec } from '../../../../shared/profile.js';
import { formatPortBinding, parsePort, parseVolume } from '../../profile/docker-values.js';
import { byKey } from '../../by-key.js';

export interface NormalizedDockerSpec {
  image: { ref: string; id: string; build: unknown };
  ports: string[];
  env: string[];
  volumes: string[];
  command: string[] | null;
  hostname: string;
  privileged: boolean;
  // Present only when set, so that a machine that does not use them keeps the hash it had before them.
  entrypoint?: string[];
  keepAlive?: false;
  workingDir?: string;
  user?: string;
  healthcheck?: unknown;
  aliases?: string[];
}

export function normalizeDockerSpec(machine: string, spec: DockerMachineSpec, imageId: string): NormalizedDockerSpec {
  const build = spec.build
    ? { context: spec.build.context, dockerfile: spec.build.dockerfile ?? 'Dockerfile', args: Object.entries(byKey(spec.build.args)), ...(spec.build.target ? { target: spec.build.target } : {}) }
    : null;
  const n: NormalizedDockerSpec = {
    image: { ref: spec.image, id: imageId, build },
    ports: spec.ports.flatMap(parsePort).map(formatPortBinding).sort(),
    env: Object.entries(byKey(spec.env)).map(([k, v]) => `${k}=${v}`),
    volumes: spec.volumes
      .map(parseVolume)
      .map((v) => `${v.kind}:${v.source}:${v.target}:${v.readOnly ? 'ro' : 'rw'}`)
      .sort(),
    command: spec.command ?? null,
    hostname: spec.hostname ?? machine,
    privileged: spec.privileged,
  };
  if (spec.entrypoint) n.entrypoint = spec.entrypoint;
  if (spec.keepAlive === false && !spec.command && !spec.entrypoint) n.keepAlive = false;
  if (spec.workingDir) n.workingDir = spec.workingDir;
  if (spec.user) n.user = spec.user;
  if (spec.healthcheck) n.healthcheck = spec.healthcheck;
  if (spec.aliases?.length) n.aliases = [...spec.aliases].sort();
  return n;
}

function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Bump when the normalization changes, so every container is recreated once rather than misjudged. */
const HASH_VERSION = 1;

export interface ConfigHash {
  hash: string;
  /** Piece name → 12-hex-digit hash of that piece. */
  parts: Record<string, string>;
}

export function configHash(n: NormalizedDockerSpec): ConfigHash {
  const parts: Record<string, string> = {};
  for (const [key, value] of Object.entries(n)) parts[key] = sha256(value).slice(0, 12);
  return { hash: sha256({ v: HASH_VERSION, ...n }), parts };
}

export function formatParts(parts: Record<string, string>): string {
  return Object.entries(parts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** Which pieces differ between a container's parts label and the desired parts; [] when unknown. */
export function changedParts(label: string | undefined, desired: Record<string, string>): string[] {
  if (!label) return [];
  const old: Record<string, string> = {};
  for (const item of label.split(' ')) {
    const eq = item.indexOf('=');
    if (eq > 0) old[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return Object.keys(desired).filter((k) => old[k] !== desired[k]);
}
