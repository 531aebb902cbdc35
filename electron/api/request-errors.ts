// Errors of the API layer itself (not the engine's): they decide the HTTP status in browser mode.

import type { ErrorInfo } from '../../shared/report.js';

export class UnknownChannelError extends Error {
  override name = 'UnknownChannelError';
}

export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
}

/** HTTP status for an error envelope: the request's fault is 4xx, everything else is reported as 200 +
 *  {error}, because an engine failure (Docker down, invalid profile) is an answer, not a transport failure. */
export function httpStatusFor(error: ErrorInfo): number {
  if (error.name === 'UnknownChannelError') return 404;
  if (error.name === 'InvalidRequestError') return 400;
  return 200;
}
