// Pushes to a browser tab as Server-Sent Events: each message is a JSON array of ApiPush. No dependency,
// reconnects by itself (EventSource), and the browser shows nothing of it when idle.

import type { ServerResponse } from 'node:http';
import type { ApiPush } from '../../shared/api.js';
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
  // A fast run emits thousands of log events a second: the pushes of one turn of the event loop go out
  // as one message holding a JSON array, so the browser parses and dispatches one event, not thousands.
  let pending: ApiPush[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    // JSON never contains a raw newline, so one data line per message is enough.
    if (!res.writableEnded) res.write(`data: ${JSON.stringify(batch)}\n\n`);
  };
  const unsubscribe = hub.subscribe((push) => {
    if (pending.push(push) === 1) setImmediate(flush);
  });
  res.on('close', unsubscribe);
}
