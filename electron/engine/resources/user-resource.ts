// user: exists with uid, shell, home and (at least) the listed supplementary groups. useradd/usermod/
// userdel, or busybox adduser/addgroup/deluser where shadow's tools are missing. Groups not listed are
// left alone; a listed group that is the user's primary group counts as a membership.

import type { UserResource } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import { entryProbe } from './group-resource.js';
import type { ResourceKind } from './resource.js';
import { APPLY_PRELUDE, checkName, need, parseKv, shq } from './sh.js';

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

export const userKind: ResourceKind<UserResource, UserActual> = {
  kind: 'user',

  probe(spec) {
    const name = userName(spec);
    return `${entryProbe('passwd', name, 'passwd')}
if [ -n "$_pl_e" ]; then printf 'groups=%s\\n' "$(id -Gn ${shq(name)} 2>/dev/null)"; fi`;
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
    const q = shq(name);
    const what = `user ${name}`;
    const groups = spec.groups.map((g) => checkName(g, 'group'));
    const has = (tool: string) => `command -v ${tool} >/dev/null 2>&1`;
    const lines: string[] = [];
    if (spec.state === 'absent') {
      lines.push(`if ${has('userdel')}; then userdel ${q}; else deluser ${q}; fi || _pl_fail ${shq(`${what}: cannot remove (is a process running as this user?)`)}`);
    } else if (!actual.exists) {
      const ua: string[] = [];
      const bb: string[] = ['-D'];
      if (spec.uid !== undefined) { ua.push(`-u ${spec.uid}`); bb.push(`-u ${spec.uid}`); }
      if (spec.shell !== undefined) { ua.push(`-s ${shq(spec.shell)}`); bb.push(`-s ${shq(spec.shell)}`); }
      if (spec.home !== undefined) { ua.push(`-d ${shq(spec.home)}`); bb.push(`-h ${shq(spec.home)}`); }
      if (spec.system) { ua.push('-r'); bb.push('-S'); }
      // Like Ansible, a home directory is made for regular users, and for system ones that name one.
      if (!spec.system || spec.home !== undefined) ua.push('-m');
      else bb.push('-H');
      if (groups.length) ua.push(`-G ${shq(groups.join(','))}`);
      const fail = `_pl_fail ${shq(`${what}: cannot create${spec.uid !== undefined ? ` (is uid ${spec.uid} taken?)` : ''}${groups.length ? ` (do the groups ${groups.join(', ')} exist?)` : ''}`)}`;
      // useradd refuses to make the user's own group when a group of that name exists already (a
      // `group:` resource before the user, as people write it): then that group is the primary one.
      lines.push(`if ${has('useradd')}; then
  if getent group ${q} >/dev/null 2>&1; then useradd -g ${q} ${ua.join(' ')} ${q} || ${fail}
  else useradd ${ua.join(' ')} ${q} || ${fail}
  fi
else
  adduser ${bb.join(' ')} ${q} || ${fail}
  ${groups.map((g) => `addgroup ${q} ${shq(g)} || _pl_fail ${shq(`${what}: cannot add to group ${g} (does it exist?)`)}`).join('\n  ') || ':'}
fi`);
    } else {
      const mod: string[] = [];
      const fields = new Set(changes.map((c) => c.field));
      if (fields.has('uid')) mod.push(`-u ${spec.uid}`);
      if (fields.has('shell')) mod.push(`-s ${shq(spec.shell!)}`);
      if (fields.has('home')) mod.push(`-d ${shq(spec.home!)}`);
      if (mod.length) {
        lines.push(`${has('usermod')} || _pl_fail ${shq(`${what}: usermod is not installed (needed to change ${[...fields].filter((f) => f !== 'groups').join(', ')})`)}
usermod ${mod.join(' ')} ${q} || _pl_fail ${shq(`${what}: cannot change ${[...fields].filter((f) => f !== 'groups').join(', ')}`)}`);
      }
      const missing = missingGroups(spec, actual);
      if (missing.length) {
        lines.push(`if ${has('usermod')}; then usermod -a -G ${shq(missing.join(','))} ${q} || _pl_fail ${shq(`${what}: cannot add to groups ${missing.join(', ')} (do they exist?)`)}
else
  ${missing.map((g) => `addgroup ${q} ${shq(g)} || _pl_fail ${shq(`${what}: cannot add to group ${g} (does it exist?)`)}`).join('\n  ')}
fi`);
      }
    }
    return { script: `${APPLY_PRELUDE}${lines.join('\n')}\n` };
  },
};
