// file: content (compared by sha256), mode, owner, group, or absence. The probe embeds the desired
// sha256 so it prints the current content (for a unified diff) only when it differs and is small.

import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import type { FileResource } from '../../../shared/profile.js';
import type { Change } from '../../../shared/report.js';
import { attrFields, attrChanges, attrScript, parseStat, STAT_FORMAT, type Attrs } from './attrs.js';
import type { ApplyStep, ResourceKind } from './resource.js';
import { sh } from '../sh-command.js';
import { APPLY_PRELUDE, checkAbsPath, decodeValue, need, parseKv } from './sh.js';
import * as z from 'zod/mini';
import { machinePath, normalMode, opt, resourceCommon, state, str } from '../schema/schema-parts.js';
import { pathKindProduction } from './baseline-compare.js';

/** Files at least this big are compared by hash only: their content is not sent back for a diff. */
export const DIFF_MAX_BYTES = 256 * 1024;

export interface FileActual extends Partial<Attrs> {
  /** `other`: a socket, fifo or device sits at the path. */
  type: 'absent' | 'file' | 'directory' | 'other';
  size?: number;
  sha256?: string;
  /** Current content, only when it differs from the desired one, is small and is text. */
  content?: string;
  binary?: boolean;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function asText(buf: Buffer): string | undefined {
  if (buf.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return undefined;
  }
}

function lineCount(s: string): number {
  if (s === '') return 0;
  return s.split('\n').length - (s.endsWith('\n') ? 1 : 0);
}

function contentChange(spec: FileResource, actual: FileActual): Change | undefined {
  if (spec.content === undefined) return undefined;
  const want = sha256(spec.content);
  const exists = actual.type === 'file';
  if (exists && actual.sha256 === want) return undefined;
  const before = exists ? actual.content : '';
  const base = { field: 'content', before: exists ? (actual.sha256 ?? null) : null, after: want };
  if (before === undefined) {
    const why = actual.binary ? 'binary' : `${actual.size ?? '?'} bytes`;
    return { ...base, summary: `content differs (current is ${why}; sha256 ${actual.sha256?.slice(0, 12)}… → ${want.slice(0, 12)}…)` };
  }
  const patch = createTwoFilesPatch(spec.name, spec.name, before, spec.content, exists ? 'actual' : 'absent', 'desired');
  let add = 0;
  let del = 0;
  const lines = patch.split('\n');
  for (const l of lines.slice(lines.findIndex((x) => x.startsWith('@@')))) {
    if (l.startsWith('+')) add++;
    else if (l.startsWith('-')) del++;
  }
  const summary = exists ? `content changes (+${add} −${del} lines)` : `content: ${lineCount(spec.content)} lines`;
  return { ...base, summary, diff: patch };
}

const schema = z.strictObject({
  file: machinePath('file'),
  content: z.optional(str('the file content as a string')),
  src: z.optional(str('a file path relative to the profile file')),
  ...attrFields,
  state: z._default(state(), 'present'),
  ...resourceCommon,
});
type Data = z.output<typeof schema>;

export const fileKind: ResourceKind<FileResource, FileActual, Data> = {
  kind: 'file',

  schema,
  async fromProfile(d, ctx) {
    if (d.content !== undefined && d.src !== undefined) {
      ctx.problem('content: and src: both give the file\'s content', 'keep one of them', 'src');
      return undefined;
    }
    if (d.state === 'absent' && (d.content !== undefined || d.src !== undefined)) {
      ctx.problem('state: absent removes the file, so content: or src: cannot apply', 'remove content:/src:, or the state: absent');
      return undefined;
    }
    const read = d.src === undefined ? {} : await ctx.readSrc(d.src);
    if (!read) return undefined;
    return { ...opt('content', d.content), ...read, ...opt('mode', normalMode(d.mode)), ...opt('owner', d.owner), ...opt('group', d.group), state: d.state };
  },

  probe(spec) {
    const p = checkAbsPath(spec.name, 'file');
    const want = spec.content !== undefined ? sha256(spec.content) : '';
    return sh`_pl_p=${p}
if [ -d "$_pl_p" ]; then echo type=directory
elif [ -f "$_pl_p" ]; then
  echo type=file
  _pl_st=$(stat -L -c ${STAT_FORMAT} "$_pl_p") && echo "stat=$_pl_st"
  _pl_s=$(sha256sum < "$_pl_p") && echo "sha256=\${_pl_s%% *}"
  if [ -n ${want} ] && [ "\${_pl_s%% *}" != ${want} ] && [ "\${_pl_st##* }" -lt ${DIFF_MAX_BYTES} ]; then
    printf 'content='; _pl_enc < "$_pl_p"; echo
  fi
elif [ -e "$_pl_p" ]; then echo type=other
else echo type=absent
fi`.text;
  },

  parse(stdout) {
    const kv = parseKv(stdout);
    const type = need(kv, 'type') as FileActual['type'];
    if (type !== 'file') return { type };
    const st = parseStat(need(kv, 'stat'));
    const actual: FileActual = { type, ...st, sha256: need(kv, 'sha256') };
    const enc = kv.get('content');
    if (enc !== undefined) {
      const text = asText(decodeValue(enc));
      if (text === undefined) actual.binary = true;
      else actual.content = text;
    }
    return actual;
  },

  diff(spec, actual) {
    if (spec.state === 'absent') {
      if (actual.type === 'absent') return [];
      return [{ field: 'state', summary: `remove ${actual.type === 'file' ? 'file' : actual.type} ${spec.name}`, before: actual.type, after: 'absent' }];
    }
    if (actual.type === 'directory' || actual.type === 'other') {
      return [{ field: 'state', summary: `${spec.name} is a ${actual.type === 'other' ? 'special file' : 'directory'}, not a file (Prodlike will not replace it)`, before: actual.type, after: 'file' }];
    }
    const changes: Change[] = [];
    if (actual.type === 'absent') changes.push({ field: 'state', summary: `create ${spec.name}`, before: 'absent', after: 'present' });
    const content = contentChange(spec, actual);
    if (content) changes.push(content);
    changes.push(...attrChanges(spec, actual.type === 'file' ? (actual as Attrs) : undefined));
    return changes;
  },

  apply(spec, actual, changes): ApplyStep {
    const p = checkAbsPath(spec.name, 'file');
    const what = `file ${p}`;
    if (spec.state === 'absent') {
      // A symlink itself is removed, never the file it points to.
      return {
        script: sh`${APPLY_PRELUDE}_pl_p=${p}
if [ -d "$_pl_p" ] && [ ! -L "$_pl_p" ]; then _pl_fail ${`${what}: is a directory, not removing it (use a directory resource)`}; fi
rm -f -- "$_pl_p" || _pl_fail ${`${what}: cannot remove`}
`.text,
      };
    }
    // Content is written through a symlink, as the probe reads through it.
    const head = sh`${APPLY_PRELUDE}_pl_p=${p}
if [ -L "$_pl_p" ]; then _pl_p=$(readlink -f -- "$_pl_p") || _pl_fail ${`${what}: cannot resolve symlink`}; fi
if [ -e "$_pl_p" ] && [ ! -f "$_pl_p" ]; then _pl_fail ${`${what}: exists and is not a regular file`}; fi
_pl_d=$(dirname -- "$_pl_p")
mkdir -p -- "$_pl_d" || _pl_fail ${`${what}: cannot create parent directory`}
`;
    const writes = spec.content !== undefined && changes.some((c) => c.field === 'content' || c.field === 'state');
    if (!writes) {
      // Content is not managed (or already right): create an empty file if needed, then fix attributes.
      return { script: sh`${head}[ -e "$_pl_p" ] || : > "$_pl_p" || _pl_fail ${`${what}: cannot create`}\n${attrScript(spec, '$_pl_p', what)}\n`.text };
    }
    // Content comes on stdin and is renamed into place, so readers never see half a file.
    return {
      script: sh`${head}_pl_t=$(mktemp "$_pl_d/.prodlike.XXXXXX") || _pl_fail ${`${what}: cannot create a temporary file in its directory`}
trap 'rm -f "$_pl_t"' EXIT
cat > "$_pl_t" || _pl_fail ${`${what}: cannot write content`}
if [ -f "$_pl_p" ]; then
  chmod -- "$(stat -L -c %a "$_pl_p")" "$_pl_t" && chown -- "$(stat -L -c %u:%g "$_pl_p")" "$_pl_t" || _pl_fail ${`${what}: cannot keep its mode and owner`}
else
  chmod 0644 "$_pl_t"
fi
${attrScript(spec, '$_pl_t', what)}
mv -f -- "$_pl_t" "$_pl_p" || _pl_fail ${`${what}: cannot move the new content into place`}
`.text,
      stdin: spec.content,
    };
  },

  // Every file the baseline records (the production profile named it); a path it does not record is
  // unknown, not absent.
  // The environment cache keys a file by its content's hash, not by where `src:` lives on this computer.
  fingerprint: (spec) => ({ ...spec, src: undefined, content: spec.content === undefined ? undefined : `sha256:${sha256(spec.content)}` }),

  ...pathKindProduction<FileResource>('files', 'file'),
};
