// Serves the built renderer (dist/renderer). Only files inside that folder, only GET/HEAD. The page
// (index.html) is sent with a fresh CSP nonce each time, so it is never cached.

import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentTypeFor, newNonce, pageWithNonce, rendererPath } from '../api/renderer-page.js';
import { SECURITY_HEADERS, securityHeaders } from './security.js';

export async function serveStatic(root: string, encodedPathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = rendererPath(root, encodedPathname);
  const st = 'file' in target ? await stat(target.file).catch(() => null) : null;
  if (!('file' in target) || !st?.isFile()) {
    const status = 'status' in target ? target.status : 404;
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    const notBuilt = 'file' in target && target.index;
    res.end(notBuilt ? 'The renderer is not built: run `npm run build`.\n' : `${'status' in target ? target.message : 'Not found'}\n`);
    return;
  }
  if (target.index) {
    const nonce = newNonce();
    const page = Buffer.from(pageWithNonce(await readFile(target.file, 'utf8'), nonce));
    res.writeHead(200, {
      ...securityHeaders(nonce),
      'Content-Type': contentTypeFor(target.file),
      'Content-Length': String(page.length),
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : page);
    return;
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': contentTypeFor(target.file),
    'Content-Length': String(st.size),
    // Vite's asset names carry a content hash.
    'Cache-Control': encodedPathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(target.file).pipe(res);
}
