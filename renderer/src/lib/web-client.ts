// ProdlikeApi over HTTP, for browser mode: POST /api/<channel> answers with an ApiEnvelope, pushes come
// as Server-Sent Events. The token printed by the server travels only in the x-prodlike-token header,
// never in a URL: so the event stream is read with fetch (EventSource cannot set headers), and
// reconnects by itself as EventSource would.

import { ApiError, TOKEN_HEADER, type ApiChannel, type ApiEnvelope, type ApiPush, type ApiRequest, type ApiResult, type ProdlikeApi } from '../../../shared/api';

export interface WebClientOptions {
  token: string;
  /** '' for the page's own server. */
  base?: string;
  fetch?: typeof fetch;
  /** First wait before reconnecting the event stream; doubles up to 10 s while it keeps failing. */
  retryMs?: number;
}

const MAX_RETRY_MS = 10_000;

/** Feeds text chunks of a Server-Sent Events stream, calls `onData` with each message's data. Chunks
 *  may split anywhere; comments (`: …`) and fields other than `data` are ignored. */
export function createSseParser(onData: (data: string) => void): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  return (chunk) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.search(/\r\n|\r|\n/)) !== -1) {
      const line = buffer.slice(0, nl);
      const sepLength = buffer.startsWith('\r\n', nl) ? 2 : 1;
      // A lone \r at the end of a chunk may be the first half of \r\n: wait for the next chunk.
      if (sepLength === 1 && buffer[nl] === '\r' && nl === buffer.length - 1) break;
      buffer = buffer.slice(nl + sepLength);
      if (line === '') {
        if (data.length > 0) onData(data.join('\n'));
        data = [];
      } else if (line === 'data' || line.startsWith('data:')) {
        const value = line.slice(5);
        data.push(value.startsWith(' ') ? value.slice(1) : value);
      }
    }
  };
}

export function createWebApi(opts: WebClientOptions): ProdlikeApi {
  const base = opts.base ?? '';
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const retryMs = opts.retryMs ?? 1000;
  const listeners = new Set<(p: ApiPush) => void>();
  let stream: AbortController | null = null;

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

  function deliver(data: string): void {
    // The server sends the pushes of one moment as one array (see electron/web/event-stream.ts).
    let pushes: ApiPush[];
    try {
      pushes = JSON.parse(data) as ApiPush[];
    } catch {
      return;
    }
    for (const p of pushes) for (const l of listeners) l(p);
  }

  async function readStream(signal: AbortSignal): Promise<void> {
    let wait = retryMs;
    while (!signal.aborted) {
      try {
        const res = await doFetch(`${base}/api/events`, {
          headers: { accept: 'text/event-stream', [TOKEN_HEADER]: opts.token },
          cache: 'no-store',
          signal,
        });
        if (res.ok && res.body) {
          wait = retryMs;
          const feed = createSseParser(deliver);
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            feed(value);
          }
        } else {
          await res.body?.cancel();
        }
      } catch {
        // Aborted, or the server is gone: try again below unless aborted.
      }
      if (signal.aborted) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      wait = Math.min(wait * 2, MAX_RETRY_MS);
    }
  }

  function open(): void {
    if (stream) return;
    stream = new AbortController();
    void readStream(stream.signal);
  }

  function subscribe(listener: (p: ApiPush) => void): () => void {
    listeners.add(listener);
    open();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && stream) {
        stream.abort();
        stream = null;
      }
    };
  }

  return { call, subscribe };
}

/** Reads the token from `#token=…` once, keeps it for reloads of this tab, and clears it from the URL. */
export function takeToken(loc: Pick<Location, 'hash'>, storage: Pick<Storage, 'getItem' | 'setItem'>, clearHash: () => void): string {
  const m = /(?:^#|&)token=([^&]+)/.exec(loc.hash);
  if (m?.[1]) {
    clearHash();
    try {
      const token = decodeURIComponent(m[1]);
      storage.setItem('prodlike.token', token);
      return token;
    } catch {
      // A mangled link (a malformed escape): fall back to what this tab had.
    }
  }
  return storage.getItem('prodlike.token') ?? '';
}
