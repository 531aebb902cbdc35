// Pushes to a browser tab as Server-Sent Events: one `data:` line of JSON per ApiPush. No dependency,
// reconnects by itself (EventSource), and the browser shows nothing of it when idle.

import type { ServerResponse } from 'node:http';
import type { PushHub } from '../host/push-hub.js';
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
  // A fast run emits thousands of log events a second: gather those of one turn of the event loop
  // into one write instead of one syscall each.
  let pending: string[] = [];
  const flush = () => {
    const chunk = pending.join('');
    pending = [];
    if (!res.writableEnded) res.write(chunk);
  };
  const unsubscribe = hub.subscribe((push) => {
    // JSON never contains a raw newline, so one data line per push is enough.
    if (pending.push(`data: ${JSON.stringify(push)}\n\n`) === 1) setImmediate(flush);
  });
  res.on('close', unsubscribe);
}
