// `prodlike import compose|devcontainer`: read → map (pure) → render → validate with the profile
// loader → write. The profile is validated at its final path (relative paths are relative to it) under
// a temporary name, and renamed into place only when it loads; on any error nothing is left behind.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ProfileError } from '../errors.js';
import { loadProfile } from '../profile/load.js';
import { displayFile } from '../schema/problems.js';
import { mapCompose } from './compose-map.js';
import { readCompose } from './compose-read.js';
import { importDevcontainer } from './devcontainer.js';
import type { ImportedProfile, ImportNote } from './import-types.js';
import { renderProfile } from './write-profile.js';

export interface ImportOptions {
  /** Where to write; default `profiles/<name>/dev.yaml` under `cwd`. */
  out?: string;
  /** Compose profiles to enable. */
  profiles?: string[];
  /** Replace an existing profile file. */
  force?: boolean;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export interface ImportResult {
  file: string;
  name: string;
  machines: string[];
  notes: ImportNote[];
  envRefs: string[];
}

const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

const readText = (file: string) => readFile(file, 'utf8').catch(() => undefined);

export async function findComposeFile(cwd: string): Promise<string> {
  for (const n of COMPOSE_NAMES) if (await exists(path.join(cwd, n))) return path.join(cwd, n);
  throw new ProfileError(`no Compose file here (${COMPOSE_NAMES.join(', ')})`, { where: displayFile(cwd), hint: 'name it: `prodlike import compose path/to/compose.yaml`' });
}

export async function runImport(kind: 'compose' | 'devcontainer', file: string | undefined, opts: ImportOptions = {}): Promise<ImportResult> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  let source: string;
  if (kind === 'compose') source = file ? path.resolve(cwd, file) : await findComposeFile(cwd);
  else if (file) source = path.resolve(cwd, file);
  else {
    // Where Dev Containers look: .devcontainer/devcontainer.json, then .devcontainer.json.
    source = path.resolve(cwd, '.devcontainer/devcontainer.json');
    if (!(await exists(source)) && (await exists(path.resolve(cwd, '.devcontainer.json')))) source = path.resolve(cwd, '.devcontainer.json');
  }
  if (!(await exists(source))) throw new ProfileError(`${displayFile(source)} does not exist`, { where: displayFile(source), hint: kind === 'compose' ? 'name the Compose file to import' : 'name the devcontainer.json to import' });

  // The output folder decides relative paths, so it is chosen first; the default needs the name.
  const outFor = (name: string) => path.resolve(cwd, opts.out ?? path.join('profiles', name, 'dev.yaml'));
  let imported: ImportedProfile;
  let out: string;
  let dotEnv = new Map<string, string>();
  if (kind === 'compose') {
    const project = await readCompose([source], { env });
    dotEnv = project.dotEnv;
    out = outFor(project.name);
    imported = await mapCompose(project, { activeProfiles: opts.profiles ?? [], outDir: path.dirname(out), readText });
  } else {
    const r = await importDevcontainer(source, { env, outFor, profiles: opts.profiles ?? [], readText });
    imported = r.profile;
    out = r.out;
    dotEnv = r.dotEnv;
  }
  if (!opts.force && (await exists(out))) {
    throw new ProfileError(`${displayFile(out)} exists already`, { where: displayFile(out), hint: 'choose another file with --out, or replace it with --force' });
  }
  const command = `prodlike import ${kind} ${path.relative(path.dirname(out), source) || source}`;
  const text = renderProfile(imported, command, path.dirname(out));
  await writeValidated(out, text, { ...Object.fromEntries(dotEnv), ...env });
  return { file: out, name: imported.name, machines: imported.machines.map((m) => m.name), notes: imported.notes, envRefs: imported.envRefs };
}

async function writeValidated(out: string, text: string, env: Record<string, string | undefined>): Promise<void> {
  const dir = path.dirname(out);
  // Folders made here are removed again if the profile does not load.
  const made = await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(out)}.${randomBytes(4).toString('hex')}.yaml`);
  try {
    await writeFile(temp, text, { mode: 0o644 });
    try {
      await loadProfile(temp, { env });
    } catch (err) {
      if (err instanceof ProfileError) {
        const message = err.message.split(displayFile(temp)).join(displayFile(out));
        throw new ProfileError(`the imported profile does not load:\n${message}`, { where: displayFile(out), hint: 'this is a gap in the importer: please report it with the source file; nothing was written' });
      }
      throw err;
    }
    await rename(temp, out);
  } catch (err) {
    await rm(temp, { force: true });
    if (made) await rm(made, { recursive: true, force: true });
    throw err;
  }
}
