// package: installed (optionally at a version or a version glob such as "1.22.*") or absent. The
// package manager is found at run time: dpkg/apt, apk, rpm with dnf or yum. Several packages in a row
// are applied by one manager call (applyBatch): most of an install's time is per call, not per package.
//
// apt: a fresh Debian container has no package lists, so `apt-get update` runs first when
// /var/lib/apt/lists holds no index, and once more when an install fails because a package or
// version is not known (stale lists). A glob pin is resolved on the machine to the newest version
// `apt-cache madison` lists that matches it, and installed as name=version.

import type { PackageResource } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import type { ApplyStep, ResourceKind } from './resource.js';
import { joinSh, raw, sh, type ShellCommand } from '../sh-command.js';
import { APPLY_PRELUDE, need, parseKv } from './sh.js';
import * as z from 'zod/mini';
import { opt, resourceCommon, state, str, want } from '../schema/schema-parts.js';
import { presence, unique } from './baseline-compare.js';

const MANAGERS = ['apt', 'apk', 'dnf', 'yum'] as const;
export type PackageManager = (typeof MANAGERS)[number];

export interface PackageActual {
  manager: PackageManager;
  installed: boolean;
  version?: string;
}

type Item = { spec: PackageResource; actual: PackageActual; changes: Change[] };

function pkgName(spec: PackageResource): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9+._:@-]*$/.test(spec.name)) throw new Error(`package name ${JSON.stringify(spec.name)} is not a valid package name`);
  return spec.name;
}

function pin(spec: PackageResource): string | undefined {
  if (spec.version === undefined || spec.version === '') return undefined;
  if (!/^[A-Za-z0-9.+~:_*?-]+$/.test(spec.version)) throw new Error(`package ${spec.name}: version ${JSON.stringify(spec.version)} is not a version or a glob such as "1.22.*"`);
  return spec.version;
}

const isGlob = (v: string) => /[*?]/.test(v);

function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Whether an installed version satisfies a pin (exact or glob), with or without its epoch. */
export function versionMatches(installed: string, wanted: string): boolean {
  const candidates = [installed, installed.replace(/^\d+:/, '')];
  if (!isGlob(wanted)) return candidates.includes(wanted);
  const re = globRegExp(wanted);
  return candidates.some((c) => re.test(c));
}

// `${...}` below is dpkg-query's and rpm's format syntax, not JavaScript's.
const PROBE = raw(String.raw`if command -v dpkg-query >/dev/null 2>&1; then
  echo mgr=apt
  dpkg-query -W -f='dpkg=${'$'}{Status}\t${'$'}{Version}\n' "$_pl_n" 2>/dev/null || :
elif command -v apk >/dev/null 2>&1; then
  echo mgr=apk
  PL_NAME=$_pl_n awk '/^P:/ { p = substr($0, 3) } /^V:/ { if (p == ENVIRON["PL_NAME"]) print "apk=" substr($0, 3) }' /lib/apk/db/installed 2>/dev/null || :
elif command -v rpm >/dev/null 2>&1; then
  if command -v dnf >/dev/null 2>&1; then echo mgr=dnf; else echo mgr=yum; fi
  rpm -q --qf 'rpm=%{EPOCH}:%{VERSION}-%{RELEASE}\n' "$_pl_n" 2>/dev/null | grep '^rpm=' || :
else
  echo 'no supported package manager (apt, apk, dnf, yum) on this machine' >&2
fi`);

const schema = z.strictObject({
  package: str('a package name').check(z.regex(/^[A-Za-z0-9][A-Za-z0-9+._:@-]*$/, want('a package name such as "nginx" (letters, digits and +._:@-, not starting with -)'))),
  version: z.optional(str('a version string such as "1.22.*"').check(z.regex(/^[A-Za-z0-9.+~:_*?-]*$/, want('a version or a glob such as "1.22.*" (letters, digits and .+~:_*?-)')))),
  state: z._default(state(), 'present'),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

export const packageKind: ResourceKind<PackageResource, PackageActual, Data> = {
  kind: 'package',

  schema,
  savePoint: true,
  fromProfile: (d) => ({ ...opt('version', d.version), state: d.state }),

  probe(spec) {
    return sh`_pl_n=${pkgName(spec)}\n${PROBE}`.text;
  },

  parse(stdout) {
    const manager = need(parseKv(stdout), 'mgr') as PackageManager;
    if (!MANAGERS.includes(manager)) throw new Error(`unexpected package manager ${JSON.stringify(manager)} in the probe output`);
    // One line per installed instance (several for multi-arch packages), each `key=...`.
    const values = (key: string) => stdout.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
    let version: string | undefined;
    if (manager === 'apt') {
      for (const line of values('dpkg')) {
        const [status, v] = line.split('\t');
        if (status?.split(' ')[2] === 'installed' && v) { version = v; break; }
      }
    } else if (manager === 'apk') {
      version = values('apk')[0] || undefined;
    } else {
      const v = values('rpm')[0];
      version = v ? v.replace(/^(\(none\)|0):/, '') : undefined;
    }
    return version === undefined ? { manager, installed: false } : { manager, installed: true, version };
  },

  diff(spec, actual) {
    const wanted = pin(spec);
    if (spec.state === 'absent') {
      return actual.installed ? [{ field: 'state', summary: `remove ${spec.name} ${actual.version}`, before: actual.version ?? null, after: null }] : [];
    }
    if (!actual.installed) {
      return [{ field: 'state', summary: `install ${spec.name}${wanted ? ` ${wanted}` : ''}`, before: null, after: wanted ?? 'latest' }];
    }
    if (wanted && !versionMatches(actual.version!, wanted)) {
      return [{ field: 'version', summary: `${spec.name} ${actual.version} → ${wanted}`, before: actual.version ?? null, after: wanted }];
    }
    return [];
  },

  apply(spec, actual, changes) {
    return packageKind.applyBatch!([{ spec, actual, changes }]);
  },

  applyBatch(items) {
    const manager = items[0]!.actual.manager;
    const install = items.filter((i) => i.spec.state !== 'absent');
    const remove = items.filter((i) => i.spec.state === 'absent');
    const body = manager === 'apt' ? aptScript(install, remove) : manager === 'apk' ? apkScript(install, remove) : rpmScript(manager, install, remove);
    return { script: sh`${APPLY_PRELUDE}${body}`.text } satisfies ApplyStep;
  },

  // A baseline lists every package production has: "not in the baseline" means production lacks it.
  baseline: {
    compare: ({ host, facts, specs }) =>
      unique(specs.map((s) => s.name)).map((name) => {
        const [status, changes] = presence(facts.packages[name], host.packages[name], (local, prod) =>
          local === prod ? [] : [{ field: 'version', summary: `${name} ${local} → ${prod} (production)`, before: local, after: prod }],
        );
        return { name, status, changes };
      }),
  },

  // Pinned to production's exact version when drift found it different or missing; a package
  // production lacks becomes `state: absent` (only because the local profile names it).
  reconcile: {
    pin(spec, host, status) {
      const s = status('package', spec.name);
      const prod = host.packages[spec.name];
      if ((s === 'drifted' || s === 'missing') && prod !== undefined) return { ...spec, state: 'present', version: prod };
      if (s === 'extra') {
        const { version: _drop, ...rest } = spec;
        return { ...rest, state: 'absent' };
      }
      return spec;
    },
  },
};

const names = (items: Item[]) => items.map((i) => i.spec.name).join(', ');
const what = (items: Item[]) => `package${items.length > 1 ? 's' : ''} ${names(items)}`;

function aptScript(install: Item[], remove: Item[]): ShellCommand {
  const apt = sh`apt-get -q -y -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold`;
  const out: ShellCommand[] = [
    sh`export DEBIAN_FRONTEND=noninteractive`,
    sh`_pl_log=$(mktemp) || _pl_fail 'cannot create a temporary file'`,
    sh`trap 'rm -f "$_pl_log" "$_pl_log.rc"' EXIT`,
    sh`_pl_updated=0`,
    // apt's output goes to the run's log as it is printed (tee), and to a file for the failure's tail;
    // stdbuf makes apt and dpkg write each line at once into the pipe instead of in 4 KiB blocks.
    sh`_pl_live() {
  if command -v stdbuf >/dev/null 2>&1; then set -- stdbuf -oL -eL "$@"; fi
  { "$@" 2>&1; echo "$?" >"$_pl_log.rc"; } | tee "$_pl_log"
  return "$(cat "$_pl_log.rc" 2>/dev/null || echo 1)"
}`,
    // Lists are fetched at most once per step.
    sh`_pl_update() {
  [ "$_pl_updated" = 1 ] && return 0
  _pl_updated=1
  _pl_live apt-get -q update || { tail -n 20 "$_pl_log" >&2; _pl_fail "apt-get update failed: $(grep '^[EW]:' "$_pl_log" | tail -n 1)"; }
}`,
    sh`_pl_aptfail() { tail -n 20 "$_pl_log" >&2; _pl_fail "$1: $(grep '^E:' "$_pl_log" | tail -n 1)"; }`,
  ];
  if (install.length) {
    out.push(sh`ls /var/lib/apt/lists 2>/dev/null | grep -q '_Packages' || _pl_update`);
    out.push(sh`${raw(String.raw`_pl_pick() {
  apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/[ \t]/, "", $2); print $2 }' | while IFS= read -r _pl_v; do
    case $_pl_v in $2) printf '%s\n' "$_pl_v"; break ;; esac
    case ${'$'}{_pl_v#*:} in $2) printf '%s\n' "$_pl_v"; break ;; esac
  done
}`)}`);
    out.push(sh`set --`);
    for (const { spec } of install) {
      const name = pkgName(spec);
      const v = pin(spec);
      if (v === undefined) out.push(sh`set -- "$@" ${name}`);
      else if (!isGlob(v)) out.push(sh`set -- "$@" ${`${name}=${v}`}`);
      else {
        out.push(sh`_pl_v=$(_pl_pick ${name} ${v}); [ -n "$_pl_v" ] || { _pl_update; _pl_v=$(_pl_pick ${name} ${v}); }
[ -n "$_pl_v" ] || _pl_fail ${`package ${name}: no version matching ${v} is available (see apt-cache madison ${name})`}
set -- "$@" ${`${name}=`}"$_pl_v"`);
      }
    }
    out.push(sh`_pl_install() { _pl_live ${apt} --no-install-recommends --allow-downgrades install "$@"; }
if ! _pl_install "$@"; then
  if [ "$_pl_updated" = 0 ] && grep -qE 'Unable to locate|has no installation candidate|was not found|Failed to fetch' "$_pl_log"; then
    _pl_update
    _pl_install "$@" || _pl_aptfail ${`${what(install)}: apt-get install failed`}
  else
    _pl_aptfail ${`${what(install)}: apt-get install failed`}
  fi
fi`);
  }
  if (remove.length) {
    out.push(sh`_pl_live ${apt} remove ${remove.map((i) => pkgName(i.spec))} || _pl_aptfail ${`${what(remove)}: apt-get remove failed`}`);
  }
  return sh`${joinSh(out)}\n`;
}

function apkScript(install: Item[], remove: Item[]): ShellCommand {
  const out: ShellCommand[] = [];
  if (install.length) {
    const args = install.map(({ spec }) => {
      const name = pkgName(spec);
      const v = pin(spec);
      if (v === undefined) return name;
      if (!isGlob(v)) return `${name}=${v}`;
      // apk has no globs; `name~1.22` is its "version starts with" match, which covers "1.22.*".
      const m = /^([^*?]*?)\.?\*$/.exec(v);
      if (!m) throw new Error(`package ${name}: apk supports only version globs of the form "1.22.*", not ${JSON.stringify(v)}`);
      return `${name}~${m[1]}`;
    });
    out.push(sh`apk add --no-cache ${args} || _pl_fail ${`${what(install)}: apk add failed`}`);
  }
  if (remove.length) out.push(sh`apk del ${remove.map((i) => pkgName(i.spec))} || _pl_fail ${`${what(remove)}: apk del failed`}`);
  return sh`${joinSh(out)}\n`;
}

function rpmScript(manager: 'dnf' | 'yum', install: Item[], remove: Item[]): ShellCommand {
  const out: ShellCommand[] = [];
  const mgr = raw(manager);
  if (install.length) {
    // dnf and yum read globs in name-version specs themselves.
    const args = install.map(({ spec }) => (pin(spec) === undefined ? pkgName(spec) : `${pkgName(spec)}-${pin(spec)}`));
    const weak = manager === 'dnf' ? sh` --setopt=install_weak_deps=False` : sh``;
    // A pinned version older than the installed one needs `downgrade`; install does not go back.
    out.push(sh`${mgr} -y${weak} install ${args} || ${mgr} -y downgrade ${args} || _pl_fail ${`${what(install)}: ${manager} install failed`}`);
  }
  if (remove.length) out.push(sh`${mgr} -y remove ${remove.map((i) => pkgName(i.spec))} || _pl_fail ${`${what(remove)}: ${manager} remove failed`}`);
  return sh`${joinSh(out)}\n`;
}
