// Errors are values a user can act on: what failed, where, and what to do. A stack is for --debug.

import type { ErrorInfo } from '../../shared/report.js';

export class ProdlikeError extends Error {
  override name = 'ProdlikeError';
  readonly hint?: string;
  readonly where?: string;
  readonly details?: Record<string, unknown>;
  constructor(message: string, opts: { hint?: string; where?: string; details?: Record<string, unknown>; cause?: unknown; name?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.name) this.name = opts.name;
    this.hint = opts.hint;
    this.where = opts.where;
    this.details = opts.details;
  }
}

/** A profile that does not load: always names file:line:col. */
export class ProfileError extends ProdlikeError {
  override name = 'ProfileError';
}

/** The Docker engine is not reachable, an image cannot be had, ... */
export class DockerError extends ProdlikeError {
  override name = 'DockerError';
}

/** SSH connection, authentication, host key and sudo failures. */
export class SshError extends ProdlikeError {
  override name = 'SshError';
}

/** A refused operation: writing to production, a locked profile, ... */
export class RefusedError extends ProdlikeError {
  override name = 'RefusedError';
}

export function toErrorInfo(err: unknown, debug = false): ErrorInfo {
  if (err instanceof ProdlikeError) {
    const info: ErrorInfo = { name: err.name, message: err.message };
    if (err.hint) info.hint = err.hint;
    if (err.where) info.where = err.where;
    if (err.details) info.details = { ...err.details };
    if (debug && err.stack) info.details = { ...info.details, stack: err.stack };
    return info;
  }
  if (err instanceof Error) {
    const info: ErrorInfo = { name: err.name || 'Error', message: err.message };
    if (debug && err.stack) info.details = { stack: err.stack };
    return info;
  }
  return { name: 'Error', message: String(err) };
}
