// symlink: a symbolic link at `symlink:` (the path) pointing to `target:`, or no link there (state:
// absent). Fields as pyinfra's files.link and Ansible's file module with state=link: the link's path is
// the resource's name, `target` what it points to (kept as written: relative targets stay relative),
// `force: true` to replace a directory. A regular file at the path is replaced by the link (the diff says
// so); a directory only with `force: true` (it goes with its content); a special file never.
//
// A baseline records the link under its path among the files (`type: symlink` with its `target`); this
// kind owns that entry: drift against production compares presence and target, and reconcile pins both.

import * as z from 'zod/mini';
import type { ResourceBase } from '../../../shared/profile.js';
import type { Change, DriftStatus } from '../../../shared/report.js';
import type { BaselineFile } from '../baseline-schema.js';
import type { PathFact } from '../facts/types.js';
import { bool, machinePath, ONE_LINE, resourceCommon, state, str, want } from '../schema/schema-parts.js';
import { sh } from '../sh-command.js';
import { typeChange, targetChange } from './baseline-compare.js';
import type { ResourceKind } from './resource.js';
import { APPLY_PRELUDE, checkAbsPath, decodeText, need, parseKv } from './sh.js';

export interface SymlinkResource extends ResourceBase {
  kind: 'symlink';
  /** Absolute path of the link. */
  name: string;
  /** What the link points to, as written (absolute or relative to the link's folder); '' when absent. */
  target: string;
  /** Replace a directory at the path (and its content) with the link. */
  force: boolean;
  state: 'present' | 'absent';
}

declare module '../../../shared/profile.js' {
  interface ResourceKinds {
    symlink: SymlinkResource;
  }
}

export interface SymlinkActual {
  /** What is at the path, the link itself not followed. */
  type: 'absent' | 'link' | 'file' | 'directory' | 'other';
  /** The link's target, when it is a link. */
  target?: string;
}

const NOUN: Record<Exclude<SymlinkActual['type'], 'absent' | 'link'>, string> = { file: 'a regular file', directory: 'a directory', other: 'a special file' };

const schema = z.strictObject({
  symlink: machinePath('link').check(z.refine<string>((v) => !/.\/$/.test(v), want('a link path that does not end with /', 'a trailing / would make the path mean the directory the link points to'))),
  target: z.optional(str('the path the link points to').check(ONE_LINE)),
  force: z._default(bool(), false),
  state: z._default(state(), 'present'),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

/** A path here (facts) or in production (a baseline's file entry): what is there, and a link's target. */
function pathState(e: PathFact | BaselineFile | undefined): { type: string; target?: string } {
  if (e === undefined || ('type' in e && e.type === 'absent') || 'absent' in e) return { type: 'absent' };
  if (!('type' in e)) return { type: 'file' };
  return e.type === 'symlink' ? { type: 'symlink', target: e.target ?? '' } : { type: e.type };
}

const describe = (s: { type: string; target?: string }) => (s.type === 'symlink' ? `a link → ${s.target}` : `a ${s.type}`);
const value = (s: { type: string; target?: string }) => (s.type === 'symlink' ? (s.target ?? '') : s.type);

function linkPath(spec: SymlinkResource): string {
  const p = checkAbsPath(spec.name, 'symlink');
  if (p.replace(/\/+$/, '') === '') throw new Error('symlink /: refusing to manage the root directory as a link');
  return p;
}

export const symlinkKind: ResourceKind<SymlinkResource, SymlinkActual, Data> = {
  kind: 'symlink',

  schema,
  fromProfile(d, ctx) {
    if (d.state === 'present' && (d.target === undefined || d.target === '')) {
      ctx.problem('"target" is required: expected the path the link points to', 'add target: (or state: absent to remove the link)');
      return undefined;
    }
    // With state: absent a target says nothing (a child profile may remove an inherited link).
    return { target: d.state === 'present' ? d.target! : '', force: d.force, state: d.state };
  },

  probe(spec) {
    return sh`_pl_p=${linkPath(spec)}
if [ -L "$_pl_p" ]; then echo type=link; printf 'target='; _pl_t=$(readlink "$_pl_p") && printf '%s' "$_pl_t" | _pl_enc; echo
elif [ -d "$_pl_p" ]; then echo type=directory
elif [ -f "$_pl_p" ]; then echo type=file
elif [ -e "$_pl_p" ]; then echo type=other
else echo type=absent
fi`.text;
  },

  parse(stdout) {
    const kv = parseKv(stdout);
    const type = need(kv, 'type') as SymlinkActual['type'];
    if (!['absent', 'link', 'file', 'directory', 'other'].includes(type)) throw new Error(`unexpected type ${JSON.stringify(type)} in the symlink probe output`);
    return type === 'link' ? { type, target: decodeText(need(kv, 'target')) } : { type };
  },

  diff(spec, actual) {
    const p = spec.name;
    if (spec.state === 'absent') {
      if (actual.type === 'absent') return [];
      if (actual.type === 'link') return [{ field: 'state', summary: `remove link ${p} (→ ${actual.target})`, before: actual.target ?? null, after: 'absent' }];
      return [{ field: 'state', summary: `${p} is ${NOUN[actual.type]}, not a link (Prodlike will not remove it)`, before: actual.type, after: 'absent' }];
    }
    const t = spec.target;
    switch (actual.type) {
      case 'absent':
        return [{ field: 'state', summary: `create link ${p} → ${t}`, before: 'absent', after: t }];
      case 'link':
        return actual.target === t ? [] : [{ field: 'target', summary: `${p} points to ${actual.target}, not ${t}`, before: actual.target ?? null, after: t }];
      case 'file':
        return [{ field: 'state', summary: `${p} is a regular file, not a link: replace it with a link → ${t}`, before: 'file', after: t }];
      case 'directory':
        return [
          spec.force
            ? { field: 'state', summary: `${p} is a directory: replace it and its content with a link → ${t} (force: true)`, before: 'directory', after: t }
            : { field: 'state', summary: `${p} is a directory, not a link (Prodlike will not replace it without force: true)`, before: 'directory', after: t },
        ];
      case 'other':
        return [{ field: 'state', summary: `${p} is a special file, not a link (Prodlike will not replace it)`, before: 'other', after: t }];
    }
  },

  apply(spec) {
    const p = linkPath(spec);
    const what = `symlink ${p}`;
    if (spec.state === 'absent') {
      // Only a link is removed (never what it points to); anything else at the path is left alone.
      return {
        script: sh`${APPLY_PRELUDE}_pl_p=${p}
if [ -L "$_pl_p" ]; then rm -f -- "$_pl_p" || _pl_fail ${`${what}: cannot remove the link`}
elif [ -e "$_pl_p" ]; then _pl_fail ${`${what}: exists and is not a link, not removing it`}
fi
`.text,
      };
    }
    // `ln -n` replaces a link to a directory instead of creating a link inside that directory; a real
    // directory is checked first for the same reason.
    const directory = spec.force
      ? sh`rm -rf -- "$_pl_p" || _pl_fail ${`${what}: cannot remove the directory in the way`}`
      : sh`_pl_fail ${`${what}: is a directory, not replacing it (force: true replaces it and its content)`}`;
    return {
      script: sh`${APPLY_PRELUDE}_pl_p=${p}
if [ -d "$_pl_p" ] && [ ! -L "$_pl_p" ]; then ${directory}; fi
if [ -e "$_pl_p" ] && [ ! -L "$_pl_p" ] && [ ! -f "$_pl_p" ]; then _pl_fail ${`${what}: is a special file, not replacing it`}; fi
_pl_d=$(dirname -- "$_pl_p")
mkdir -p -- "$_pl_d" || _pl_fail ${`${what}: cannot create parent directory`}
ln -sfn -- ${spec.target} "$_pl_p" || _pl_fail ${`${what}: cannot create the link`}
`.text,
    };
  },

  baseline: {
    records: (spec) => [{ section: 'files', name: spec.name, owns: true }],
    compare: ({ host, facts, specs }) =>
      [...new Set(specs.map((s) => s.name))].flatMap((name) => {
        const prod = host.files[name];
        // A path the baseline does not record is unknown in production, not absent.
        if (prod === undefined) return [];
        const here = pathState(facts.paths[name]);
        const there = pathState(prod);
        let status: DriftStatus = 'in-sync';
        let changes: Change[] = [];
        if (here.type === 'absent' && there.type !== 'absent') {
          status = 'missing';
          changes = [{ field: 'state', summary: `absent here, production has ${describe(there)}`, before: null, after: value(there) }];
        } else if (here.type !== 'absent' && there.type === 'absent') {
          status = 'extra';
          changes = [{ field: 'state', summary: `${describe(here)} here, production does not have it`, before: value(here), after: null }];
        } else if (here.type !== there.type) {
          status = 'drifted';
          changes = [typeChange(here.type, there.type)];
        } else if (here.target !== there.target) {
          status = 'drifted';
          changes = [targetChange(here.target ?? '', there.target)];
        }
        return [{ name, status, changes }];
      }),
  },

  // A link's whole state is in the baseline (presence and target), so reconcile can create, repoint and
  // remove it; a directory or file that production has at the path is left to the profile.
  reconcile: {
    pin(spec, host, status) {
      const prod = host.files[spec.name];
      const s = status('symlink', spec.name);
      if (!prod || s === 'in-sync') return spec;
      if ('absent' in prod) return { ...spec, state: 'absent' };
      if ('type' in prod && prod.type === 'symlink' && prod.target !== undefined) return { ...spec, state: 'present', target: prod.target };
      return spec;
    },
    cannotFix(f, host) {
      const prod = pathState(host.files[f.resource.name]);
      return prod.type === 'symlink' || prod.type === 'absent' ? undefined : `production has a ${prod.type} at ${f.resource.name}, not a link; change the profile`;
    },
  },
};
