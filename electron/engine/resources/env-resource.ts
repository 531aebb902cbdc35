// env: VAR=value in /etc/environment (read by pam_env at login; the machine-wide environment).
// A definition may be written `VAR=value`, `VAR="value"` or `export VAR=value`; the first one is
// replaced in place and later duplicates are dropped. The value goes to apply on stdin.

import type { EnvResource } from '../../../shared/profile.js';
import type { ResourceKind } from './resource.js';
import { envValueProblem, sh } from '../sh-command.js';
import { APPLY_PRELUDE, checkEnvName, need, parseKv } from './sh.js';
import * as z from 'zod/mini';
import { ENV_NAME, envValue, resourceCommon, state, str, want } from '../schema/schema-parts.js';
import { presence, unique } from './baseline-compare.js';
import { REDACTED } from '../facts/types.js';

export { envValueProblem };

export const ENV_FILE = '/etc/environment';

export interface EnvActual {
  /** The current value, undefined when the variable is not defined there. */
  value?: string;
  /** How many lines define it (more than one is drift too). */
  definitions: number;
}

// Finds definitions of ENVIRON["PL_NAME"] without putting the name in a regular expression.
const DEF_AWK = `function isdef(s) { sub(/^[ \\t]*/, "", s); sub(/^export[ \\t]+/, "", s); return index(s, ENVIRON["PL_NAME"] "=") == 1 }`;

// A line of the file cannot hold a newline, so the last definition is printed as it is.
const PROBE_AWK = `${DEF_AWK}
isdef($0) { n++; last = $0 }
END { print "count=" (n + 0); if (n) print "line=" last }`;

const PRESENT_AWK = `${DEF_AWK}
isdef($0) { if (!done) print ENVIRON["PL_LINE"]; done = 1; next }
{ print }
END { if (!done) print ENVIRON["PL_LINE"] }`;

const ABSENT_AWK = `${DEF_AWK}
!isdef($0)`;

export function parseEnvValue(line: string, name: string): string {
  let s = line.replace(/^[ \t]*/, '').replace(/^export[ \t]+/, '').slice(name.length + 1).replace(/[ \t\r]+$/, '');
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))) s = s.slice(1, -1);
  return s;
}


/**
 * The line for ENV_FILE: bare when the value is plain, in double quotes when only spaces and the like
 * need quoting, in single quotes when it holds `$` or a backtick, so that sourcing the file expands
 * and runs nothing.
 */
export function formatEnvLine(name: string, value: string): string {
  const problem = envValueProblem(value);
  if (problem) throw new Error(`env ${name}: the value ${problem} in ${ENV_FILE}`);
  if (/^[A-Za-z0-9_./:,@%+=-]*$/.test(value)) return `${name}=${value}`;
  return /[$`]/.test(value) ? `${name}='${value}'` : `${name}="${value}"`;
}

const schema = z.strictObject({
  env: str('an environment variable name').check(z.regex(ENV_NAME, want('an environment variable name such as SHOP_ENV'))),
  value: z.optional(envValue()),
  state: z._default(state(), 'present'),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

export const envKind: ResourceKind<EnvResource, EnvActual, Data> = {
  kind: 'env',

  schema,
  textKeys: ['value'],
  fromProfile(d, ctx) {
    if (d.value === undefined && d.state !== 'absent') {
      ctx.problem('"value" is required: expected a string', 'add value: (or state: absent to remove the variable)');
      return undefined;
    }
    return { value: d.value ?? '', state: d.state };
  },

  probe(spec) {
    const name = checkEnvName(spec.name, 'env');
    return sh`if [ -f ${ENV_FILE} ]; then
  PL_NAME=${name} awk ${PROBE_AWK} ${ENV_FILE}
else echo count=0
fi`.text;
  },

  parse(stdout, spec) {
    const kv = parseKv(stdout);
    const definitions = Number(need(kv, 'count'));
    if (definitions === 0) return { definitions };
    return { definitions, value: parseEnvValue(need(kv, 'line'), spec.name) };
  },

  diff(spec, actual) {
    if (spec.state === 'absent') {
      if (actual.definitions === 0) return [];
      return [{ field: 'value', summary: `remove ${spec.name} from ${ENV_FILE}`, before: actual.value ?? null, after: null }];
    }
    if (actual.value === undefined) {
      return [{ field: 'value', summary: `set ${spec.name} in ${ENV_FILE}`, before: null, after: spec.value }];
    }
    if (actual.value !== spec.value) {
      return [{ field: 'value', summary: `${spec.name}: "${actual.value}" → "${spec.value}"`, before: actual.value, after: spec.value }];
    }
    if (actual.definitions > 1) {
      return [{ field: 'value', summary: `${spec.name} is defined ${actual.definitions} times in ${ENV_FILE}; keep one`, before: actual.value, after: spec.value }];
    }
    return [];
  },

  apply(spec) {
    const name = checkEnvName(spec.name, 'env');
    const what = `env ${name}`;
    const absent = spec.state === 'absent';
    const line = absent ? '' : formatEnvLine(name, spec.value);
    const missing = absent
      ? sh`:`
      : sh`printf '%s\\n' "$PL_LINE" > "$_pl_f" && chmod 0644 "$_pl_f" || _pl_fail ${`${what}: cannot create ${ENV_FILE}`}`;
    return {
      script: sh`${APPLY_PRELUDE}IFS= read -r PL_LINE
PL_NAME=${name}
export PL_LINE PL_NAME
_pl_f=${ENV_FILE}
if [ -L "$_pl_f" ]; then _pl_f=$(readlink -f -- "$_pl_f") || _pl_fail ${`${what}: cannot resolve ${ENV_FILE}`}; fi
if [ ! -e "$_pl_f" ]; then
  ${missing}
else
  _pl_t=$(mktemp "$(dirname -- "$_pl_f")/.prodlike.XXXXXX") || _pl_fail ${`${what}: cannot create a temporary file`}
  trap 'rm -f "$_pl_t"' EXIT
  awk ${absent ? ABSENT_AWK : PRESENT_AWK} "$_pl_f" > "$_pl_t" || _pl_fail ${`${what}: cannot rewrite ${ENV_FILE}`}
  chmod -- "$(stat -L -c %a "$_pl_f")" "$_pl_t" && chown -- "$(stat -L -c %u:%g "$_pl_f")" "$_pl_t" || _pl_fail ${`${what}: cannot keep the mode and owner of ${ENV_FILE}`}
  mv -f -- "$_pl_t" "$_pl_f" || _pl_fail ${`${what}: cannot replace ${ENV_FILE}`}
fi
`.text,
      stdin: `${line}\n`,
    };
  },

  baseline: {
    compare: ({ host, facts, specs }) =>
      unique(specs.map((s) => s.name)).map((name) => {
        const [status, changes] = presence(facts.env[name], host.env[name], (local, prod) =>
          // A redacted value can only be compared for presence: its value never left the host.
          local === prod || local === REDACTED || prod === REDACTED ? [] : [{ field: 'value', summary: `${name}=${local} → ${prod} (production)`, before: local, after: prod }],
        );
        return { name, status, changes };
      }),
  },

  // Production's value, unless it was redacted.
  reconcile: {
    pin(spec, host) {
      const prod = host.env[spec.name];
      return prod !== undefined && prod !== REDACTED ? { ...spec, state: 'present', value: prod } : spec;
    },
  },
};
