// Whatever a transport rejects with becomes an ApiError carrying the engine's own message, hint,
// location and details, so the UI can show them (and offer Trust for a host key, etc.).

import { ApiError } from '../../../shared/api';
import type { ErrorInfo } from '../../../shared/report';

function isErrorInfo(e: unknown): e is ErrorInfo {
  return typeof e === 'object' && e !== null && typeof (e as ErrorInfo).message === 'string' && typeof (e as ErrorInfo).name === 'string';
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isErrorInfo(e)) return new ApiError({ name: e.name, message: e.message, hint: e.hint, where: e.where, details: e.details });
  if (e instanceof Error) return new ApiError({ name: e.name, message: e.message });
  return new ApiError({ name: 'Error', message: String(e) });
}
