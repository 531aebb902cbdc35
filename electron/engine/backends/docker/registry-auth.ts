// Credentials for the profile's cache registry (`cache: { from: … }`, `bake --push`), as the Docker CLI
// keeps them after `docker login`: the engine does not read them itself, a client sends them with each
// pull and push. Read from the CLI's config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`):
// a credential helper for the registry (`credHelpers`), else the default store (`credsStore`), else the
// base64 `auth` in `auths`. Never logged; an unreadable config means no credentials, not an error.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** What dockerode sends as X-Registry-Auth. */
export type RegistryAuth = { serveraddress: string } & ({ username: string; password: string } | { identitytoken: string });

interface CliConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Docker Hub's key in the CLI's config. */
const HUB = 'https://index.docker.io/v1/';

/**
 * The registry a repository reference names, as the CLI keys it: the first part when it looks like a
 * host (a dot, a port, or `localhost`), else Docker Hub.
 */
export function registryOf(repo: string): string {
  const first = repo.split('/')[0]!;
  if (repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return HUB;
}

/** Runs `docker-credential-<helper> get` with the registry on stdin; its JSON answer, or undefined. */
export type HelperRun = (helper: string, registry: string) => Promise<string | undefined>;

const runHelper: HelperRun = (helper, registry) =>
  new Promise((resolve) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return resolve(undefined);
    const child = execFile(`docker-credential-${helper}`, ['get'], { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout));
    child.stdin?.end(registry);
  });

function fromHelper(answer: string | undefined, registry: string): RegistryAuth | undefined {
  if (!answer) return undefined;
  try {
    const { Username, Secret } = JSON.parse(answer) as { Username?: string; Secret?: string };
    if (!Secret) return undefined;
    // The helpers' convention for a token in place of a password.
    return Username === '<token>' ? { serveraddress: registry, identitytoken: Secret } : { serveraddress: registry, username: Username ?? '', password: Secret };
  } catch {
    return undefined;
  }
}

function fromAuths(config: CliConfig, registry: string): RegistryAuth | undefined {
  const auths = config.auths ?? {};
  const entry = auths[registry] ?? auths[`https://${registry}`] ?? auths[`http://${registry}`];
  if (!entry) return undefined;
  if (entry.identitytoken) return { serveraddress: registry, identitytoken: entry.identitytoken };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { serveraddress: registry, username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { serveraddress: registry, username: entry.username, password: entry.password };
  return undefined;
}

/** The credentials the Docker CLI would use for `repo`'s registry, if it has any. */
export async function registryAuth(repo: string, env: NodeJS.ProcessEnv = process.env, helper: HelperRun = runHelper): Promise<RegistryAuth | undefined> {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  let config: CliConfig;
  try {
    config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as CliConfig;
  } catch {
    return undefined;
  }
  const registry = registryOf(repo);
  const named = config.credHelpers?.[registry] ?? config.credsStore;
  return (named ? fromHelper(await helper(named, registry), registry) : undefined) ?? fromAuths(config, registry);
}

const recent = new Map<string, { at: number; auth: Promise<RegistryAuth | undefined> }>();

/**
 * registryAuth for this process's environment, read again at most every 30 s: a run asks for each save
 * point of each machine, and a credential helper is a process of its own; a `docker login` done
 * meanwhile (the agent lives long) is seen within that time.
 */
export function recentRegistryAuth(repo: string): Promise<RegistryAuth | undefined> {
  const key = `${process.env.DOCKER_CONFIG ?? ''}\0${registryOf(repo)}`;
  const hit = recent.get(key);
  if (hit && Date.now() - hit.at < 30_000) return hit.auth;
  const auth = registryAuth(repo);
  recent.set(key, { at: Date.now(), auth });
  return auth;
}
