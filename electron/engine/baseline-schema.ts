// The baseline file format, version 1: what production looked like, as YAML meant for git. The TS
// types mirror the file one to one (snake_case included), so there is no translation layer to drift.

import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini carries no messages (every issue would read "Invalid input"); classic zod loaded the
// English ones, which are what users see after `path:` when a baseline is malformed.
z.config(en());

export const BASELINE_FORMAT = 'prodlike-baseline/1';
export const BASELINE_VERSION = 1;

/** classic zod's z.number().int(): a number first ("expected number"), then a whole one. */
const int = () => z.number().check(z.int());

const absent = z.object({ absent: z.literal(true) });
const owned = { mode: z.string(), owner: z.string(), group: z.string() };

/** A file: sha256 (null when it could not be read), or what was found instead of a regular file. */
const fileEntry = z.union([
  absent,
  z.object({ ...owned, sha256: z.nullable(z.string().check(z.regex(/^[0-9a-f]{64}$/))) }),
  z.object({ ...owned, type: z.enum(['directory', 'symlink', 'other']), target: z.optional(z.string()) }),
]);

const directoryEntry = z.union([
  absent,
  z.object(owned),
  z.object({ ...owned, type: z.enum(['file', 'symlink', 'other']), target: z.optional(z.string()) }),
]);

const userEntry = z.union([
  absent,
  z.object({ uid: int(), gid: int(), home: z.string(), shell: z.string(), groups: z.array(z.string()) }),
]);

const groupEntry = z.union([absent, z.object({ gid: int(), members: z.array(z.string()) })]);

const serviceEntry = z.union([
  absent,
  z.object({ state: z.enum(['running', 'stopped', 'failed', 'unknown']), enabled: z.optional(z.boolean()) }),
]);

export const baselineHostSchema = z.object({
  /** host:port for SSH machines; the transport's target otherwise. */
  address: z.string(),
  os: z.object({ id: z.string(), version_id: z.string(), pretty_name: z.string() }),
  arch: z.string(),
  kernel: z.string(),
  package_manager: z.enum(['dpkg', 'rpm', 'apk']),
  /** Every installed package: name → version. */
  packages: z.record(z.string(), z.string()),
  users: z.record(z.string(), userEntry),
  groups: z.record(z.string(), groupEntry),
  services: z.record(z.string(), serviceEntry),
  ports: z.array(z.object({ proto: z.enum(['tcp', 'udp']), address: z.string(), port: int().check(z.minimum(0), z.maximum(65535)) })),
  /** /etc/environment; secret-looking values are "<redacted>". */
  env: z.record(z.string(), z.string()),
  files: z.record(z.string(), fileEntry),
  directories: z.record(z.string(), directoryEntry),
});

/** A host of the profile that could not be captured (`capture --allow-unreachable`): nothing is known of it. */
export const notCapturedSchema = z.object({ address: z.string(), reason: z.string() });

export const baselineSchema = z.object({
  format: z.literal(BASELINE_FORMAT),
  profile: z.string(),
  /** The only timestamp in the file (so re-captures of an unchanged host differ in one line). */
  captured_at: z.string(),
  hosts: z.record(z.string(), baselineHostSchema),
  not_captured: z.optional(z.record(z.string(), notCapturedSchema)),
});

export type Baseline = z.output<typeof baselineSchema>;
export type BaselineHost = z.output<typeof baselineHostSchema>;
export type BaselineFile = z.output<typeof fileEntry>;
export type BaselineDirectory = z.output<typeof directoryEntry>;
export type BaselineUser = z.output<typeof userEntry>;
export type BaselineGroup = z.output<typeof groupEntry>;
export type BaselineService = z.output<typeof serviceEntry>;
export type NotCaptured = z.output<typeof notCapturedSchema>;
