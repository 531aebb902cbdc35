// What an import produces before it is written: a profile as plain data, the comments that say where
// each machine came from, and what could not be carried over (never dropped silently).

import type { SourcePos } from '../../../shared/profile.js';

export interface ImportNote {
  pos: SourcePos;
  /** The service (Compose) or the file's key path it belongs to. */
  service?: string;
  /** The key as written: `restart`, `build.cache_from`, `features`. */
  key: string;
  /** Why it is not in the profile, and what to do. */
  message: string;
}

export interface ImportedMachine {
  name: string;
  /** Comment lines written above the machine: where it came from. */
  comments: string[];
  docker: Record<string, unknown>;
  resources: Record<string, unknown>[];
}

export interface ImportedProfile {
  name: string;
  description: string;
  machines: ImportedMachine[];
  notes: ImportNote[];
  /** Variables written as `${env.NAME}` (secret-looking), which must be set when the profile is used. */
  envRefs: string[];
}

/** Marks a secret-looking variable inside an imported string; the writer turns it into `${env.NAME}`. */
export const ENV_REF = (name: string) => `\u0000prodlike-env:${name}\u0000`;
// NUL-delimited: a Compose value would need this exact NUL sequence (an escape) to be taken for it.
// eslint-disable-next-line no-control-regex
export const ENV_REF_RE = /\u0000prodlike-env:([A-Za-z_][A-Za-z0-9_]*)\u0000/g;
