// Pushes to a browser tab as Server-Sent Events: each message is a JSON array of ApiPush. No dependency,
// reconnects by itself (EventSource), and the browser shows nothing of it when idle.

import type { ServerResponse } from 'node:http';
import type { PushHub } from '../api/push-hub.js';
import { SECURITY_HEADERS } from './security.js';

export function openEventStream(res: ServerResponse, hub: PushHub): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  res.socket?.setNoDelay(true);
  res.write(': connected\n\n');
  // One message per batch, holding a JSON array. JSON never contains a raw newline, so one data line
  // per message is enough.
  const unsubscribe = hub.subscribeBatched((batch) => {
    if (!res.writableEnded) res.write(`data: ${JSON.stringify(batch)}\n\n`);
  });
  res.on('close', unsubscribe);
}
