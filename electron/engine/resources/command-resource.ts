// command: runs a shell command unless a guard says it is done. The probe evaluates the guards
// (`creates` exists, `unless` succeeds, `onlyif` fails → skip), so plan and drift report what apply
// would do instead of guessing. A command with no guard runs on every apply and diff always says so:
// that is the honest answer, and the reason to give commands a guard.
// Guards run in `cwd` with `env`, like the command; they should be read-only checks.

import type { CommandResource } from '../../../shared/profile.js';
import type { ResourceKind } from './resource.js';
import { joinSh, raw, sh, type ShellCommand } from '../sh-command.js';
import { APPLY_PRELUDE, checkEnvName, need, parseKv } from './sh.js';
import * as z from 'zod/mini';
import { absPath, envMap, NO_NUL, opt, resourceCommon, shellText } from '../schema/schema-parts.js';

export interface CommandActual {
  /** Whether `creates` exists; undefined without that guard. */
  created?: boolean;
  /** Exit codes of the guard commands, when they were evaluated. */
  unlessCode?: number;
  onlyifCode?: number;
}

/** An absolute path, so `cd` cannot take it for an option. */
function cwd(spec: CommandResource): string {
  if (!spec.cwd!.startsWith('/')) throw new Error(`command ${spec.name}: cwd ${JSON.stringify(spec.cwd)} is not an absolute path`);
  return spec.cwd!;
}

/** sh that enters cwd (running `onFail` when it cannot) and exports env: the context of the command and of its guards. */
function context(spec: CommandResource, onFail: ShellCommand): ShellCommand {
  const lines: ShellCommand[] = [];
  if (spec.cwd !== undefined) lines.push(sh`cd ${cwd(spec)} || ${onFail}`);
  for (const [k, v] of Object.entries(spec.env ?? {})) lines.push(sh`export ${raw(checkEnvName(k, `command ${spec.name}: env`))}=${v}`);
  return joinSh(lines);
}

function guard(spec: CommandResource, cmd: string, key: 'unless' | 'onlyif'): ShellCommand {
  return sh`( ${context(spec, sh`exit 111`)}\n sh -c ${cmd} ) >/dev/null 2>&1 </dev/null; echo ${raw(key)}=$?`;
}

export function hasGuard(spec: CommandResource): boolean {
  return spec.creates !== undefined || spec.unless !== undefined || spec.onlyif !== undefined;
}

const schema = z.strictObject({
  command: shellText('a shell command'),
  creates: z.optional(absPath('file').check(NO_NUL)),
  unless: z.optional(shellText('a shell command')),
  onlyif: z.optional(shellText('a shell command')),
  cwd: z.optional(absPath('directory').check(NO_NUL)),
  env: z._default(envMap(), {}),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

export const commandKind: ResourceKind<CommandResource, CommandActual, Data> = {
  kind: 'command',

  schema,
  savePoint: true,
  textMaps: ['env'],
  // Without a guard a command is an action, not a state; with one, the guard is the state it stands for.
  action: (spec) => !hasGuard(spec),
  // A command's run is its confirmation: without guards it would only say "would run" again, and a guard
  // is what the user wrote to skip it next time, not a promise that it holds right away (a daemon a
  // command starts may take a moment to answer).
  confirmByProbe: false,
  fromProfile: (d) => ({ ...opt('creates', d.creates), ...opt('unless', d.unless), ...opt('onlyif', d.onlyif), ...opt('cwd', d.cwd), env: d.env }),

  probe(spec) {
    // Cheapest guard first; later guards are only evaluated when the earlier ones do not skip.
    const checks: ShellCommand[] = [];
    if (spec.unless !== undefined) checks.push(guard(spec, spec.unless, 'unless'));
    if (spec.onlyif !== undefined) checks.push(guard(spec, spec.onlyif, 'onlyif'));
    const rest = checks.length ? joinSh(checks) : sh`:`;
    if (spec.creates === undefined) return sh`${rest}\necho done=1`.text;
    const enter = spec.cwd !== undefined ? sh`cd ${cwd(spec)} 2>/dev/null; ` : sh``;
    return sh`if ( ${enter}test -e ${spec.creates} ); then echo creates=1
else
  echo creates=0
${rest}
fi
echo done=1`.text;
  },

  parse(stdout) {
    const kv = parseKv(stdout);
    need(kv, 'done');
    const actual: CommandActual = {};
    if (kv.has('creates')) actual.created = kv.get('creates') === '1';
    if (kv.has('unless')) actual.unlessCode = Number(kv.get('unless'));
    if (kv.has('onlyif')) actual.onlyifCode = Number(kv.get('onlyif'));
    return actual;
  },

  diff(spec, actual) {
    if (actual.created) return [];
    if (actual.unlessCode === 0) return [];
    if (actual.onlyifCode !== undefined && actual.onlyifCode !== 0) return [];
    const why = !hasGuard(spec)
      ? 'no guard: runs on every apply'
      : [
          spec.creates !== undefined ? `${spec.creates} does not exist` : '',
          spec.unless !== undefined ? `unless exited ${actual.unlessCode}` : '',
          spec.onlyif !== undefined ? 'onlyif succeeded' : '',
        ].filter(Boolean).join(', ');
    return [{ field: 'run', summary: `run \`${spec.name}\` (${why})`, before: null, after: spec.name }];
  },

  apply(spec) {
    const ctx = context(spec, sh`_pl_fail ${`command: cannot enter directory ${spec.cwd ?? ''}`}`);
    return {
      script: sh`${APPLY_PRELUDE}${ctx}
exec sh -c ${spec.name} </dev/null
`.text,
    };
  },

};
