// Reading an unknown-host-key error: which host, and whether trusting it is the right offer.

import type { ErrorInfo } from '../../../shared/report';

/** The host an SSH error is about: details.host/port, or its `where` ("host:port", "[::1]:2222"). */
export function hostOf(info: ErrorInfo): { host: string; port: number } | null {
  const d = info.details ?? {};
  if (typeof d.host === 'string') return { host: d.host, port: typeof d.port === 'number' ? d.port : 22 };
  const m = /^\[?([^\]\s]+?)\]?:(\d+)$/.exec(info.where ?? '');
  return m ? { host: m[1]!, port: Number(m[2]) } : null;
}

/** Trust is offered for a key that is merely unknown; never for one that changed or was revoked. */
export function canTrust(info: ErrorInfo): boolean {
  const d = info.details ?? {};
  return typeof d.fingerprint === 'string' && !('expected' in d) && !/revoked/i.test(info.message) && hostOf(info) !== null;
}
