// Which Docker engine a run talks to, and why: the docker CLI's order. An explicit choice (the profile's
// or the app's setting, like `docker --host` / `--context`), then DOCKER_HOST, then DOCKER_CONTEXT, then
// the CLI config's `currentContext`, then the default socket. Contexts are read from the CLI's own files
// ($DOCKER_CONFIG or ~/.docker: config.json, contexts/meta/<sha256(name)>/meta.json, contexts/tls/…).
// No Docker calls and no writes: the files are read through `ConfigReader`, so tests give a fake home.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DockerError } from '../../errors.js';

export const DEFAULT_SOCKET = '/var/run/docker.sock';
export const DEFAULT_ENGINE = `unix://${DEFAULT_SOCKET}`;

/** What the user chose in the app (or the profile): an address, or a context by name. Empty: no choice. */
export interface EngineChoice {
  host?: string;
  context?: string;
}

export type EngineSource = 'setting' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'config' | 'default';

/** TLS files of a context (paths), as the docker CLI stores them. */
export interface EngineTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** The context's SkipTLSVerify. */
  skipVerify: boolean;
}

export interface ResolvedEngine {
  /** DOCKER_HOST form: unix:///…, tcp://…, ssh://user@host[:port], npipe://…. */
  host: string;
  source: EngineSource;
  /** The context the address came from ("default" when none was used). */
  context: string;
  /** One line for doctor and Settings: "context build-box (DOCKER_CONTEXT)". */
  why: string;
  tls?: EngineTls;
}

export interface DockerContextInfo {
  name: string;
  host: string;
  description?: string;
  /** The context the Docker CLI would use now (DOCKER_CONTEXT, else config.json's currentContext). */
  current: boolean;
  /** Where its files are (empty for "default"). */
  metaFile?: string;
  tls: boolean;
}

export interface ConfigReader {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  read(file: string): string | undefined;
  /** Entry names of a folder; [] when it does not exist. */
  list(dir: string): string[];
}

export const fsReader: ConfigReader = {
  read(file) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};

type Env = Record<string, string | undefined>;

/** $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: Env, home: string): string {
  return env.DOCKER_CONFIG?.trim() || path.join(home, '.docker');
}

export function contextDirName(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

const CONTEXT_HINT = 'list them with `docker context ls`, or pick another in Settings → Docker engine';

function configError(file: string, why: string): DockerError {
  return new DockerError(`${file}: ${why}`, { where: file, hint: 'fix or remove the file (the docker CLI reads it too)' });
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw configError(file, `not valid JSON (${(err as Error).message})`);
  }
}

function currentContextOf(configDir: string, r: ConfigReader): string | undefined {
  const file = path.join(configDir, 'config.json');
  const text = r.read(file);
  if (text === undefined) return undefined;
  const cfg = parseJson(file, text) as { currentContext?: unknown } | null;
  const name = cfg && typeof cfg === 'object' ? cfg.currentContext : undefined;
  return typeof name === 'string' && name.trim() ? name.trim() : undefined;
}

interface ContextMeta {
  name: string;
  host: string;
  description?: string;
  skipVerify: boolean;
  metaFile: string;
}

function readMeta(configDir: string, dirName: string, r: ConfigReader): ContextMeta | undefined {
  const metaFile = path.join(configDir, 'contexts', 'meta', dirName, 'meta.json');
  const text = r.read(metaFile);
  if (text === undefined) return undefined;
  const meta = parseJson(metaFile, text) as {
    Name?: unknown;
    Metadata?: { Description?: unknown };
    Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
  } | null;
  const name = meta?.Name;
  const host = meta?.Endpoints?.docker?.Host;
  if (typeof name !== 'string' || !name) throw configError(metaFile, 'has no "Name"');
  if (typeof host !== 'string' || !host) throw configError(metaFile, `context ${name} has no Docker endpoint ("Endpoints.docker.Host")`);
  const out: ContextMeta = { name, host, skipVerify: meta?.Endpoints?.docker?.SkipTLSVerify === true, metaFile };
  const description = meta?.Metadata?.Description;
  if (typeof description === 'string' && description) out.description = description;
  return out;
}

function tlsOf(configDir: string, name: string, skipVerify: boolean, r: ConfigReader): EngineTls | undefined {
  const dir = path.join(configDir, 'contexts', 'tls', contextDirName(name), 'docker');
  const files = r.list(dir);
  const tls: EngineTls = { skipVerify };
  for (const [field, file] of [['ca', 'ca.pem'], ['cert', 'cert.pem'], ['key', 'key.pem']] as const) {
    if (files.includes(file)) tls[field] = path.join(dir, file);
  }
  return tls.ca || tls.cert || tls.key || skipVerify ? tls : undefined;
}

function fromContext(name: string, source: EngineSource, why: string, configDir: string, r: ConfigReader): ResolvedEngine {
  // "default" is not stored: it is DOCKER_HOST or the socket (here DOCKER_HOST is unset, or it would have won).
  if (name === 'default') return { host: DEFAULT_ENGINE, source, context: 'default', why: `context default (${why}): the local socket` };
  const meta = readMeta(configDir, contextDirName(name), r);
  if (!meta) {
    throw new DockerError(`Docker context "${name}" (${why}) does not exist in ${path.join(configDir, 'contexts')}`, { where: why, hint: CONTEXT_HINT });
  }
  const out: ResolvedEngine = { host: meta.host, source, context: name, why: `context ${name} (${why})` };
  const tls = tlsOf(configDir, name, meta.skipVerify, r);
  if (tls) out.tls = tls;
  return out;
}

/**
 * The engine a run uses and why, in the docker CLI's order. Throws a DockerError when the chosen context
 * does not exist or the CLI's files are not readable JSON (the docker CLI refuses those too).
 */
export function resolveEngine(choice: EngineChoice, env: Env, home: string, r: ConfigReader = fsReader): ResolvedEngine {
  const configDir = dockerConfigDir(env, home);
  const host = choice.host?.trim();
  if (host) return { host, source: 'setting', context: 'default', why: 'the engine address in the settings' };
  const context = choice.context?.trim();
  if (context) return fromContext(context, 'setting', 'chosen in the settings', configDir, r);
  const envHost = env.DOCKER_HOST?.trim();
  if (envHost) return { host: envHost, source: 'DOCKER_HOST', context: 'default', why: 'DOCKER_HOST' };
  const envContext = env.DOCKER_CONTEXT?.trim();
  if (envContext) return fromContext(envContext, 'DOCKER_CONTEXT', 'DOCKER_CONTEXT', configDir, r);
  const current = currentContextOf(configDir, r);
  if (current) return fromContext(current, 'config', `currentContext in ${path.join(configDir, 'config.json')}`, configDir, r);
  return { host: DEFAULT_ENGINE, source: 'default', context: 'default', why: 'the default socket (no setting, DOCKER_HOST, DOCKER_CONTEXT or current context)' };
}

/** Every context the Docker CLI knows, "default" first, the rest by name. */
export function listContexts(env: Env, home: string, r: ConfigReader = fsReader): DockerContextInfo[] {
  const configDir = dockerConfigDir(env, home);
  let current: string;
  try {
    current = env.DOCKER_CONTEXT?.trim() || currentContextOf(configDir, r) || 'default';
  } catch {
    current = 'default';
  }
  const out: DockerContextInfo[] = [
    { name: 'default', host: env.DOCKER_HOST?.trim() || DEFAULT_ENGINE, description: 'DOCKER_HOST, or the local socket', current: current === 'default', tls: false },
  ];
  const metas: ContextMeta[] = [];
  for (const dir of r.list(path.join(configDir, 'contexts', 'meta'))) {
    try {
      const m = readMeta(configDir, dir, r);
      if (m && m.name !== 'default') metas.push(m);
    } catch {
      // A broken context is reported when it is used, not when the list is shown.
    }
  }
  metas.sort((a, b) => a.name.localeCompare(b.name));
  for (const m of metas) {
    const info: DockerContextInfo = { name: m.name, host: m.host, current: current === m.name, metaFile: m.metaFile, tls: !!tlsOf(configDir, m.name, m.skipVerify, r) };
    if (m.description) info.description = m.description;
    out.push(info);
  }
  return out;
}
