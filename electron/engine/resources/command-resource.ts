// command: runs a shell command unless a guard says it is done. The probe evaluates the guards
// (`creates` exists, `unless` succeeds, `onlyif` fails → skip), so plan and drift report what apply
// would do instead of guessing. A command with no guard runs on every apply and diff always says so:
// that is the honest answer, and the reason to give commands a guard.
// Guards run in `cwd` with `env`, like the command; they should be read-only checks.

import type { CommandResource } from '../../../shared/profile.js';
import type { ResourceKind } from './resource.js';
import { APPLY_PRELUDE, checkEnvName, need, parseKv, shq } from './sh.js';

export interface CommandActual {
  /** Whether `creates` exists; undefined without that guard. */
  created?: boolean;
  /** Exit codes of the guard commands, when they were evaluated. */
  unlessCode?: number;
  onlyifCode?: number;
}

/** sh that enters cwd and exports env: the context of the command and of its guards. */
function context(spec: CommandResource): string {
  const lines: string[] = [];
  if (spec.cwd !== undefined) lines.push(`cd ${shq(spec.cwd)} || exit 111`);
  for (const [k, v] of Object.entries(spec.env ?? {})) lines.push(`export ${checkEnvName(k, `command ${spec.name}: env`)}=${shq(v)}`);
  return lines.join('\n');
}

function guard(spec: CommandResource, cmd: string, key: string): string {
  return `( ${context(spec)}\n sh -c ${shq(cmd)} ) >/dev/null 2>&1 </dev/null; echo ${key}=$?`;
}

export function hasGuard(spec: CommandResource): boolean {
  return spec.creates !== undefined || spec.unless !== undefined || spec.onlyif !== undefined;
}

export const commandKind: ResourceKind<CommandResource, CommandActual> = {
  kind: 'command',

  probe(spec) {
    // Cheapest guard first; later guards are only evaluated when the earlier ones do not skip.
    const checks: string[] = [];
    if (spec.unless !== undefined) checks.push(guard(spec, spec.unless, 'unless'));
    if (spec.onlyif !== undefined) checks.push(guard(spec, spec.onlyif, 'onlyif'));
    const rest = checks.join('\n') || ':';
    if (spec.creates === undefined) return `${rest}\necho done=1`;
    return `if ( ${spec.cwd !== undefined ? `cd ${shq(spec.cwd)} 2>/dev/null; ` : ''}test -e ${shq(spec.creates)} ); then echo creates=1
else
  echo creates=0
${rest}
fi
echo done=1`;
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
    const ctx = context(spec).replace('|| exit 111', `|| _pl_fail ${shq(`command: cannot enter directory ${spec.cwd ?? ''}`)}`);
    return {
      script: `${APPLY_PRELUDE}${ctx}
exec sh -c ${shq(spec.name)} </dev/null
`,
    };
  },
};
