// service: running or stopped, enabled at boot or not. The init system is found at run time:
// systemd when /run/systemd/system exists (it is PID 1), OpenRC when rc-service and /etc/runlevels
// exist, otherwise SysV init scripts in /etc/init.d (what containers without systemd have; Debian's
// packages still ship them). SysV "running" is the init script's `status` (LSB: 0 running, 3 stopped);
// scripts without a usable status fall back to pgrep.
//
// `ready:` is a shell command that says the service answers (as a Compose healthcheck does): when
// given, a start waits for it instead of for the start script's own end, and a running service that
// does not pass it is waited for. Without it, a started service is one whose start script returned 0.

import type { ServiceResource } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import type { ResourceKind } from './resource.js';
import { joinSh, pollUntil, POLLS_1S, POLLS_5S, raw, sh, type ShellCommand } from '../sh-command.js';
import { APPLY_PRELUDE, checkName, need, parseKv } from './sh.js';
import * as z from 'zod/mini';
import { bool, opt, resourceCommon, shellText, str, want } from '../schema/schema-parts.js';
import { namedOrRecordedAbsent, presence } from './baseline-compare.js';
import { SAFE_NAME } from '../sh-command.js';

export type InitSystem = 'systemd' | 'openrc' | 'sysv';

export interface ServiceActual {
  init: InitSystem;
  exists: boolean;
  running: boolean;
  enabled: boolean;
  /** Whether `ready:` passed (probed only when the spec has one). */
  ready?: boolean;
}

/** sh that succeeds where services are OpenRC's (rc-service and its runlevels), as the probe decides it. */
const OPENRC = sh`command -v rc-service >/dev/null 2>&1 && [ -d /etc/runlevels ]`;

const SYSTEMD_ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'generated', 'indirect']);

function unit(spec: ServiceResource): string {
  return checkName(spec.name, 'service');
}

const schema = z.strictObject({
  service: str('a service name').check(z.regex(SAFE_NAME, want('a service name such as "nginx"', 'service names start with a letter, digit or _ and hold only letters, digits and _.@+-'))),
  state: z._default(z.enum(['running', 'stopped'], want('running or stopped')), 'running'),
  enabled: z.optional(bool()),
  ready: z.optional(shellText('a shell command')),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

/**
 * LSB init scripts' `status`: 0 running. Anything else, whether a process of the service's name runs
 * decides (pgrep -x): a status above 3 says nothing (4 = unknown, or no status action), and a status of
 * 3 (stopped) only says the pid file is gone — also when the stop did not reach the daemon (Debian's
 * redis-server in a Docker container; stopLeftovers). The probe, its parse and the start's and stop's
 * checks follow this one rule.
 */
function isRunning(init: InitSystem, n: string): ShellCommand {
  if (init === 'systemd') return sh`systemctl is-active --quiet ${n}`;
  if (init === 'openrc') return sh`rc-service ${n} status >/dev/null 2>&1`;
  return sh`{ ${`/etc/init.d/${n}`} status >/dev/null 2>&1 || pgrep -x ${n} >/dev/null 2>&1; }`;
}

/**
 * sh that waits (about 5 s at most) until the service runs, or no longer runs, as the probe decides it:
 * a start or stop command that returned 0 is not always done. A classic daemon's start returns when
 * its parent exits, and the daemon writes its pid file a moment later (Debian's redis-server: its
 * script creates the file empty, and `status` says "not running" until then); a stop may return while
 * the process still ends. systemd waits for that itself (a forking unit's PIDFile=); an init script does
 * not. Past the 5 s the step goes on, and the probe after it says what it finds.
 */
function settled(running: ShellCommand, want: 'running' | 'stopped', onTimeout: ShellCommand = sh`break`): ShellCommand {
  return pollUntil(want === 'running' ? running : sh`! ${running}`, sh`:`, onTimeout, POLLS_5S);
}

/**
 * sh for after a SysV script's stop: a process of the service's name still there a second after the
 * stop returned is sent SIGTERM (as `docker stop` would), then waited for until the probe agrees (about
 * 5 s more). Debian's redis-server script finds its daemon with `start-stop-daemon --exec`, which reads
 * /proc/<pid>/exe: root in a Docker container has no CAP_SYS_PTRACE and may not read that link of
 * another user's process, so the script stops nothing, says it did, and removes the pid file.
 */
function stopLeftovers(n: string, onTimeout?: ShellCommand): ShellCommand {
  const running = isRunning('sysv', n);
  return sh`${pollUntil(sh`! ${running}`, sh`:`, sh`break`, POLLS_1S)}
pkill -TERM -x ${n} 2>/dev/null || :
${settled(running, 'stopped', onTimeout)}`;
}

/** `ready:` as a check: its output hidden, nothing read from stdin. */
function readyCheck(ready: string): ShellCommand {
  return sh`sh -c ${ready} </dev/null >/dev/null 2>&1`;
}

/** sh that polls `ready:` until it passes (pollUntil: about 2 minutes at most). */
function waitReady(ready: string, each: ShellCommand, onTimeout: ShellCommand): ShellCommand {
  return pollUntil(readyCheck(ready), each, onTimeout);
}

/**
 * sh that runs a service's start command in the background and polls `ready:` until it passes.
 * `$_pl_d` (a directory made before) gets the command's exit status, and its output the file `log`
 * names (else it goes where the script's does). `on.failed` runs when the command ended non-zero,
 * `on.gone` when it ended with 0 and `running` still fails 5 s later, `on.timeout` after the last poll;
 * each may end the script or leave the loop (`break`).
 */
function startUntilReady(start: ShellCommand, log: ShellCommand | undefined, ready: string, running: ShellCommand, on: { failed: ShellCommand; gone: ShellCommand; timeout: ShellCommand }): ShellCommand {
  // With a log, nothing of the background holds the script's output open (an exec returns without it).
  return sh`( { ${start}
}${log !== undefined ? sh` >${log} 2>&1` : sh``}; _pl_s=$?; [ -d "$_pl_d" ] && echo "$_pl_s" >"$_pl_d/rc" ) </dev/null${log !== undefined ? sh` >/dev/null 2>&1` : sh``} &
_pl_end=
${waitReady(ready, sh`if [ -s "$_pl_d/rc" ]; then
    [ "$(cat "$_pl_d/rc")" = 0 ] || ${on.failed}
    [ -n "$_pl_end" ] || _pl_end=$(date +%s)
    if ${running}; then _pl_end=$(date +%s)
    elif [ $(($(date +%s) - _pl_end)) -ge 5 ]; then ${on.gone}; fi
  fi`, on.timeout)}`;
}

export const serviceKind: ResourceKind<ServiceResource, ServiceActual, Data> = {
  kind: 'service',

  schema,
  fromProfile: (d) => ({ state: d.state, ...opt('enabled', d.enabled), ...opt('ready', d.ready) }),

  probe(spec) {
    // `ready:` is checked while the init system is asked (both read-only, and each may be a Perl or
    // Python start-up, as Debian's PostgreSQL's are): one start-up's time less at the end of an `up`.
    return sh`_pl_s=${unit(spec)}${spec.ready !== undefined ? sh`
${readyCheck(spec.ready)} & _pl_rp=$!` : sh``}
if [ -d /run/systemd/system ]; then
  echo init=systemd
  echo "load=$(systemctl show -p LoadState "$_pl_s" 2>/dev/null | sed 's/^LoadState=//')"
  echo "active=$(systemctl is-active "$_pl_s" 2>/dev/null)"
  echo "enabled=$(systemctl is-enabled "$_pl_s" 2>/dev/null)"
elif ${OPENRC}; then
  echo init=openrc
  if [ -e "/etc/init.d/$_pl_s" ]; then
    echo exists=1
    rc-service "$_pl_s" status >/dev/null 2>&1; echo status=$?
    _pl_en=0; for _pl_l in /etc/runlevels/*/"$_pl_s"; do [ -e "$_pl_l" ] && _pl_en=1; done; echo enabled=$_pl_en
  else echo exists=0
  fi
else
  echo init=sysv
  if [ -x "/etc/init.d/$_pl_s" ]; then
    echo exists=1
    "/etc/init.d/$_pl_s" status >/dev/null 2>&1; _pl_st=$?; echo status=$_pl_st
    if [ "$_pl_st" -ne 0 ] && command -v pgrep >/dev/null 2>&1; then if pgrep -x "$_pl_s" >/dev/null 2>&1; then echo pgrep=1; else echo pgrep=0; fi; fi
    _pl_en=0
    for _pl_l in /etc/rc[2345].d/S[0-9][0-9]"$_pl_s" /etc/rc.d/rc[2345].d/S[0-9][0-9]"$_pl_s"; do [ -e "$_pl_l" ] && _pl_en=1; done
    echo enabled=$_pl_en
  else echo exists=0
  fi
fi${spec.ready !== undefined ? sh`
if wait "$_pl_rp"; then echo ready=1; else echo ready=0; fi` : sh``}`.text;
  },

  parse(stdout) {
    const kv = parseKv(stdout);
    const init = need(kv, 'init') as InitSystem;
    const ready = kv.has('ready') ? { ready: kv.get('ready') === '1' } : {};
    if (init === 'systemd') {
      const load = need(kv, 'load');
      const exists = load !== '' && load !== 'not-found';
      return { init, exists, running: need(kv, 'active') === 'active', enabled: exists && SYSTEMD_ENABLED.has(need(kv, 'enabled')), ...ready };
    }
    if (need(kv, 'exists') !== '1') return { init, exists: false, running: false, enabled: false, ...ready };
    const status = Number(need(kv, 'status'));
    const running = status === 0 || kv.get('pgrep') === '1';
    return { init, exists: true, running, enabled: need(kv, 'enabled') === '1', ...ready };
  },

  diff(spec, actual) {
    const changes: Change[] = [];
    const missing = actual.exists ? '' : ' (no such service on the machine yet)';
    if (spec.enabled !== undefined && spec.enabled !== actual.enabled) {
      changes.push({ field: 'enabled', summary: `${spec.enabled ? 'enable' : 'disable'} ${spec.name} at boot${missing}`, before: String(actual.enabled), after: String(spec.enabled) });
    }
    const running = spec.state === 'running';
    if (running !== actual.running) {
      changes.push({ field: 'state', summary: `${running ? 'start' : 'stop'} ${spec.name}${missing}`, before: actual.running ? 'running' : 'stopped', after: spec.state });
    } else if (running && spec.ready !== undefined && actual.ready === false) {
      changes.push({ field: 'ready', summary: `wait until ${spec.name} is ready (${spec.ready})`, before: 'not ready', after: 'ready' });
    }
    return changes;
  },

  apply(spec, actual, changes) {
    const n = unit(spec);
    const what = `service ${n}`;
    const fields = new Set(changes.map((c) => c.field));
    const lines: ShellCommand[] = [];
    const init = actual.init;
    if (init === 'sysv') {
      lines.push(sh`[ -x ${`/etc/init.d/${n}`} ] || _pl_fail ${`${what}: no init script /etc/init.d/${n} (is its package installed?)`}`);
    }
    if (fields.has('enabled')) {
      const on = spec.enabled === true;
      const cmd = init === 'systemd'
        ? sh`systemctl ${on ? sh`enable` : sh`disable`} ${n}`
        : init === 'openrc'
          ? (on ? sh`rc-update add ${n} default` : sh`rc-update del ${n}`)
          : on
            ? sh`if command -v update-rc.d >/dev/null 2>&1; then update-rc.d ${n} defaults && update-rc.d ${n} enable
elif command -v chkconfig >/dev/null 2>&1; then chkconfig ${n} on
else false; fi`
            : sh`if command -v update-rc.d >/dev/null 2>&1; then update-rc.d ${n} disable
elif command -v chkconfig >/dev/null 2>&1; then chkconfig ${n} off
else false; fi`;
      lines.push(sh`{ ${cmd}\n} || _pl_fail ${`${what}: cannot ${on ? 'enable' : 'disable'} at boot`}`);
    }
    if (fields.has('state')) {
      const verbName = spec.state === 'running' ? 'start' : 'stop';
      const verb = raw(verbName);
      const cmd = init === 'systemd'
        ? sh`systemctl ${verb} ${n}`
        : init === 'openrc'
          ? sh`rc-service ${n} ${verb}`
          : sh`if command -v service >/dev/null 2>&1; then service ${n} ${verb}; else ${`/etc/init.d/${n}`} ${verb}; fi`;
      if (spec.state === 'running' && spec.ready !== undefined) {
        // The start script runs on in the background; the service is started when `ready:` passes,
        // or failed when the script ends non-zero first, or ends with 0 and the service is still not
        // running 5 s later (Debian's PostgreSQL script exits 0 when it finds no cluster).
        const tail = sh`tail -n 20 "$_pl_d/log" >&2`;
        lines.push(sh`_pl_d=$(mktemp -d) || _pl_fail ${`${what}: cannot create a temporary directory`}
trap 'rm -rf "$_pl_d"' EXIT
${startUntilReady(cmd, sh`"$_pl_d/log"`, spec.ready, isRunning(init, n), {
  failed: sh`{ ${tail}; _pl_fail ${`${what}: start failed`}; }`,
  gone: sh`${tail}; _pl_fail ${`${what}: its start command returned 0, but ${n} is not running (ready: ${spec.ready} never passed)`}`,
  timeout: sh`{ ${tail}; _pl_fail ${`${what}: started, but not ready after 2 minutes (ready: ${spec.ready})`}; }`,
})}
cat "$_pl_d/log"`);
      } else {
        // A daemon inherits the start command's output; pointing it at a file (not the exec's pipe)
        // keeps the exec from waiting for the daemon to exit.
        lines.push(sh`_pl_log=$(mktemp) || _pl_fail ${`${what}: cannot create a temporary file`}
trap 'rm -f "$_pl_log"' EXIT
{ ${cmd}
} </dev/null >"$_pl_log" 2>&1 || { tail -n 20 "$_pl_log" >&2; _pl_fail ${`${what}: ${verbName} failed`}; }
${init === 'sysv' && spec.state === 'stopped' ? stopLeftovers(n) : settled(isRunning(init, n), spec.state)}
cat "$_pl_log"`);
      }
    } else if (fields.has('ready') && spec.ready !== undefined) {
      lines.push(waitReady(spec.ready, sh`:`, sh`_pl_fail ${`${what}: running, but not ready after 2 minutes (ready: ${spec.ready})`}`));
    }
    return { script: sh`${APPLY_PRELUDE}${joinSh(lines)}\n`.text };
  },

  baseline: {
    records: (spec) => [{ section: 'services', name: spec.name }],
    compare: ({ host, facts, specs }) =>
      namedOrRecordedAbsent(specs, host.services).map((name) => {
        const prod = host.services[name];
        const [status, changes] = presence(facts.services[name], prod && !('absent' in prod) ? prod : undefined, (local, p) =>
          local.state === p.state ? [] : [{ field: 'state', summary: `${name} ${local.state} → ${p.state} (production)`, before: local.state, after: p.state }],
        );
        return { name, status, changes };
      }),
  },

  // Running or stopped as in production.
  reconcile: {
    pin(spec, host) {
      const prod = host.services[spec.name];
      if (!prod || 'absent' in prod || (prod.state !== 'running' && prod.state !== 'stopped')) return spec;
      return { ...spec, state: prod.state };
    },
  },
};

/** What a start script (startServicesScript) writes on its stderr for a service that did not start. */
export function didNotStart(name: string): string {
  return `prodlike: ${name} did not start`;
}

/**
 * Shell text that starts services, in order, in a container whose PID 1 is not an init system (so OpenRC
 * or SysV scripts, found as the probe finds them). A service that fails to start is only reported on the
 * output: the first probe after it sees it stopped, and converge starts it (and says why it cannot). A
 * service with `ready:` is started once that passes, as converge's start does (its start script runs on):
 * the next one starts then, and the script's end comes sooner if that never happens.
 */
export function startServicesScript(services: readonly { name: string; ready?: string }[]): string {
  return joinSh(
    services.map(({ name, ready }) => {
      const n = checkName(name, 'service');
      const run = sh`if ${OPENRC}; then rc-service ${n} start
elif command -v service >/dev/null 2>&1; then service ${n} start
else ${`/etc/init.d/${n}`} start; fi </dev/null`;
      const failed = sh`echo ${didNotStart(n)} >&2`;
      const running = sh`{ if ${OPENRC}; then ${isRunning('openrc', n)}; else ${isRunning('sysv', n)}; fi; }`;
      // As converge's start: the next service, and the first probe, come once this one runs (settled).
      if (ready === undefined) return sh`if ${run}; then ${settled(running, 'running')}
else ${failed}; fi`;
      // As converge's start: done when the check passes; given up on when the script ends non-zero, or
      // ends with 0 and the service is still not running 5 s later (converge then says why).
      return sh`_pl_d=$(mktemp -d)
${startUntilReady(run, undefined, ready, running, { failed: sh`{ ${failed}; break; }`, gone: sh`${failed}; break`, timeout: sh`break` })}
rm -rf "$_pl_d"`;
    }),
  ).text;
}

/**
 * Shell text that stops services cleanly, in the order given, before their container stops or goes:
 * the container's end would otherwise kill them (its PID 1 is an init that only forwards SIGTERM to
 * its own child), and a database whose data stays in a volume would recover from a crash at its next
 * start. Best effort: a service that does not stop is only reported on the output.
 */
export function stopServicesScript(names: readonly string[]): string {
  return joinSh(
    names.map((name) => {
      const n = checkName(name, 'service');
      const didNotStop = sh`echo ${`prodlike: ${n} did not stop`} >&2`;
      // A SysV script's stop that missed its daemon (stopLeftovers) leaves it to the container's end.
      return sh`if [ -d /run/systemd/system ]; then systemctl stop ${n} </dev/null >/dev/null 2>&1 || ${didNotStop}
elif ${OPENRC}; then rc-service ${n} stop </dev/null >/dev/null 2>&1 || ${didNotStop}
else
  { if command -v service >/dev/null 2>&1; then service ${n} stop
  elif [ -x ${`/etc/init.d/${n}`} ]; then ${`/etc/init.d/${n}`} stop; fi; } </dev/null >/dev/null 2>&1 || :
  ${stopLeftovers(n, sh`{ ${didNotStop}; break; }`)}
fi`;
    }),
  ).text;
}
