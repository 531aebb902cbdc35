// group: exists (with a gid) or not. groupadd/groupmod/groupdel, or busybox addgroup/delgroup.

import type { GroupResource } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import type { ResourceKind } from './resource.js';
import { sh, type ShellCommand } from '../sh-command.js';
import { APPLY_PRELUDE, checkName, need, parseKv } from './sh.js';
import * as z from 'zod/mini';
import { bool, id, newAccountName, opt, resourceCommon, state } from '../schema/schema-parts.js';
import { namedOrRecordedAbsent, presence } from './baseline-compare.js';

export interface GroupActual {
  exists: boolean;
  gid?: number;
  members?: string[];
}

/**
 * sh printing `<key>=<entry>` for a passwd or group entry, from getent (which also sees LDAP and the
 * like) or the file itself. Entries are one line by construction, so they are printed as they are.
 */
export function entryProbe(db: 'passwd' | 'group', name: string, key: 'passwd' | 'group'): ShellCommand {
  return sh`_pl_e=$(getent ${db} ${checkName(name, db === 'passwd' ? 'user' : 'group')} 2>/dev/null || PL_NAME=${name} awk -F: '$1 == ENVIRON["PL_NAME"] { print; exit }' ${`/etc/${db}`} 2>/dev/null)
printf ${`${key}=%s\n`} "$_pl_e"`;
}

export function parseGroupEntry(entry: string): GroupActual {
  if (!entry) return { exists: false };
  const [, , gid, members] = entry.split(':');
  return { exists: true, gid: Number(gid), members: members ? members.split(',').filter(Boolean) : [] };
}

function groupName(spec: GroupResource): string {
  if (/^\d+$/.test(spec.name)) throw new Error(`group ${spec.name}: a group name cannot be all digits`);
  return checkName(spec.name, 'group');
}

const schema = z.strictObject({
  group: newAccountName('group'),
  gid: z.optional(id('gid')),
  system: z._default(bool(), false),
  state: z._default(state(), 'present'),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

export const groupKind: ResourceKind<GroupResource, GroupActual, Data> = {
  kind: 'group',

  schema,
  fromProfile: (d) => ({ ...opt('gid', d.gid), system: d.system, state: d.state }),

  probe(spec) {
    return entryProbe('group', groupName(spec), 'group').text;
  },

  parse(stdout) {
    const kv = parseKv(stdout);
    return parseGroupEntry(need(kv, 'group'));
  },

  diff(spec, actual) {
    if (spec.state === 'absent') {
      return actual.exists ? [{ field: 'state', summary: `remove group ${spec.name}`, before: 'present', after: 'absent' }] : [];
    }
    if (!actual.exists) {
      return [{ field: 'state', summary: `create group ${spec.name}${spec.gid !== undefined ? ` (gid ${spec.gid})` : ''}`, before: 'absent', after: 'present' }];
    }
    const changes: Change[] = [];
    if (spec.gid !== undefined && spec.gid !== actual.gid) {
      changes.push({ field: 'gid', summary: `gid ${actual.gid} → ${spec.gid}`, before: String(actual.gid), after: String(spec.gid) });
    }
    return changes;
  },

  apply(spec, actual) {
    const name = groupName(spec);
    const what = `group ${spec.name}`;
    let body: ShellCommand;
    if (spec.state === 'absent') {
      body = sh`if command -v groupdel >/dev/null 2>&1; then groupdel ${name}; else delgroup ${name}; fi || _pl_fail ${`${what}: cannot remove (is it the primary group of a user?)`}`;
    } else if (!actual.exists) {
      const gid = spec.gid !== undefined ? sh` -g ${spec.gid}` : sh``;
      body = sh`if command -v groupadd >/dev/null 2>&1; then groupadd${gid}${spec.system ? sh` -r` : sh``} ${name}
else addgroup${gid}${spec.system ? sh` -S` : sh``} ${name}; fi || _pl_fail ${`${what}: cannot create${spec.gid !== undefined ? ` with gid ${spec.gid} (is the gid taken?)` : ''}`}`;
    } else {
      body = sh`command -v groupmod >/dev/null 2>&1 || _pl_fail ${`${what}: groupmod is not installed (needed to change the gid)`}
groupmod -g ${spec.gid!} ${name} || _pl_fail ${`${what}: cannot change the gid to ${spec.gid} (is it taken?)`}`;
    }
    return { script: sh`${APPLY_PRELUDE}${body}\n`.text };
  },

  baseline: {
    records: (spec) => [{ section: 'groups', name: spec.name }],
    compare: ({ host, facts, specs }) =>
      namedOrRecordedAbsent(specs, host.groups).map((name) => {
        const prod = host.groups[name];
        const [status, changes] = presence(facts.groups[name], prod && !('absent' in prod) ? prod : undefined, () => []);
        return { name, status, changes };
      }),
  },

  reconcile: {
    pin(spec, host) {
      const prod = host.groups[spec.name];
      return prod && !('absent' in prod) ? { ...spec, state: 'present' } : spec;
    },
  },
};
