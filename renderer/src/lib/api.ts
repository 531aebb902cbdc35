// The renderer's one door to the engine. It does not know which transport is behind it: Electron's
// preload sets window.prodlike; otherwise it is browser mode and the API goes over HTTP.

import type { ProdlikeApi } from '../../../shared/api';
import { withApiErrors } from './api-errors';
import { createWebApi, takeToken } from './web-client';

function pickApi(): ProdlikeApi {
  const injected = (window as { prodlike?: ProdlikeApi }).prodlike;
  if (injected) return withApiErrors(injected);
  const token = takeToken(window.location, window.sessionStorage, () =>
    history.replaceState(null, '', window.location.pathname + window.location.search),
  );
  return createWebApi({ token });
}

export const api: ProdlikeApi = pickApi();
