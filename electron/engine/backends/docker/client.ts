// One dockerode instance per process, talking to the engine chosen as the docker CLI would (see
// engine-context.ts): unix://, tcp:// (TLS from the context or DOCKER_TLS_VERIFY/DOCKER_CERT_PATH), or
// ssh:// through Prodlike's own SSH pool. A keep-alive agent keeps exec and list calls off the connect path.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { DockerError, ProdlikeError } from '../../errors.js';
import { DEFAULT_SOCKET, resolveEngine, type EngineChoice, type EngineSource, type ResolvedEngine } from './engine-context.js';
import { defaultDataDir } from '../../state/data-dir.js';
import { parseSshEngine, SshEngineDial, type SshDialOptions, type SshEngineTarget } from './ssh-dial.js';

type Env = Record<string, string | undefined>;

export interface DockerEndpoint {
  /** What messages show: "unix:///var/run/docker.sock", "tcp://10.0.0.5:2375", "ssh://me@box". */
  address: string;
  options: Docker.DockerOptions;
  /** Set for ssh:// engines: the client needs an SSH dial agent (getDocker makes one). */
  ssh?: SshEngineTarget;
}

function readTls(file: string | undefined, address: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new DockerError(`cannot read the TLS file ${file} for the Docker engine at ${address}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      where: file,
      hint: 'check DOCKER_CERT_PATH, or the context\'s TLS material (docker context inspect)',
    });
  }
}

/** How dockerode reaches `engine` (TLS material is read here, once). */
export function engineEndpoint(engine: Pick<ResolvedEngine, 'host' | 'source' | 'tls'>, env: Env = process.env): DockerEndpoint {
  const host = engine.host;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length) || DEFAULT_SOCKET;
    return { address: `unix://${socketPath}`, options: { socketPath } };
  }
  if (host.startsWith('npipe://')) return { address: host, options: { socketPath: host.slice('npipe://'.length) } };
  if (host.startsWith('ssh://')) return { address: host, options: {}, ssh: parseSshEngine(host, os.userInfo().username) };
  if (host.startsWith('tcp://') || host.startsWith('http://') || host.startsWith('https://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    const options: Docker.DockerOptions = { host: url.hostname.replace(/^\[|\]$/g, '') };
    // TLS as the docker CLI decides it: the context's files, or DOCKER_TLS_VERIFY / DOCKER_CERT_PATH
    // with DOCKER_HOST; port 2376 is Docker's TLS port.
    const envTls = engine.source === 'DOCKER_HOST' && (!!env.DOCKER_TLS_VERIFY || !!env.DOCKER_CERT_PATH);
    const tls = !!engine.tls || envTls || url.port === '2376' || host.startsWith('https://');
    options.port = Number(url.port || (tls ? 2376 : 2375));
    options.protocol = tls ? 'https' : 'http';
    if (engine.tls) {
      const ca = readTls(engine.tls.ca, host);
      const cert = readTls(engine.tls.cert, host);
      const key = readTls(engine.tls.key, host);
      if (ca) options.ca = ca;
      if (cert) options.cert = cert;
      if (key) options.key = key;
    } else if (envTls) {
      const dir = env.DOCKER_CERT_PATH || path.join(os.homedir(), '.docker');
      options.ca = readTls(path.join(dir, 'ca.pem'), host)!;
      options.cert = readTls(path.join(dir, 'cert.pem'), host)!;
      options.key = readTls(path.join(dir, 'key.pem'), host)!;
    }
    return { address: host, options };
  }
  throw new DockerError(`the Docker engine address ${host} is not one Prodlike knows`, {
    where: host,
    hint: 'use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host',
  });
}

/** DOCKER_HOST (or the default socket) as a connection, ignoring contexts: for an address typed by hand. */
export function dockerEndpoint(env: Env = process.env): DockerEndpoint {
  const host = env.DOCKER_HOST?.trim();
  return engineEndpoint({ host: host || `unix://${DEFAULT_SOCKET}`, source: host ? 'DOCKER_HOST' : 'default' }, env);
}

export interface DockerClient {
  docker: Docker;
  address: string;
  engine: ResolvedEngine;
  /** Set for ssh:// engines: the SSH connection (port forwards use it too). */
  ssh?: SshEngineDial;
}

export interface GetDockerOptions {
  env?: Env;
  home?: string;
  /** For ssh:// engines: where trusted host keys are, and the default identity. */
  ssh?: SshDialOptions;
}

let shared: { key: string; client: DockerClient } | undefined;

/** The engine `choice` resolves to (an address string is an address setting). */
export function resolveChoice(choice: EngineChoice | string | undefined, o: GetDockerOptions = {}): ResolvedEngine {
  const c: EngineChoice = typeof choice === 'string' ? { host: choice } : (choice ?? {});
  return resolveEngine(c, o.env ?? process.env, o.home ?? os.homedir());
}

/**
 * The process-wide client for the engine `choice` resolves to (the setting, DOCKER_HOST, DOCKER_CONTEXT,
 * the CLI's current context, the default socket); a new client only when the engine changes.
 */
export function getDocker(choice?: EngineChoice | string, o: GetDockerOptions = {}): DockerClient {
  const engine = resolveChoice(choice, o);
  const env = o.env ?? process.env;
  const ep = engineEndpoint(engine, env);
  const key = JSON.stringify([ep.address, engine.tls ?? null, o.ssh?.dataDir ?? '', o.ssh?.identity ?? '']);
  if (!shared || shared.key !== key) {
    // docker-modem passes `agent` to http.request; @types/dockerode does not declare it.
    const options: Docker.DockerOptions & { agent?: http.Agent } = { ...ep.options };
    let ssh: SshEngineDial | undefined;
    if (ep.ssh) {
      ssh = new SshEngineDial(ep.ssh, o.ssh ?? { dataDir: defaultDataDir(env) });
      Object.assign(options, { protocol: 'http', host: 'docker', port: 80, agent: ssh.agent() });
    } else if (options.socketPath || options.protocol === 'http') {
      options.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    }
    const client: DockerClient = { docker: new Docker(options), address: ep.address, engine };
    if (ssh) client.ssh = ssh;
    shared = { key, client };
  }
  return shared.client;
}

/** Errors that mean the engine is not there (as opposed to the engine refusing one request). */
export function isEngineUnreachable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNRESET';
}

/**
 * The other way out besides fixing that engine: change what chose it. DOCKER_HOST does nothing where the
 * settings chose the engine (they come first, resolveEngine), so it is named only where it would count.
 */
export function otherEngineHint(source: EngineSource | undefined): string {
  if (source === 'setting') return "or change the Docker engine in the app's Settings (it comes before DOCKER_HOST)";
  if (source === 'DOCKER_HOST') return 'or point DOCKER_HOST at a running engine';
  return 'or set DOCKER_HOST';
}

/** `source`: what chose this engine (ResolvedEngine.source), for the hint; unknown: the DOCKER_HOST one. */
export function engineUnreachableError(address: string, err: unknown, source?: EngineSource): DockerError {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'EACCES') {
    return new DockerError(`Docker engine at ${address} refused access (permission denied)`, {
      hint: `add your user to the \`docker\` group (then log in again), ${otherEngineHint(source)}`,
      cause: err,
    });
  }
  return new DockerError(`Docker engine not running at ${address}`, {
    hint: `start it: \`sudo systemctl start docker\` (or run \`dockerd\`), ${otherEngineHint(source)}`,
    cause: err,
  });
}

/** Pings the engine; a DockerError with an actionable one-line message when it does not answer. */
export async function pingDocker(docker: Docker, address: string, source?: EngineSource): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    // An ssh:// engine's own failure (host key, authentication, no docker CLI there) says it best.
    if (err instanceof ProdlikeError) throw err;
    throw engineUnreachableError(address, err, source);
  }
}

/** The engine's own message from a dockerode error ("(HTTP code 404) no such container - …" → the tail). */
export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string } | null;
  const fromJson = e?.json && typeof e.json === 'object' ? e.json.message : undefined;
  const msg = (fromJson ?? e?.message ?? String(err)).trim();
  return msg.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').replace(/\s+/g, ' ').trim();
}

export function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number } | null)?.statusCode;
}
