// Who may talk to the browser-mode server: only a page that holds the token printed at start-up, and
// only from its own origin. The server listens on 127.0.0.1 alone; the Host check stops DNS rebinding
// (a hostile site resolving its own name to 127.0.0.1), the Origin check stops other local pages.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_HEADER } from '../../shared/api.js';


export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The Content-Security-Policy for the renderer: nothing from anywhere but this server. Styles may be
 *  inline because xterm.js injects its own <style> elements; scripts may not. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host ?? '';
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** An Origin header, when the browser sends one, must be this server's own. */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/** The token comes as a header on fetches, and as ?token= on the event stream (EventSource cannot set
 *  headers). */
export function tokenAllowed(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers[TOKEN_HEADER];
  const given = typeof header === 'string' ? header : url.searchParams.get('token');
  return typeof given === 'string' && sameSecret(given, token);
}
