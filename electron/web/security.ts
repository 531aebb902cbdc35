// Who may talk to the browser-mode server: only a page that holds the token printed at start-up, and
// only from its own origin. The server listens on 127.0.0.1 alone; the Host check stops DNS rebinding
// (a hostile site resolving its own name to 127.0.0.1), the Origin check stops other local pages.
// The token travels only in a header: never in a URL the server sees (URLs end up in logs, history and
// Referer headers); the page gets it from the URL fragment, which browsers do not send.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { TOKEN_HEADER } from '../../shared/api.js';
import { rendererCsp } from '../api/renderer-page.js';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Headers on every response; `nonce` only on the page itself (see host/renderer-page.ts). */
export function securityHeaders(nonce?: string): Record<string, string> {
  return {
    'Content-Security-Policy': rendererCsp(nonce),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };
}

export const SECURITY_HEADERS: Record<string, string> = securityHeaders();

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function hostAllowed(headers: IncomingHttpHeaders, port: number): boolean {
  const host = headers.host ?? '';
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** An Origin header, when the browser sends one, must be this server's own. */
export function originAllowed(headers: IncomingHttpHeaders, port: number): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/** A `token` query parameter (any case) is refused outright, right or wrong: the token is not to be
 *  put in URLs, and refusing it everywhere keeps anyone from coming to rely on it. */
export function queryCarriesToken(url: URL): boolean {
  for (const key of url.searchParams.keys()) if (key.toLowerCase() === 'token') return true;
  return false;
}

/** The token, from the x-prodlike-token header only. */
export function tokenAllowed(headers: IncomingHttpHeaders, token: string): boolean {
  const given = headers[TOKEN_HEADER];
  return typeof given === 'string' && token.length > 0 && sameSecret(given, token);
}

/** Exactly `application/json`, optionally with `charset=utf-8` (any case, as media types are): not
 *  `application/json-seq`, not `application/jsonx`, not `text/plain`. A cross-site page can send none
 *  of these without a CORS preflight, which this server never answers. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [essence, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  if (essence !== 'application/json') return false;
  return params.every((p) => p === 'charset=utf-8' || p === 'charset="utf-8"');
}
