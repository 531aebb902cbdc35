// How the built renderer (dist/renderer) is served, the same way by Electron's app:// protocol handler
// and by the browser-mode server: which file a request path names (never one outside the folder), its
// content type, and the Content-Security-Policy header, with a fresh style nonce for each page load.
//
// Why a nonce: xterm.js's DOM renderer writes its measured row sizes and theme into <style> elements it
// creates. Without 'unsafe-inline', only elements carrying this page load's nonce apply; the renderer
// stamps it on the <style> elements its own scripts create (renderer/src/lib/csp-nonce.ts), so styles in
// injected markup (a <style> or a style="" attribute) still do not.

import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** Vite writes this where the nonce goes (html.cspNonce in vite.config.ts); each page load replaces it. */
export const NONCE_PLACEHOLDER = 'PRODLIKE_CSP_NONCE';

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/** The policy for the renderer and everything served with it. Without a nonce (responses other than
 *  the page itself), no <style> element applies at all. */
export function rendererCsp(nonce?: string): string {
  if (nonce !== undefined && !/^[A-Za-z0-9+/]{16,}={0,2}$/.test(nonce)) throw new Error('A CSP nonce must be base64');
  return [
    "default-src 'self'",
    "script-src 'self'",
    nonce ? `style-src 'self' 'nonce-${nonce}'` : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** index.html as served: the placeholder replaced by this load's nonce. */
export function pageWithNonce(html: string, nonce: string): string {
  return html.replaceAll(NONCE_PLACEHOLDER, nonce);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export function contentTypeFor(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type RendererPath = { file: string; index: boolean } | { status: 400 | 404; message: string };

/**
 * The file inside `root` that a URL path (still percent-encoded, as in a request line) names. A
 * malformed escape is 400; a `..` segment, a NUL, a backslash or anything resolving outside `root` is
 * 404, decided here on the text, before the file system is asked.
 */
export function rendererPath(root: string, encodedPathname: string): RendererPath {
  let rel: string;
  try {
    rel = decodeURIComponent(encodedPathname);
  } catch {
    return { status: 400, message: 'Malformed percent escape in the path.' };
  }
  if (rel === '' || rel === '/') rel = '/index.html';
  if (!rel.startsWith('/') || rel.includes('\0') || rel.includes('\\')) return { status: 404, message: 'Not found' };
  if (rel.split('/').some((segment) => segment === '..' || segment === '.')) return { status: 404, message: 'Not found' };
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + rel);
  if (!file.startsWith(base + path.sep)) return { status: 404, message: 'Not found' };
  return { file, index: rel === '/index.html' };
}
