// Whatever a transport rejects with becomes an ApiError carrying the engine's own message, hint,
// location and details, so the UI can show them (and offer Trust for a host key, etc.).

import { ApiError, type ApiChannel, type ApiRequest, type ApiResult, type ProdlikeApi } from '../../../shared/api';
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

/** Rethrows whatever the preload rejects with (a plain ErrorInfo) as ApiError. */
export function withApiErrors(inner: ProdlikeApi): ProdlikeApi {
  return {
    call: <C extends ApiChannel>(channel: C, request: ApiRequest<C>): Promise<ApiResult<C>> =>
      inner.call(channel, request).catch((e: unknown) => {
        throw toApiError(e);
      }),
    subscribe: (l) => inner.subscribe(l),
  };
}
