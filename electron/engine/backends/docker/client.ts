// One dockerode instance per process, talking to the engine named by DOCKER_HOST (unix://, tcp://) or
// the default socket. A keep-alive agent keeps exec and list calls off the connect path.

import http from 'node:http';
import Docker from 'dockerode';
import { DockerError } from '../../errors.js';

const DEFAULT_SOCKET = '/var/run/docker.sock';

export interface DockerEndpoint {
  /** What messages show: "unix:///var/run/docker.sock", "tcp://10.0.0.5:2375". */
  address: string;
  options: Docker.DockerOptions;
}

/** Reads DOCKER_HOST the way the docker CLI does (unix:// and tcp://; TLS via DOCKER_TLS_VERIFY). */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return { address: `unix://${DEFAULT_SOCKET}`, options: { socketPath: DEFAULT_SOCKET } };
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length) || DEFAULT_SOCKET;
    return { address: `unix://${socketPath}`, options: { socketPath } };
  }
  // tcp:// and the rest, from the environment: docker-modem parses DOCKER_HOST itself (TLS, certs, ssh://).
  if (host === process.env.DOCKER_HOST?.trim()) return { address: host, options: {} };
  // An address from the app's settings: docker-modem would read the environment instead, so tell it.
  if (host.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    const tls = env.DOCKER_TLS_VERIFY === '1' || url.port === '2376';
    return { address: host, options: { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' } };
  }
  if (host.startsWith('npipe://')) return { address: host, options: { socketPath: host.slice('npipe://'.length) } };
  return { address: host, options: {} };
}

let shared: { key: string; docker: Docker; address: string } | undefined;

/**
 * The process-wide client for the engine at `host` (the app's setting), or DOCKER_HOST, or the default
 * socket; a new client only when the address changes.
 */
export function getDocker(host?: string): { docker: Docker; address: string } {
  const ep = dockerEndpoint(host ? { ...process.env, DOCKER_HOST: host } : process.env);
  const key = ep.address;
  if (!shared || shared.key !== key) {
    // docker-modem passes `agent` to http.request; @types/dockerode does not declare it.
    const options: Docker.DockerOptions & { agent?: http.Agent } = { ...ep.options };
    const plainHttp = options.socketPath || (ep.address.startsWith('tcp://') && process.env.DOCKER_TLS_VERIFY !== '1' && !/:2376\/?$/.test(ep.address));
    if (plainHttp) options.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    shared = { key, docker: new Docker(options), address: ep.address };
  }
  return { docker: shared.docker, address: shared.address };
}

/** Errors that mean the engine is not there (as opposed to the engine refusing one request). */
export function isEngineUnreachable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNRESET';
}

export function engineUnreachableError(address: string, err: unknown): DockerError {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'EACCES') {
    return new DockerError(`Docker engine at ${address} refused access (permission denied)`, {
      hint: 'add your user to the `docker` group (then log in again), or set DOCKER_HOST',
      cause: err,
    });
  }
  return new DockerError(`Docker engine not running at ${address}`, {
    hint: 'start it: `sudo systemctl start docker` (or run `dockerd`), or set DOCKER_HOST',
    cause: err,
  });
}

/** Pings the engine; a DockerError with an actionable one-line message when it does not answer. */
export async function pingDocker(docker: Docker, address: string): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw engineUnreachableError(address, err);
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
