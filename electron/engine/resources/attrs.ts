// Mode, owner and group: shared by file and directory (diff, apply, and reconcile's pinning). Owners may
// be given as names or numeric ids.

import type { Change } from '../../../shared/report.js';
import type { BaselineDirectory, BaselineFile } from '../baseline-schema.js';
import { joinSh, raw, sh, type ShellCommand } from '../sh-command.js';
import { checkName, normMode, specMode } from './sh.js';
import * as z from 'zod/mini';
import { accountName, mode } from '../schema/schema-parts.js';

/** The profile keys of a path's attributes (files and directories), as their schemas spread them. */
export const attrFields = {
  mode: z.optional(mode()),
  owner: z.optional(accountName('user')),
  group: z.optional(accountName('group')),
};

export interface Attrs {
  mode: string;
  uid: number;
  /** "UNKNOWN" when the uid has no name on the machine. */
  owner: string;
  gid: number;
  group: string;
}

/** stat format printing what parseStat reads; works with GNU and busybox stat. */
export const STAT_FORMAT = '%a %u %U %g %G %s';

export function parseStat(line: string): Attrs & { size: number } {
  const [mode, uid, owner, gid, group, size] = line.trim().split(/\s+/);
  if (size === undefined || normMode(mode) === undefined) throw new Error(`unexpected stat output ${JSON.stringify(line)}`);
  return { mode: normMode(mode)!, uid: Number(uid), owner: owner!, gid: Number(gid), group: group!, size: Number(size) };
}

export interface AttrSpec {
  name: string;
  mode?: string;
  owner?: string;
  group?: string;
}

function sameIdentity(want: string, id: number, name: string): boolean {
  return /^\d+$/.test(want) ? Number(want) === id : want === name;
}

/** Changes for mode, owner and group; `actual` undefined means the object is about to be created. */
export function attrChanges(spec: AttrSpec, actual: Attrs | undefined): Change[] {
  const changes: Change[] = [];
  const mode = specMode(spec.mode, spec.name);
  if (mode !== undefined && mode !== actual?.mode) {
    changes.push({ field: 'mode', summary: actual ? `mode ${actual.mode} → ${mode}` : `mode ${mode}`, before: actual?.mode ?? null, after: mode });
  }
  if (spec.owner !== undefined && !(actual && sameIdentity(spec.owner, actual.uid, actual.owner))) {
    changes.push({ field: 'owner', summary: actual ? `owner ${actual.owner} → ${spec.owner}` : `owner ${spec.owner}`, before: actual?.owner ?? null, after: spec.owner });
  }
  if (spec.group !== undefined && !(actual && sameIdentity(spec.group, actual.gid, actual.group))) {
    changes.push({ field: 'group', summary: actual ? `group ${actual.group} → ${spec.group}` : `group ${spec.group}`, before: actual?.group ?? null, after: spec.group });
  }
  return changes;
}

/**
 * sh setting mode/owner/group of the path in variable `pathVar` (such as `$_pl_p`), naming the resource
 * when it fails. `--` ends the options, and names are checked, so no value can be taken for an option.
 */
export function attrScript(spec: AttrSpec, pathVar: `$${string}`, what: string): ShellCommand {
  const lines: ShellCommand[] = [];
  const path = raw(`"${pathVar}"`);
  const mode = specMode(spec.mode, spec.name);
  if (mode !== undefined) lines.push(sh`chmod -- ${mode} ${path} || _pl_fail ${`${what}: cannot set mode ${mode}`}`);
  if (spec.owner !== undefined || spec.group !== undefined) {
    if (spec.owner !== undefined) checkName(spec.owner, `${what}: owner`);
    if (spec.group !== undefined) checkName(spec.group, `${what}: group`);
    const who = `${spec.owner ?? ''}${spec.group !== undefined ? `:${spec.group}` : ''}`;
    lines.push(sh`chown -- ${who} ${path} || _pl_fail ${`${what}: cannot set owner/group to ${who} (does the user or group exist?)`}`);
  }
  return joinSh(lines);
}

/**
 * Reconcile: production's mode, owner and group for a file or directory the profile keeps present (its
 * content stays the profile's: a baseline holds hashes, never content). "UNKNOWN": production's uid/gid
 * has no name; a number would mean another account here.
 */
export function pinAttrs<S extends AttrSpec & { state: 'present' | 'absent' }>(spec: S, prod: BaselineFile | BaselineDirectory | undefined): S {
  if (!prod || 'absent' in prod || 'type' in prod || spec.state === 'absent') return spec;
  const out = { ...spec, mode: prod.mode.padStart(4, '0') };
  if (prod.owner !== 'UNKNOWN') out.owner = prod.owner;
  if (prod.group !== 'UNKNOWN') out.group = prod.group;
  return out;
}
