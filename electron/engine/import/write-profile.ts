// An imported profile → YAML text, with comments: where it came from, what was not imported (with
// file:line:col), which variables must be set, and above each machine the service it came from.

import { Document, isMap, isPair, isScalar, type YAMLMap } from 'yaml';
import { where } from '../schema/problems.js';
import { fromProfile } from './compose-map.js';
import { ENV_REF_RE, type ImportedProfile, type ImportNote } from './import-types.js';

/** A string as a profile value: `${` is literal in what Compose produced, except secret references. */
function profileString(s: string): string {
  return s.replace(/\$\{/g, () => '$${').replace(ENV_REF_RE, (_, name: string) => `\${env.${name}}`);
}

function strings(v: unknown): unknown {
  if (typeof v === 'string') return profileString(v);
  if (Array.isArray(v)) return v.map(strings);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, strings(x)]));
  return v;
}

/** One note as a line: `compose.yaml:14:5: services.web.restart: why`; files relative to `dir` when given. */
export function formatNote(n: ImportNote, dir?: string): string {
  const at = dir ? `${fromProfile(dir, n.pos.file)}:${n.pos.line}:${n.pos.col}` : where(n.pos);
  return `${at}: ${n.service ? `services.${n.service}.` : ''}${n.key}: ${n.message}`;
}

/** The profile's text; `dir` is its folder (the files the comments name are relative to it). */
export function renderProfile(p: ImportedProfile, command: string, dir?: string): string {
  const machines: Record<string, unknown> = {};
  for (const m of p.machines) machines[m.name] = strings({ docker: m.docker, ...(m.resources.length ? { resources: m.resources } : {}) });
  const doc = new Document({ name: p.name, description: p.description, machines });
  const header = [` Written by \`${command}\`. Edit it freely: it is a Prodlike profile now (docs/import.md).`];
  if (p.envRefs.length) {
    header.push('', ' Secret-looking variables are referenced, not copied; set them before `prodlike up`:');
    for (const v of p.envRefs) header.push(`   ${v}`);
  }
  if (p.notes.length) {
    header.push('', ' Not imported (the profile format has no equivalent, or the value was left out):');
    for (const n of p.notes) header.push(`   ${formatNote(n, dir)}`);
  }
  doc.commentBefore = header.join('\n');
  const node = doc.get('machines', true);
  if (isMap(node)) {
    for (const item of (node as YAMLMap).items) {
      const key = isPair(item) ? item.key : undefined;
      if (!isScalar(key)) continue;
      const m = p.machines.find((x) => x.name === key.value);
      if (m?.comments.length) key.commentBefore = m.comments.map((c) => ` ${c}`).join('\n');
    }
  }
  return doc.toString({ lineWidth: 0 });
}

