// The renderer's one door to the engine. It does not know which transport is behind it: Electron's
// preload sets window.prodlike; otherwise it is browser mode and the API goes over HTTP.

import type { ApiChannel, ApiRequest, ApiResult, ProdlikeApi } from '../../../shared/api';
import { toApiError } from './api-errors';
import { createWebApi, takeToken } from './web-client';

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

function pickApi(): ProdlikeApi {
  const injected = (window as { prodlike?: ProdlikeApi }).prodlike;
  if (injected) return withApiErrors(injected);
  const token = takeToken(window.location, window.sessionStorage, () =>
    history.replaceState(null, '', window.location.pathname + window.location.search),
  );
  return createWebApi({ token });
}

export const api: ProdlikeApi = pickApi();
