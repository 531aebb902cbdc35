// directory: exists with mode, owner and group, or is absent (removed with its content).

import type { DirectoryResource } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import { attrFields, attrChanges, attrScript, parseStat, STAT_FORMAT, type Attrs } from './attrs.js';
import type { ResourceKind } from './resource.js';
import { sh } from '../sh-command.js';
import { APPLY_PRELUDE, checkAbsPath, need, parseKv } from './sh.js';
import * as z from 'zod/mini';
import { machinePath, normalMode, opt, resourceCommon, state } from '../schema/schema-parts.js';
import { pathKindProduction } from './baseline-compare.js';

export interface DirectoryActual extends Partial<Attrs> {
  type: 'absent' | 'directory' | 'file' | 'other';
}

function path(spec: DirectoryResource): string {
  const p = checkAbsPath(spec.name, 'directory');
  if (spec.state === 'absent' && p.replace(/\/+$/, '') === '') throw new Error('directory /: refusing to manage the root directory as absent');
  return p;
}

const schema = z.strictObject({
  directory: machinePath('directory'),
  ...attrFields,
  state: z._default(state(), 'present'),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

export const directoryKind: ResourceKind<DirectoryResource, DirectoryActual, Data> = {
  kind: 'directory',

  schema,
  fromProfile: (d) => ({ ...opt('mode', normalMode(d.mode)), ...opt('owner', d.owner), ...opt('group', d.group), state: d.state }),

  probe(spec) {
    return sh`_pl_p=${path(spec)}
if [ -d "$_pl_p" ]; then echo type=directory; echo "stat=$(stat -L -c ${STAT_FORMAT} "$_pl_p")"
elif [ -f "$_pl_p" ]; then echo type=file
elif [ -e "$_pl_p" ]; then echo type=other
else echo type=absent
fi`.text;
  },

  parse(stdout) {
    const kv = parseKv(stdout);
    const type = need(kv, 'type') as DirectoryActual['type'];
    if (type !== 'directory') return { type };
    const { size: _size, ...attrs } = parseStat(need(kv, 'stat'));
    return { type, ...attrs };
  },

  diff(spec, actual) {
    if (spec.state === 'absent') {
      if (actual.type === 'absent') return [];
      return [{ field: 'state', summary: `remove ${actual.type === 'directory' ? 'directory' : actual.type} ${spec.name}`, before: actual.type, after: 'absent' }];
    }
    if (actual.type === 'file' || actual.type === 'other') {
      return [{ field: 'state', summary: `${spec.name} is a ${actual.type === 'file' ? 'file' : 'special file'}, not a directory (Prodlike will not replace it)`, before: actual.type, after: 'directory' }];
    }
    const changes: Change[] = [];
    if (actual.type === 'absent') changes.push({ field: 'state', summary: `create directory ${spec.name}`, before: 'absent', after: 'present' });
    changes.push(...attrChanges(spec, actual.type === 'directory' ? (actual as Attrs) : undefined));
    return changes;
  },

  apply(spec) {
    const p = path(spec);
    const what = `directory ${p}`;
    if (spec.state === 'absent') {
      // Only a real directory is removed recursively; a file or a symlink at the path is an error.
      return {
        script: sh`${APPLY_PRELUDE}_pl_p=${p}
if [ -L "$_pl_p" ] || { [ -e "$_pl_p" ] && [ ! -d "$_pl_p" ]; }; then _pl_fail ${`${what}: exists and is not a directory, not removing it`}; fi
if [ -d "$_pl_p" ]; then rm -rf -- "$_pl_p" || _pl_fail ${`${what}: cannot remove`}; fi
`.text,
      };
    }
    return {
      script: sh`${APPLY_PRELUDE}_pl_p=${p}
if [ -e "$_pl_p" ] && [ ! -d "$_pl_p" ]; then _pl_fail ${`${what}: exists and is not a directory`}; fi
mkdir -p -- "$_pl_p" || _pl_fail ${`${what}: cannot create`}
${attrScript(spec, '$_pl_p', what)}
`.text,
    };
  },

  // Every directory the baseline records (the production profile named it).
  ...pathKindProduction<DirectoryResource>('directories', 'directory'),
};
