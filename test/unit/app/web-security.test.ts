// The browser-mode gatekeepers, one by one: each would let a hostile page or a stray URL in if it
// were a character off.
import { describe, expect, it } from 'vitest';
import { hostAllowed, isJsonContentType, originAllowed, queryCarriesToken, securityHeaders, tokenAllowed } from '../../../electron/web/security';

const PORT = 4321;

describe('Host check (DNS rebinding)', () => {
  it('accepts 127.0.0.1 and localhost on our port', () => {
    expect(hostAllowed({ host: `127.0.0.1:${PORT}` }, PORT)).toBe(true);
    expect(hostAllowed({ host: `localhost:${PORT}` }, PORT)).toBe(true);
  });

  it('refuses another name, another port, no port, a suffix or no Host at all', () => {
    for (const host of [`evil.example:${PORT}`, `127.0.0.1:${PORT + 1}`, '127.0.0.1', `127.0.0.1:${PORT}.evil.example`, `x127.0.0.1:${PORT}`, `127.0.0.2:${PORT}`, `[::1]:${PORT}`, 'localhost', `localhost:${PORT + 1}`, `localhost.evil.example:${PORT}`, '']) {
      expect(hostAllowed({ host }, PORT), host).toBe(false);
    }
    expect(hostAllowed({}, PORT)).toBe(false);
  });
});

describe('Origin check', () => {
  it('accepts no Origin (same-origin GETs and non-browser clients) and our own', () => {
    expect(originAllowed({}, PORT)).toBe(true);
    expect(originAllowed({ origin: `http://127.0.0.1:${PORT}` }, PORT)).toBe(true);
    expect(originAllowed({ origin: `http://localhost:${PORT}` }, PORT)).toBe(true);
  });

  it('refuses any other origin, including ours on another port or scheme, and "null"', () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${PORT + 1}`, `https://127.0.0.1:${PORT}`, 'null', '', `http://127.0.0.1:${PORT}/`, `http://127.0.0.1:${PORT}.evil.example`]) {
      expect(originAllowed({ origin }, PORT), origin).toBe(false);
    }
  });
});

describe('token', () => {
  const token = 'Zm9vYmFyYmF6cXV4LXRva2VuLXZhbHVlLTEyMzQ';

  it('is accepted in the x-prodlike-token header', () => {
    expect(tokenAllowed({ 'x-prodlike-token': token }, token)).toBe(true);
  });

  it('is refused when missing, wrong, a prefix, longer, or doubled', () => {
    expect(tokenAllowed({}, token)).toBe(false);
    expect(tokenAllowed({ 'x-prodlike-token': '' }, token)).toBe(false);
    expect(tokenAllowed({ 'x-prodlike-token': token.slice(0, -1) }, token)).toBe(false);
    expect(tokenAllowed({ 'x-prodlike-token': token + 'x' }, token)).toBe(false);
    expect(tokenAllowed({ 'x-prodlike-token': token.slice(0, -1) + 'X' }, token)).toBe(false);
    expect(tokenAllowed({ 'x-prodlike-token': `${token}, ${token}` }, token)).toBe(false);
  });

  it('an empty server token matches nothing', () => {
    expect(tokenAllowed({ 'x-prodlike-token': '' }, '')).toBe(false);
  });

  it('a token in the query is noticed whatever its case or value', () => {
    expect(queryCarriesToken(new URL('http://h/api/events?token=abc'))).toBe(true);
    expect(queryCarriesToken(new URL('http://h/?a=1&TOKEN='))).toBe(true);
    expect(queryCarriesToken(new URL('http://h/?Token'))).toBe(true);
    expect(queryCarriesToken(new URL('http://h/?tokens=1&my_token=2'))).toBe(false);
    expect(queryCarriesToken(new URL('http://h/#token=abc'))).toBe(false);
  });
});

describe('content type of API calls', () => {
  it('is exactly application/json, optionally with charset=utf-8', () => {
    for (const t of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="utf-8"']) {
      expect(isJsonContentType(t), t).toBe(true);
    }
  });

  it('refuses everything else, including look-alikes a form or a simple request could send', () => {
    for (const t of [undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/jsonx', 'application/json-seq', 'application/json+x', 'text/plain; application/json', 'application/json; charset=latin1', 'application/json;', 'xapplication/json']) {
      expect(isJsonContentType(t), String(t)).toBe(false);
    }
  });
});

describe('security headers', () => {
  it('send a CSP without unsafe-inline, with the page nonce only when given', () => {
    const page = securityHeaders('AAAAAAAAAAAAAAAAAAAAAAAA')['Content-Security-Policy']!;
    expect(page).toContain("style-src 'self' 'nonce-AAAAAAAAAAAAAAAAAAAAAAAA'");
    expect(page).not.toContain('unsafe');
    expect(securityHeaders()['Content-Security-Policy']).toContain("style-src 'self';");
    expect(securityHeaders()).toMatchObject({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer' });
  });
});
