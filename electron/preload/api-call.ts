// `call`: invokes an API channel. The envelope's error is thrown as the plain ErrorInfo object (it
// survives the context bridge intact, an Error's extra fields would not); renderer/src/api.ts rethrows
// it as ApiError.

import { ipcRenderer } from 'electron';
import { API_CHANNELS, type ApiChannel, type ApiEnvelope, type ApiRequest, type ApiResult } from '../../shared/api.js';

const known = new Set<string>(API_CHANNELS);

export async function call<C extends ApiChannel>(channel: C, request: ApiRequest<C>): Promise<ApiResult<C>> {
  if (!known.has(channel)) throw { name: 'UnknownChannelError', message: `Unknown API channel: ${String(channel)}` };
  const envelope = (await ipcRenderer.invoke(channel, request)) as ApiEnvelope<ApiResult<C>>;
  if ('error' in envelope) throw envelope.error;
  return envelope.result;
}
