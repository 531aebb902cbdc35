// line: `text` is a line of the file. With `match` (POSIX ERE) the first matching line is replaced by
// `text` (appended when none matches). Absent removes the lines equal to `text` and those matching
// `match`. awk reads text and pattern from the environment (ENVIRON), which, unlike `awk -v`, does not
// interpret backslashes; apply gets them on stdin.

import type { LineResource } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import type { ResourceKind } from './resource.js';
import { sh } from '../sh-command.js';
import { APPLY_PRELUDE, checkAbsPath, need, parseKv } from './sh.js';
import * as z from 'zod/mini';
import { machinePath, ONE_LINE, opt, resourceCommon, state, str } from '../schema/schema-parts.js';
import { scalarText } from '../schema/yaml-tree.js';

export interface LineActual {
  fileExists: boolean;
  /** Lines equal to text. */
  exact: number;
  /** 1-based number of the first line matching `match`, 0 when none. */
  firstMatch: number;
  firstMatchText?: string;
  /** Lines an absent line resource would remove. */
  removable: number;
}

function check(spec: LineResource): void {
  checkAbsPath(spec.name, 'line file');
  if (/[\n\0]/.test(spec.text)) throw new Error(`line in ${spec.name}: text must be a single line (no newline or NUL)`);
  if (spec.match !== undefined && /[\n\0]/.test(spec.match)) throw new Error(`line in ${spec.name}: match must be a single line (no newline or NUL)`);
}

const COUNT_AWK = `BEGIN { t = ENVIRON["PL_TEXT"]; m = ENVIRON["PL_MATCH"] }
$0 == t { e++ }
m != "" && $0 ~ m { if (!f) { f = NR; ft = $0 } }
$0 == t || (m != "" && $0 ~ m) { h++ }
END { print "exact=" (e + 0); print "first=" (f + 0); print "hits=" (h + 0); if (f) print "firsttext=" ft }`;

// Present: replace the first line matching m; otherwise append t unless it is already there.
const PRESENT_AWK = `BEGIN { t = ENVIRON["PL_TEXT"]; m = ENVIRON["PL_MATCH"] }
!done && m != "" && $0 ~ m { print t; done = 1; next }
$0 == t { seen = 1 }
{ print }
END { if (!done && !seen) print t }`;

const ABSENT_AWK = `BEGIN { t = ENVIRON["PL_TEXT"]; m = ENVIRON["PL_MATCH"] }
!($0 == t || (m != "" && $0 ~ m))`;

const schema = z.strictObject({
  line: machinePath('file'),
  text: z.optional(str('the line of text').check(ONE_LINE)),
  match: z.optional(str('a regular expression').check(ONE_LINE)),
  state: z._default(state(), 'present'),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

export const lineKind: ResourceKind<LineResource, LineActual, Data> = {
  kind: 'line',

  schema,
  // Several lines of one file are several resources: `line:path:(match ?? text)`.
  identity(name, node) {
    const key = scalarText(node.entries.get('match')?.value) ?? scalarText(node.entries.get('text')?.value);
    return `line:${name}:${key ?? ''}`;
  },
  fromProfile(d, ctx) {
    if (d.text === undefined && !(d.state === 'absent' && d.match !== undefined)) {
      ctx.problem('"text" is required: expected the line of text', 'add text: (only state: absent with match: can do without)');
      return undefined;
    }
    return { text: d.text ?? '', ...opt('match', d.match), state: d.state };
  },

  probe(spec) {
    check(spec);
    return sh`_pl_f=${spec.name}
if [ -f "$_pl_f" ]; then
  echo exists=1
  PL_TEXT=${spec.text} PL_MATCH=${spec.match ?? ''} awk ${COUNT_AWK} "$_pl_f"
else echo exists=0
fi`.text;
  },

  parse(stdout) {
    const kv = parseKv(stdout);
    if (need(kv, 'exists') !== '1') return { fileExists: false, exact: 0, firstMatch: 0, removable: 0 };
    const actual: LineActual = {
      fileExists: true,
      exact: Number(need(kv, 'exact')),
      firstMatch: Number(need(kv, 'first')),
      removable: Number(need(kv, 'hits')),
    };
    if (kv.has('firsttext')) actual.firstMatchText = kv.get('firsttext');
    return actual;
  },

  diff(spec, actual) {
    const changes: Change[] = [];
    if (spec.state === 'absent') {
      if (actual.removable > 0) {
        const n = actual.removable;
        changes.push({ field: 'line', summary: `remove ${n} line${n > 1 ? 's' : ''} from ${spec.name}`, before: spec.text, after: null });
      }
      return changes;
    }
    if (!actual.fileExists) {
      changes.push({ field: 'line', summary: `create ${spec.name} with "${spec.text}"`, before: null, after: spec.text });
    } else if (spec.match && actual.firstMatch > 0) {
      if (actual.firstMatchText !== spec.text) {
        changes.push({ field: 'line', summary: `replace line ${actual.firstMatch} of ${spec.name}: "${actual.firstMatchText}" → "${spec.text}"`, before: actual.firstMatchText ?? null, after: spec.text });
      }
    } else if (actual.exact === 0) {
      changes.push({ field: 'line', summary: `append "${spec.text}" to ${spec.name}`, before: null, after: spec.text });
    }
    return changes;
  },

  apply(spec) {
    check(spec);
    const what = `line in ${spec.name}`;
    const awk = spec.state === 'absent' ? ABSENT_AWK : PRESENT_AWK;
    const missing = spec.state === 'absent'
      ? sh`:`
      : sh`mkdir -p -- "$(dirname -- "$_pl_f")" && printf '%s\\n' "$PL_TEXT" > "$_pl_f" || _pl_fail ${`${what}: cannot create the file`}`;
    return {
      script: sh`${APPLY_PRELUDE}IFS= read -r PL_TEXT; IFS= read -r PL_MATCH
export PL_TEXT PL_MATCH
_pl_f=${spec.name}
if [ -L "$_pl_f" ]; then _pl_f=$(readlink -f -- "$_pl_f") || _pl_fail ${`${what}: cannot resolve symlink`}; fi
if [ ! -e "$_pl_f" ]; then
  ${missing}
else
  [ -f "$_pl_f" ] || _pl_fail ${`${what}: not a regular file`}
  _pl_t=$(mktemp "$(dirname -- "$_pl_f")/.prodlike.XXXXXX") || _pl_fail ${`${what}: cannot create a temporary file`}
  trap 'rm -f "$_pl_t"' EXIT
  awk ${awk} "$_pl_f" > "$_pl_t" || _pl_fail ${`${what}: awk failed (is match a valid extended regular expression?)`}
  chmod -- "$(stat -L -c %a "$_pl_f")" "$_pl_t" && chown -- "$(stat -L -c %u:%g "$_pl_f")" "$_pl_t" || _pl_fail ${`${what}: cannot keep the file's mode and owner`}
  mv -f -- "$_pl_t" "$_pl_f" || _pl_fail ${`${what}: cannot replace the file`}
fi
`.text,
      stdin: `${spec.text}\n${spec.match ?? ''}\n`,
    };
  },

  // Capture records the file a line lives in; drift compares it as that file, and reconcile counts it
  // as named by the profile.
  baseline: {
    records: (spec) => [{ section: 'files', name: spec.name }],
  },
  reconcile: {
    subjects: (spec) => [`file:${spec.name}`],
  },
};
