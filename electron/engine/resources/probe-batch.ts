// The shared part of a machine's probe: one `stat` of every path the file and directory resources
// name, one `sha256sum` of every file, one `getent passwd` and one `getent group` of every account,
// and one `id -Gn` of every user, instead of a stat, a sha256sum or a getent per resource. Each
// resource's answer is then put together here, in Node, in the very `key=value` text its kind's probe
// would have printed, so the kinds' parse and diff are unchanged and the two paths cannot disagree
// on meaning (test/unit/resources/probe-batch.test.ts runs both on the same machine states).
//
// On the machine this costs a handful of execs per machine rather than three or four per resource:
// most of a probe's CPU was fork+exec.

import type { ResourceSpec } from '../../../shared/profile.js';
import { DIFF_MAX_BYTES, sha256 } from './file-resource.js';
import { shq } from './sh.js';
import { parseSumLine } from '../sha256sum-line.js';

/** The kinds whose state the batch reads (their own probe snippet is not run). */
export type BatchedSpec = Extract<ResourceSpec, { kind: 'file' | 'directory' | 'user' | 'group' }>;

export function isBatched(spec: ResourceSpec): spec is BatchedSpec {
  return spec.kind === 'file' || spec.kind === 'directory' || spec.kind === 'user' || spec.kind === 'group';
}

const STAT_LINE = '%F|%a %u %U %g %G %s|%n';
const uniq = (xs: string[]) => [...new Set(xs)];

/**
 * The script section: each read is one command (none when no resource needs it), under its own
 * marker. `@@PL:<nonce>:C:<i>@@` lines carry a file's current content, printed only when its hash
 * differs from the desired one and it is small (what a diff needs), as the file probe does.
 */
export function batchScript(nonce: string, specs: { spec: BatchedSpec; index: number }[]): string {
  const paths = uniq(specs.filter((s) => s.spec.kind === 'file' || s.spec.kind === 'directory').map((s) => s.spec.name));
  const files = specs.filter((s): s is { spec: Extract<BatchedSpec, { kind: 'file' }>; index: number } => s.spec.kind === 'file');
  const users = uniq(specs.filter((s) => s.spec.kind === 'user').map((s) => s.spec.name));
  const groups = uniq(specs.filter((s) => s.spec.kind === 'group').map((s) => s.spec.name));
  const section = (name: string) => `printf '\\n@@PL:${nonce}:S:${name}@@\\n'`;
  const list = (xs: string[]) => xs.map(shq).join(' ');
  const out: string[] = [];
  if (paths.length) out.push(section('stat'), `stat -L -c '${STAT_LINE}' -- ${list(paths)} 2>/dev/null`);
  const filePaths = uniq(files.map((f) => f.spec.name));
  if (filePaths.length) {
    // Regular files only: a fifo or a device at a file's path would block or never end.
    out.push(
      section('sha'),
      `set --; for _pl_f in ${list(filePaths)}; do if [ -f "$_pl_f" ]; then set -- "$@" "$_pl_f"; fi; done`,
      `_pl_shas=; if [ $# -gt 0 ]; then _pl_shas=$(sha256sum -- "$@" 2>/dev/null); fi; printf '%s\\n' "$_pl_shas"`,
    );
    // Builtins only, unless the hash differs: then the content, for the diff.
    for (const f of files) {
      if (f.spec.content === undefined) continue;
      // The line sha256sum prints when the hash is the desired one (GNU escapes a name with a backslash).
      const name = f.spec.name;
      const line = name.includes('\\') ? `\\${sha256(f.spec.content)}  ${name.replace(/\\/g, '\\\\')}` : `${sha256(f.spec.content)}  ${name}`;
      out.push(
        `case "\n$_pl_shas\n" in *${shq(`\n${line}\n`)}*) ;; *) if [ -f ${shq(f.spec.name)} ] && [ "$(wc -c < ${shq(f.spec.name)})" -lt ${DIFF_MAX_BYTES} ]; then printf '\\n@@PL:${nonce}:C:${f.index}@@\\n'; _pl_enc < ${shq(f.spec.name)}; echo; fi ;; esac`,
      );
    }
  }
  const accounts = (db: 'passwd' | 'group', names: string[]) =>
    `if command -v getent >/dev/null 2>&1; then getent ${db} ${list(names)} 2>/dev/null; else PL_NAMES=${shq(names.join(' '))} awk -F: 'BEGIN { n = split(ENVIRON["PL_NAMES"], a, " "); for (i = 1; i <= n; i++) w[a[i]] = 1 } $1 in w' /etc/${db} 2>/dev/null; fi`;
  if (users.length) {
    out.push(section('passwd'), accounts('passwd', users));
    // GNU id takes several users (one line each, for those that exist); busybox's takes one.
    out.push(
      section('ids'),
      `_pl_ids=$(id -Gn ${list(users)} 2>/dev/null); if [ -n "$_pl_ids" ] || [ ${users.length} -eq 1 ]; then printf '%s\\n' "$_pl_ids"; else for _pl_u in ${list(users)}; do printf '@%s:' "$_pl_u"; id -Gn "$_pl_u" 2>/dev/null; echo; done; fi`,
    );
  }
  if (groups.length) out.push(section('group'), accounts('group', groups));
  out.push(section('end'));
  return out.join('\n');
}

interface BatchRead {
  stat: Map<string, { type: string; stat: string }>;
  sha: Map<string, string>;
  passwd: Map<string, string>;
  group: Map<string, string>;
  ids: Map<string, string>;
  content: Map<number, string>;
}

function sectionText(stdout: string, nonce: string, name: string): string | undefined {
  const tag = `\n@@PL:${nonce}:S:${name}@@\n`;
  const b = stdout.indexOf(tag);
  if (b < 0) return undefined;
  const e = stdout.indexOf(`\n@@PL:${nonce}:S:`, b + tag.length);
  return stdout.slice(b + tag.length, e < 0 ? undefined : e);
}

/** What the batch section printed, or undefined when it did not run to its end (the caller reports it). */
export function readBatch(stdout: string, nonce: string, specs: { spec: BatchedSpec; index: number }[]): BatchRead | undefined {
  if (!stdout.includes(`\n@@PL:${nonce}:S:end@@\n`)) return undefined;
  const r: BatchRead = { stat: new Map(), sha: new Map(), passwd: new Map(), group: new Map(), ids: new Map(), content: new Map() };
  for (const line of (sectionText(stdout, nonce, 'stat') ?? '').split('\n')) {
    const a = line.indexOf('|');
    const b = line.indexOf('|', a + 1);
    if (a < 0 || b < 0) continue;
    r.stat.set(line.slice(b + 1), { type: line.slice(0, a), stat: line.slice(a + 1, b) });
  }
  const shaText = sectionText(stdout, nonce, 'sha') ?? '';
  for (const line of shaText.split('\n')) {
    if (line.startsWith(`@@PL:${nonce}:C:`)) break;
    const s = parseSumLine(line);
    if (s && !r.sha.has(s.name)) r.sha.set(s.name, s.hash);
  }
  for (const m of shaText.matchAll(new RegExp(`@@PL:${nonce}:C:(\\d+)@@\\n([^\\n]*)`, 'g'))) r.content.set(Number(m[1]), m[2]!);
  for (const [db, map] of [
    ['passwd', r.passwd],
    ['group', r.group],
  ] as const) {
    for (const line of (sectionText(stdout, nonce, db) ?? '').split('\n')) {
      const name = line.slice(0, line.indexOf(':'));
      if (name && !map.has(name)) map.set(name, line);
    }
  }
  const idsText = (sectionText(stdout, nonce, 'ids') ?? '').replace(/\n+$/, '');
  const users = uniq(specs.filter((s) => s.spec.kind === 'user').map((s) => s.spec.name));
  if (idsText.startsWith('@')) {
    for (const line of idsText.split('\n')) {
      const c = line.indexOf(':');
      if (c > 1) r.ids.set(line.slice(1, c), line.slice(c + 1));
    }
  } else {
    // One line per user that exists, in the order asked.
    const lines = idsText ? idsText.split('\n') : [];
    const existing = users.filter((u) => r.passwd.has(u));
    if (lines.length === existing.length) existing.forEach((u, i) => r.ids.set(u, lines[i]!));
  }
  return r;
}

function fileType(statType: string | undefined): 'file' | 'directory' | 'other' | 'absent' {
  if (statType === undefined) return 'absent';
  if (statType === 'regular file' || statType === 'regular empty file') return 'file';
  return statType === 'directory' ? 'directory' : 'other';
}

/**
 * The text the kind's own probe would have printed for `spec`, from the batch; throws (an error for
 * this resource only) when the batch lacks what the kind needs.
 */
export function batchedOutput(spec: BatchedSpec, index: number, r: BatchRead): string {
  switch (spec.kind) {
    case 'file':
    case 'directory': {
      const st = r.stat.get(spec.name);
      const type = fileType(st?.type);
      if (spec.kind === 'directory') return type === 'directory' ? `type=directory\nstat=${st!.stat}\n` : `type=${type}\n`;
      if (type !== 'file') return `type=${type}\n`;
      const sha = r.sha.get(spec.name);
      if (sha === undefined) throw new Error(`${spec.name} could not be read for its sha256`);
      const content = r.content.get(index);
      return `type=file\nstat=${st!.stat}\nsha256=${sha}\n${content !== undefined ? `content=${content}\n` : ''}`;
    }
    case 'user': {
      const entry = r.passwd.get(spec.name) ?? '';
      if (!entry) return 'passwd=\n';
      const groups = r.ids.get(spec.name);
      return `passwd=${entry}\n${groups !== undefined ? `groups=${groups}\n` : ''}`;
    }
    case 'group':
      return `group=${r.group.get(spec.name) ?? ''}\n`;
  }
}
