// Browser mode: the same API as Electron's IPC, over HTTP on 127.0.0.1.
//   POST /api/<channel>   JSON body → ApiEnvelope (400 invalid input, 404 unknown channel)
//   GET  /api/events      Server-Sent Events, one ApiPush per message
//   GET  /*               the built renderer, with the CSP header
// Every /api request needs the token, in the x-prodlike-token header only; any request with a foreign
// Origin or Host, or with a token in its query, is refused (403). A malformed percent escape is 400.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { dispatch } from '../api/dispatch.js';
import type { Handlers } from '../api/handlers.js';
import { httpStatusFor } from '../api/request-errors.js';
import type { PushHub } from '../api/push-hub.js';
import { openEventStream } from './event-stream.js';
import { hostAllowed, isJsonContentType, newToken, originAllowed, queryCarriesToken, SECURITY_HEADERS, tokenAllowed } from './security.js';
import { serveStatic } from './static-files.js';

export interface WebServerOptions {
  handlers: Handlers;
  hub: PushHub;
  /** Folder of the built renderer (dist/renderer). */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  token?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY = 2 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** The request target as a URL on this server; only origin-form targets ("/path?query"). */
function requestUrl(target: string | undefined): URL | null {
  if (!target?.startsWith('/')) return null;
  try {
    return new URL(`http://127.0.0.1${target}`);
  } catch {
    return null;
  }
}

function refuse(res: ServerResponse, status: number, name: string, message: string): void {
  sendJson(res, status, { error: { name, message } });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('Request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? newToken();
  const root = path.resolve(opts.rendererDir);
  let port = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req.url);
    if (!url) return refuse(res, 400, 'BadRequest', 'Malformed request target.');
    if (!hostAllowed(req.headers, port) || !originAllowed(req.headers, port)) {
      return refuse(res, 403, 'Forbidden', 'Requests from another origin are refused.');
    }
    if (queryCarriesToken(url)) {
      return refuse(res, 403, 'Forbidden', 'The token is not accepted in the URL query: open the URL that `npm run web` printed (#token=…).');
    }
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'MethodNotAllowed', 'Only GET here.');
      return serveStatic(root, url.pathname, req, res);
    }
    if (!tokenAllowed(req.headers, token)) {
      return refuse(res, 403, 'Forbidden', 'Missing or wrong token: open the URL that `npm run web` printed.');
    }
    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') return refuse(res, 405, 'MethodNotAllowed', 'Use GET for the event stream.');
      return openEventStream(res, opts.hub);
    }
    if (req.method !== 'POST') return refuse(res, 405, 'MethodNotAllowed', 'Use POST for API calls.');
    // Requiring JSON also forces a CORS preflight on any cross-site attempt.
    if (!isJsonContentType(req.headers['content-type'])) {
      return refuse(res, 415, 'UnsupportedMediaType', 'Send the request as application/json.');
    }
    let channel: string;
    try {
      channel = decodeURIComponent(url.pathname.slice('/api/'.length));
    } catch {
      return refuse(res, 400, 'BadRequest', 'Malformed percent escape in the channel name.');
    }
    let raw: unknown;
    try {
      const text = await readBody(req);
      raw = text.trim() === '' ? undefined : JSON.parse(text);
    } catch (err) {
      return refuse(res, 400, 'InvalidRequestError', `Invalid JSON body: ${(err as Error).message}`);
    }
    const envelope = await dispatch(opts.handlers, channel, raw);
    sendJson(res, 'error' in envelope ? httpStatusFor(envelope.error) : 200, envelope);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) refuse(res, 500, 'InternalError', (err as Error)?.message ?? String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
