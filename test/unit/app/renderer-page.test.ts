// How both front ends map a URL path to a file of the built renderer, and the policy they send with it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeFor, NONCE_PLACEHOLDER, newNonce, pageWithNonce, rendererCsp, rendererPath } from '../../../electron/api/renderer-page';

const root = path.resolve('/srv/renderer');

describe('renderer file for a URL path', () => {
  it('maps / and /index.html to the page, other paths to files inside the folder', () => {
    expect(rendererPath(root, '/')).toEqual({ file: path.join(root, 'index.html'), index: true });
    expect(rendererPath(root, '/index.html')).toEqual({ file: path.join(root, 'index.html'), index: true });
    expect(rendererPath(root, '/assets/index-abc.js')).toEqual({ file: path.join(root, 'assets/index-abc.js'), index: false });
    expect(rendererPath(root, '/assets/a%20b.css')).toEqual({ file: path.join(root, 'assets/a b.css'), index: false });
  });

  it('answers 400 to a malformed percent escape', () => {
    for (const p of ['/%', '/%zz', '/assets/%E0%A4%A', '/%C0%AF']) expect(rendererPath(root, p)).toMatchObject({ status: 400 });
  });

  it('refuses .. and . segments, encoded or not, backslashes and NUL (404)', () => {
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/%2E%2E/%2E%2E/etc/passwd', '/assets/..', '/assets/%2e%2e%2fx', '/./index.html', '/..%5c..%5cetc', '/assets%5c..%5c..%5cx', '/index.html%00.png', '/..']) {
      expect(rendererPath(root, p), p).toMatchObject({ status: 404 });
    }
  });

  it('treats an empty path as the page, and a doubled slash as a path inside the folder', () => {
    expect(rendererPath(root, '')).toMatchObject({ index: true });
    expect(rendererPath(root, '//etc/passwd')).toEqual({ file: path.join(root, 'etc/passwd'), index: false });
  });

  it('names content types by extension', () => {
    expect(contentTypeFor('a/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('a/x.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('a/x.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('a/x.unknown')).toBe('application/octet-stream');
  });
});

describe('the renderer CSP', () => {
  it('allows scripts and styles only from the renderer itself, and nothing inline', () => {
    const csp = rendererCsp();
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'object-src': "'none'",
      'frame-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(csp).not.toMatch(/unsafe|\*|http:|https:|file:/);
  });

  it("lets <style> elements apply only with this load's nonce", () => {
    const nonce = newNonce();
    expect(rendererCsp(nonce)).toContain(`style-src 'self' 'nonce-${nonce}';`);
    expect(rendererCsp(nonce)).toContain("script-src 'self';");
  });

  it('draws a fresh nonce every time, and accepts only base64 ones', () => {
    const a = newNonce();
    expect(a).not.toBe(newNonce());
    expect(a.length).toBeGreaterThanOrEqual(24);
    expect(() => rendererCsp("x'; script-src *")).toThrow(/base64/);
    expect(() => rendererCsp('short')).toThrow(/base64/);
  });

  it('puts the nonce in every place Vite marked', () => {
    const html = `<meta property="csp-nonce" nonce="${NONCE_PLACEHOLDER}"><script nonce="${NONCE_PLACEHOLDER}"></script>`;
    expect(pageWithNonce(html, 'N0nce')).toBe('<meta property="csp-nonce" nonce="N0nce"><script nonce="N0nce"></script>');
  });
});
