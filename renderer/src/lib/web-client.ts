// ProdlikeApi over HTTP, for browser mode: POST /api/<channel> answers with an ApiEnvelope, pushes come
// as Server-Sent Events. The token printed by the server travels as a header (and as ?token= for the
// event stream, which cannot set headers).

import { ApiError, TOKEN_HEADER, type ApiChannel, type ApiEnvelope, type ApiPush, type ApiRequest, type ApiResult, type ProdlikeApi } from '../../../shared/api';

export interface WebClientOptions {
  token: string;
  /** '' for the page's own server. */
  base?: string;
  fetch?: typeof fetch;
  EventSource?: new (url: string) => Pick<EventSource, 'onmessage' | 'close'>;
}

export function createWebApi(opts: WebClientOptions): ProdlikeApi {
  const base = opts.base ?? '';
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const ES = opts.EventSource ?? (typeof EventSource === 'undefined' ? undefined : EventSource);
  const listeners = new Set<(p: ApiPush) => void>();
  let source: Pick<EventSource, 'onmessage' | 'close'> | null = null;

  async function call<C extends ApiChannel>(channel: C, request: ApiRequest<C>): Promise<ApiResult<C>> {
    let res: Response;
    try {
      res = await doFetch(`${base}/api/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: opts.token },
        body: JSON.stringify(request ?? null),
      });
    } catch (e) {
      throw new ApiError({
        name: 'NetworkError',
        message: `The Prodlike server does not answer (${(e as Error).message}).`,
        hint: 'Is `npm run web` still running? Start it again and open the URL it prints.',
      });
    }
    let envelope: ApiEnvelope<ApiResult<C>>;
    try {
      envelope = (await res.json()) as ApiEnvelope<ApiResult<C>>;
    } catch {
      throw new ApiError({ name: 'NetworkError', message: `The server answered ${res.status} without a result.` });
    }
    if ('error' in envelope) throw new ApiError(envelope.error);
    return envelope.result;
  }

  function open(): void {
    if (source || !ES) return;
    source = new ES(`${base}/api/events?token=${encodeURIComponent(opts.token)}`);
    source.onmessage = (msg: MessageEvent) => {
      // The server sends the pushes of one moment as one array (see electron/web/event-stream.ts).
      let pushes: ApiPush[];
      try {
        pushes = JSON.parse(String(msg.data)) as ApiPush[];
      } catch {
        return;
      }
      for (const p of pushes) for (const l of listeners) l(p);
    };
  }

  function subscribe(listener: (p: ApiPush) => void): () => void {
    listeners.add(listener);
    open();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && source) {
        source.close();
        source = null;
      }
    };
  }

  return { call, subscribe };
}

/** Reads the token from `#token=…` once, keeps it for reloads of this tab, and clears it from the URL. */
export function takeToken(loc: Pick<Location, 'hash'>, storage: Pick<Storage, 'getItem' | 'setItem'>, clearHash: () => void): string {
  const m = /(?:^#|&)token=([^&]+)/.exec(loc.hash);
  if (m?.[1]) {
    const token = decodeURIComponent(m[1]);
    storage.setItem('prodlike.token', token);
    clearHash();
    return token;
  }
  return storage.getItem('prodlike.token') ?? '';
}
