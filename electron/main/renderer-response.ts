// What the app:// protocol handler answers: a file of the built renderer, with the same
// Content-Security-Policy header the browser-mode server sends (a fresh style nonce on each page load).
// Only GET of our own host; nothing outside the renderer folder (host/renderer-page.ts decides the path).
// No Electron import: tested with plain Requests.

import { readFile } from 'node:fs/promises';
import { contentTypeFor, newNonce, pageWithNonce, rendererCsp, rendererPath } from '../api/renderer-page.js';
import { APP_HOST, APP_SCHEME } from './app-url.js';

const COMMON_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };

function refuse(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': rendererCsp() },
  });
}

export async function rendererResponse(root: string, request: Pick<Request, 'url' | 'method'>): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Only GET here.');
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return refuse(400, 'Malformed URL.');
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return refuse(404, 'Not found');
  // The URL parser has already folded plain `..` segments; the encoded ones are decided here.
  const target = rendererPath(root, url.pathname);
  if ('status' in target) return refuse(target.status, target.message);
  let body: Buffer;
  try {
    body = await readFile(target.file);
  } catch {
    return refuse(404, 'Not found');
  }
  const nonce = target.index ? newNonce() : undefined;
  const bytes = nonce ? Buffer.from(pageWithNonce(body.toString('utf8'), nonce)) : body;
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(bytes), {
    status: 200,
    headers: { ...COMMON_HEADERS, 'Content-Type': contentTypeFor(target.file), 'Content-Security-Policy': rendererCsp(nonce) },
  });
}
