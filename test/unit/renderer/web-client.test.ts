import { describe, expect, it } from 'vitest';
import { ApiError, type ApiPush, type ProdlikeApi } from '../../../shared/api';
import { toApiError, withApiErrors } from '../../../renderer/src/lib/api-errors';
import { createWebApi, takeToken } from '../../../renderer/src/lib/web-client';
import { canTrust, hostOf } from '../../../renderer/src/lib/host-key';

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit } = {}) {
  return (async (url: string, init: RequestInit) => {
    seen.url = url;
    seen.init = init;
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
}

describe('web API client', () => {
  it('posts the request with the token and returns the result', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const api = createWebApi({ token: 't0k', fetch: fakeFetch(200, { result: { runId: 'r1' } }, seen) });
    await expect(api.call('runs:start', { kind: 'up', file: '/p/dev.yaml' })).resolves.toEqual({ runId: 'r1' });
    expect(seen.url).toBe('/api/runs%3Astart');
    expect((seen.init!.headers as Record<string, string>)['x-prodlike-token']).toBe('t0k');
    expect(JSON.parse(String(seen.init!.body))).toEqual({ kind: 'up', file: '/p/dev.yaml' });
  });

  it('rethrows an error envelope as ApiError with hint, where and details', async () => {
    const error = { name: 'DockerError', message: 'Docker is not running', hint: 'Start it: systemctl start docker', details: { socket: '/var/run/docker.sock' } };
    const api = createWebApi({ token: 't', fetch: fakeFetch(200, { error }) });
    const err = await api.call('profiles:list', undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject(error);
  });

  it('turns a refused request (403) into an ApiError too', async () => {
    const api = createWebApi({ token: 'bad', fetch: fakeFetch(403, { error: { name: 'Forbidden', message: 'Missing or wrong token' } }) });
    await expect(api.call('app:info', undefined)).rejects.toMatchObject({ name: 'Forbidden' });
  });

  it('says the server is gone when fetch fails', async () => {
    const api = createWebApi({
      token: 't',
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    await expect(api.call('app:info', undefined)).rejects.toMatchObject({ name: 'NetworkError' });
  });

  it('opens one event stream for all subscribers, with the token, and closes it after the last', () => {
    const sources: { url: string; closed: boolean; onmessage: ((m: MessageEvent) => void) | null }[] = [];
    class FakeES {
      onmessage: ((m: MessageEvent) => void) | null = null;
      closed = false;
      constructor(public url: string) {
        sources.push(this);
      }
      close() {
        this.closed = true;
      }
    }
    const api = createWebApi({ token: 'a b', fetch: fakeFetch(200, {}), EventSource: FakeES as never });
    const got: ApiPush[] = [];
    const off1 = api.subscribe((p) => got.push(p));
    const off2 = api.subscribe((p) => got.push(p));
    expect(sources).toHaveLength(1);
    expect(sources[0]!.url).toBe('/api/events?token=a%20b');
    sources[0]!.onmessage!({ data: JSON.stringify([{ type: 'profiles-changed' }, { type: 'shell-exit', shellId: 's', code: 0 }]) } as MessageEvent);
    expect(got.map((p) => p.type)).toEqual(['profiles-changed', 'profiles-changed', 'shell-exit', 'shell-exit']);
    off1();
    expect(sources[0]!.closed).toBe(false);
    off2();
    expect(sources[0]!.closed).toBe(true);
  });

  it('takes the token from the URL hash once and keeps it for reloads', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    let cleared = 0;
    expect(takeToken({ hash: '#token=abc' }, storage, () => cleared++)).toBe('abc');
    expect(cleared).toBe(1);
    expect(takeToken({ hash: '' }, storage, () => cleared++)).toBe('abc');
  });
});

describe('IPC API errors', () => {
  it('rethrows the plain ErrorInfo the preload rejects with as ApiError', async () => {
    const inner: ProdlikeApi = {
      call: (() => Promise.reject({ name: 'ProfileError', message: 'bad key', where: 'dev.yaml:3:5' })) as ProdlikeApi['call'],
      subscribe: () => () => undefined,
    };
    const err = await withApiErrors(inner).call('profiles:list', undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ name: 'ProfileError', where: 'dev.yaml:3:5' });
  });

  it('wraps plain errors and strings', () => {
    expect(toApiError(new TypeError('x'))).toMatchObject({ name: 'TypeError', message: 'x' });
    expect(toApiError('boom')).toMatchObject({ name: 'Error', message: 'boom' });
  });
});

describe('host key errors', () => {
  it('finds the host in `where` and offers Trust only for an unknown key', () => {
    const unknown = { name: 'SshError', message: 'host key of 10.0.0.5:2222 is not trusted', where: '10.0.0.5:2222', details: { fingerprint: 'SHA256:abc', keyType: 'ssh-ed25519' } };
    expect(hostOf(unknown)).toEqual({ host: '10.0.0.5', port: 2222 });
    expect(hostOf({ ...unknown, where: '[::1]:22' })).toEqual({ host: '::1', port: 22 });
    expect(canTrust(unknown)).toBe(true);
    expect(canTrust({ ...unknown, details: { fingerprint: 'SHA256:abc', expected: 'SHA256:old' } })).toBe(false);
    expect(canTrust({ ...unknown, message: 'host key of x:22 is REVOKED in known_hosts' })).toBe(false);
  });
});
