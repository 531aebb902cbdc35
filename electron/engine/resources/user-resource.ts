// user: exists with uid, shell, home and (at least) the listed supplementary groups. useradd/usermod/
// userdel, or busybox adduser/addgroup/deluser where shadow's tools are missing. Groups not listed are
// left alone; a listed group that is the user's primary group counts as a membership.

import type { UserResource } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import { entryProbe } from './group-resource.js';
import type { ResourceKind } from './resource.js';
import { joinSh, sh, type ShellCommand } from '../sh-command.js';
import { APPLY_PRELUDE, checkName, need, parseKv } from './sh.js';
import * as z from 'zod/mini';
import { accountName, bool, id, machinePath, newAccountName, oneOrMany, opt, passwdField, resourceCommon, state, want } from '../schema/schema-parts.js';
import { namedOrRecordedAbsent, presence } from './baseline-compare.js';

export interface UserActual {
  exists: boolean;
  uid?: number;
  gid?: number;
  home?: string;
  shell?: string;
  /** All groups the user is in, the primary one included. */
  groups?: string[];
}

function userName(spec: UserResource): string {
  if (/^\d+$/.test(spec.name)) throw new Error(`user ${spec.name}: a user name cannot be all digits`);
  return checkName(spec.name, 'user');
}

function missingGroups(spec: UserResource, actual: UserActual): string[] {
  const have = new Set(actual.groups ?? []);
  return spec.groups.filter((g) => !have.has(g));
}

const schema = z.strictObject({
  user: newAccountName('user'),
  uid: z.optional(id('uid')),
  groups: z._default(oneOrMany('a group name', accountName('group')), []),
  shell: z.optional(passwdField('a shell path')),
  home: z.optional(machinePath('home').check(z.refine<string>((v) => !v.includes(':'), want('an absolute home path without ":"')))),
  system: z._default(bool(), false),
  state: z._default(state(), 'present'),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

export const userKind: ResourceKind<UserResource, UserActual, Data> = {
  kind: 'user',

  schema,
  fromProfile: (d) => ({ ...opt('uid', d.uid), groups: d.groups, ...opt('shell', d.shell), ...opt('home', d.home), system: d.system, state: d.state }),

  probe(spec) {
    const name = userName(spec);
    return sh`${entryProbe('passwd', name, 'passwd')}
if [ -n "$_pl_e" ]; then printf 'groups=%s\\n' "$(id -Gn ${name} 2>/dev/null)"; fi`.text;
  },

  parse(stdout) {
    const kv = parseKv(stdout);
    const entry = need(kv, 'passwd');
    if (!entry) return { exists: false };
    const f = entry.split(':');
    return {
      exists: true,
      uid: Number(f[2]),
      gid: Number(f[3]),
      home: f[5] ?? '',
      shell: f[6] ?? '',
      groups: (kv.get('groups') ?? '').trim().split(/\s+/).filter(Boolean),
    };
  },

  diff(spec, actual) {
    if (spec.state === 'absent') {
      return actual.exists ? [{ field: 'state', summary: `remove user ${spec.name}`, before: 'present', after: 'absent' }] : [];
    }
    if (!actual.exists) {
      const extra = [
        spec.uid !== undefined ? `uid ${spec.uid}` : '',
        spec.groups.length ? `groups ${spec.groups.join(', ')}` : '',
      ].filter(Boolean).join('; ');
      return [{ field: 'state', summary: `create user ${spec.name}${extra ? ` (${extra})` : ''}`, before: 'absent', after: 'present' }];
    }
    const changes: Change[] = [];
    if (spec.uid !== undefined && spec.uid !== actual.uid) changes.push({ field: 'uid', summary: `uid ${actual.uid} → ${spec.uid}`, before: String(actual.uid), after: String(spec.uid) });
    if (spec.shell !== undefined && spec.shell !== actual.shell) changes.push({ field: 'shell', summary: `shell ${actual.shell} → ${spec.shell}`, before: actual.shell ?? null, after: spec.shell });
    if (spec.home !== undefined && spec.home !== actual.home) changes.push({ field: 'home', summary: `home ${actual.home} → ${spec.home}`, before: actual.home ?? null, after: spec.home });
    const missing = missingGroups(spec, actual);
    if (missing.length) {
      changes.push({ field: 'groups', summary: `add to group${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, before: (actual.groups ?? []).join(','), after: [...(actual.groups ?? []), ...missing].join(',') });
    }
    return changes;
  },

  apply(spec, actual, changes) {
    const name = userName(spec);
    const what = `user ${name}`;
    const groups = spec.groups.map((g) => checkName(g, 'group'));
    const has = (tool: string) => sh`command -v ${tool} >/dev/null 2>&1`;
    const addEach = (list: string[]) =>
      joinSh(list.map((g) => sh`addgroup ${name} ${g} || _pl_fail ${`${what}: cannot add to group ${g} (does it exist?)`}`), '\n  ');
    const lines: ShellCommand[] = [];
    if (spec.state === 'absent') {
      lines.push(sh`if ${has('userdel')}; then userdel ${name}; else deluser ${name}; fi || _pl_fail ${`${what}: cannot remove (is a process running as this user?)`}`);
    } else if (!actual.exists) {
      // Options of useradd (ua) and of busybox adduser (bb); every value is the argument of its option.
      const ua: ShellCommand[] = [];
      const bb: ShellCommand[] = [sh`-D`];
      if (spec.uid !== undefined) { ua.push(sh`-u ${spec.uid}`); bb.push(sh`-u ${spec.uid}`); }
      if (spec.shell !== undefined) { ua.push(sh`-s ${spec.shell}`); bb.push(sh`-s ${spec.shell}`); }
      if (spec.home !== undefined) { ua.push(sh`-d ${spec.home}`); bb.push(sh`-h ${spec.home}`); }
      if (spec.system) { ua.push(sh`-r`); bb.push(sh`-S`); }
      // Like Ansible, a home directory is made for regular users, and for system ones that name one.
      if (!spec.system || spec.home !== undefined) ua.push(sh`-m`);
      else bb.push(sh`-H`);
      if (groups.length) ua.push(sh`-G ${groups.join(',')}`);
      const uaOpts = joinSh(ua, ' ');
      const fail = sh`_pl_fail ${`${what}: cannot create${spec.uid !== undefined ? ` (is uid ${spec.uid} taken?)` : ''}${groups.length ? ` (do the groups ${groups.join(', ')} exist?)` : ''}`}`;
      // useradd refuses to make the user's own group when a group of that name exists already (a
      // `group:` resource before the user, as people write it): then that group is the primary one.
      lines.push(sh`if ${has('useradd')}; then
  if getent group ${name} >/dev/null 2>&1; then useradd -g ${name} ${uaOpts} ${name} || ${fail}
  else useradd ${uaOpts} ${name} || ${fail}
  fi
else
  adduser ${joinSh(bb, ' ')} ${name} || ${fail}
  ${groups.length ? addEach(groups) : sh`:`}
fi`);
    } else {
      const mod: ShellCommand[] = [];
      const fields = new Set(changes.map((c) => c.field));
      const changing = [...fields].filter((f) => f !== 'groups').join(', ');
      if (fields.has('uid')) mod.push(sh`-u ${spec.uid!}`);
      if (fields.has('shell')) mod.push(sh`-s ${spec.shell!}`);
      if (fields.has('home')) mod.push(sh`-d ${spec.home!}`);
      if (mod.length) {
        lines.push(sh`${has('usermod')} || _pl_fail ${`${what}: usermod is not installed (needed to change ${changing})`}
usermod ${joinSh(mod, ' ')} ${name} || _pl_fail ${`${what}: cannot change ${changing}`}`);
      }
      const missing = missingGroups(spec, actual);
      if (missing.length) {
        lines.push(sh`if ${has('usermod')}; then usermod -a -G ${missing.join(',')} ${name} || _pl_fail ${`${what}: cannot add to groups ${missing.join(', ')} (do they exist?)`}
else
  ${addEach(missing)}
fi`);
      }
    }
    return { script: sh`${APPLY_PRELUDE}${joinSh(lines)}\n`.text };
  },

  // Supplementary groups compared as sets.
  baseline: {
    records: (spec) => [{ section: 'users', name: spec.name }],
    compare: ({ host, facts, specs }) =>
      namedOrRecordedAbsent(specs, host.users).map((name) => {
        const prod = host.users[name];
        const [status, changes] = presence(facts.users[name], prod && !('absent' in prod) ? prod : undefined, (local, p) => {
          const [a, b] = [[...local.groups].sort().join(','), [...p.groups].sort().join(',')];
          return a === b ? [] : [{ field: 'groups', summary: `groups ${a || '(none)'} → ${b || '(none)'} (production)`, before: a, after: b }];
        });
        return { name, status, changes };
      }),
  },

  // Present, with production's supplementary groups added.
  reconcile: {
    pin(spec, host) {
      const prod = host.users[spec.name];
      if (!prod || 'absent' in prod) return spec;
      return { ...spec, state: 'present', groups: [...new Set([...spec.groups, ...prod.groups])] };
    },
  },
};
