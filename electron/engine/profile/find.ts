// Finding profiles in the profile folders: listing them for the UI and `prodlike list`, and turning
// what a user typed (`shop/dev`, `shop-dev`, `./x.yaml`) into a file.
//
// Not every YAML file in a folder is a profile: a file with `abstract: true` is a parent only, and a
// baseline (top-level `baseline:`, or `format: prodlike-baseline/…`) is data. Both are left out.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { homedir } from 'node:os';
import type { ProfileSummary } from '../../../shared/api.js';
import type { Role } from '../../../shared/profile.js';
import { ProfileError, toErrorInfo } from '../errors.js';
import { readBounded } from './files.js';
import { LIMITS } from '../schema/limits.js';
import { loadProfile, type LoadOptions } from './load.js';
import { displayFile } from '../schema/problems.js';
import { parseProfileText, scalarText, type ParsedFile } from '../schema/yaml-tree.js';

const YAML_RE = /\.ya?ml$/i;

type Peek =
  | { kind: 'profile'; name?: string; description?: string; role?: Role; machines: number }
  | { kind: 'abstract' | 'baseline' }
  | { kind: 'unreadable' };

/** What a file is, from its top-level keys alone (no extends, no validation). */
export function peek(file: string, text: string): Peek {
  let parsed: ParsedFile;
  try {
    parsed = parseProfileText(file, text);
  } catch {
    return { kind: 'unreadable' };
  }
  const top = parsed.root.entries;
  const format = scalarText(top.get('format')?.value);
  if (top.has('baseline') || format?.startsWith('prodlike-baseline')) return { kind: 'baseline' };
  const abstract = top.get('abstract')?.value;
  if (abstract?.t === 'scalar' && abstract.value === true) return { kind: 'abstract' };
  const role = scalarText(top.get('role')?.value);
  const machines = top.get('machines')?.value;
  const out: Peek = { kind: 'profile', machines: machines?.t === 'map' ? machines.entries.size : 0 };
  const name = scalarText(top.get('name')?.value);
  const description = scalarText(top.get('description')?.value);
  if (name) out.name = name;
  if (description) out.description = description;
  if (role === 'dev' || role === 'test' || role === 'production') out.role = role;
  return out;
}

/** Every *.yaml / *.yml under a folder, skipping dot-folders and node_modules; symlinked folders are not followed. */
export function yamlFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(full);
      } else if (YAML_RE.test(e.name) && (e.isFile() || isFile(full))) {
        out.push(full);
      }
    }
  };
  walk(resolve(folder));
  return out;
}

export async function listProfiles(folders: string[], opts: LoadOptions = {}): Promise<ProfileSummary[]> {
  const seen = new Set<string>();
  const out: ProfileSummary[] = [];
  for (const folder of folders.map((f) => resolve(f))) {
    for (const file of yamlFiles(folder)) {
      if (seen.has(file)) continue;
      seen.add(file);
      const read = await readBounded(file, LIMITS.fileBytes);
      // Too large or unreadable: loading it says why.
      const p = read.ok ? peek(file, read.text) : ({ kind: 'unreadable' } as const);
      if (p.kind === 'abstract' || p.kind === 'baseline') continue;
      try {
        const profile = await loadProfile(file, opts);
        const summary: ProfileSummary = { file, folder, name: profile.name, role: profile.role, machines: profile.machines.length };
        if (profile.description) summary.description = profile.description;
        const twin = out.find((o) => !o.error && o.name === profile.name);
        if (twin) {
          // The name labels the profile's containers: two profiles with one name would manage each other's.
          summary.error = toErrorInfo(
            new ProfileError(`${displayFile(file)}: the name "${profile.name}" is also the name of ${displayFile(twin.file)}`, {
              where: displayFile(file),
              hint: 'give each profile its own name: (it labels the profile\'s containers)',
            }),
          );
        }
        out.push(summary);
      } catch (err) {
        const summary: ProfileSummary = {
          file,
          folder,
          name: (p.kind === 'profile' && p.name) || basename(file).replace(YAML_RE, ''),
          machines: p.kind === 'profile' ? p.machines : 0,
          error: toErrorInfo(err),
        };
        if (p.kind === 'profile' && p.role) summary.role = p.role;
        if (p.kind === 'profile' && p.description) summary.description = p.description;
        out.push(summary);
      }
    }
  }
  return out;
}

/**
 * A profile argument → an absolute file. In order:
 * 1. a path (starts with `.`, `/` or `~`, or ends in .yaml/.yml) that exists, against `cwd`;
 * 2. `<folder>/<arg>.yaml` (or .yml, or as written when it has the extension): `shop/dev`;
 * 3. a profile whose `name:` is arg: `shop-dev`;
 * 4. a profile whose file name is arg: `dev`, when only one folder has a dev.yaml.
 * Several matches at one step is an error that lists them; so is no match, listing what exists.
 */
export function resolveProfileArg(arg: string, opts: { cwd: string; folders: string[] }): string {
  const hasExt = YAML_RE.test(arg);
  const pathLike = /^(\.|~|\/)/.test(arg) || isAbsolute(arg);
  const expanded = arg === '~' || arg.startsWith('~/') ? join(homedir(), arg.slice(1)) : arg;
  if (pathLike || hasExt) {
    const p = resolve(opts.cwd, expanded);
    for (const f of hasExt ? [p] : [p, `${p}.yaml`, `${p}.yml`]) if (isFile(f)) return f;
    if (pathLike) throw notFound(arg, opts.folders, 'no such file');
  }
  const folders = opts.folders.map((f) => resolve(opts.cwd, f));
  const exts = hasExt ? [''] : ['.yaml', '.yml'];
  const direct = unique(folders.flatMap((folder) => exts.map((e) => resolve(folder, `${arg}${e}`))).filter(isFile));
  if (direct.length) return one(arg, direct);
  if (arg.includes('/') && !hasExt) {
    const fromCwd = exts.map((e) => resolve(opts.cwd, `${arg}${e}`)).filter(isFile);
    if (fromCwd.length) return one(arg, fromCwd);
  }
  const profiles = knownProfiles(folders);
  const byName = profiles.filter((p) => p.name === arg).map((p) => p.file);
  if (byName.length) return one(arg, byName);
  const byFile = profiles.filter((p) => basename(p.file).replace(YAML_RE, '') === arg.replace(YAML_RE, '')).map((p) => p.file);
  if (byFile.length) return one(arg, byFile);
  throw notFound(arg, opts.folders, undefined, profiles);
}

function one(arg: string, files: string[]): string {
  if (files.length === 1) return files[0]!;
  throw new ProfileError(`"${arg}" is ambiguous: it matches ${files.length} profiles:\n${files.map((f) => `  ${displayFile(f)}`).join('\n')}`, {
    hint: 'name the profile by its path, such as shop/dev or ./profiles/shop/dev.yaml',
    details: { candidates: files },
  });
}

interface Known {
  file: string;
  name?: string;
}

function knownProfiles(folders: string[]): Known[] {
  const out: Known[] = [];
  for (const file of unique(folders.flatMap(yamlFiles))) {
    let text: string;
    try {
      if (statSync(file).size > LIMITS.fileBytes) throw new Error('too large');
      text = readFileSync(file, 'utf8');
    } catch {
      out.push({ file });
      continue;
    }
    const p = peek(file, text);
    if (p.kind === 'profile') out.push(p.name ? { file, name: p.name } : { file });
    else if (p.kind === 'unreadable') out.push({ file });
  }
  return out;
}

function notFound(arg: string, folders: string[], why?: string, known?: Known[]): ProfileError {
  const list = known ?? knownProfiles(folders.map((f) => resolve(f)));
  const shown = list.slice(0, 30).map((p) => {
    const folder = folders.map((f) => resolve(f)).find((f) => !relative(f, p.file).startsWith('..'));
    const rel = folder ? relative(folder, p.file).replace(YAML_RE, '') : displayFile(p.file);
    return `  ${rel}${p.name && p.name !== rel ? ` (${p.name})` : ''}`;
  });
  const where = folders.length ? `in ${folders.map(displayFile).join(', ')}` : '(no profile folders)';
  const message = `profile not found: "${arg}"${why ? ` (${why})` : ''}; ${shown.length ? `the profiles ${where} are:\n${shown.join('\n')}` : `there are no profiles ${where}`}`;
  return new ProfileError(message, { hint: 'name a profile by its path (shop/dev), its name: (shop-dev), or a .yaml file', details: { folders } });
}

function isFile(f: string): boolean {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
}

function unique(files: string[]): string[] {
  return [...new Set(files)];
}
