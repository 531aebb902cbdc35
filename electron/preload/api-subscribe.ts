// `subscribe`: pushes from main arrive in batches on one channel; each listener gets them one by one.

import { ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiPush } from '../../shared/api.js';
import { PUSH_CHANNEL } from './ipc-names.js';

export function subscribe(listener: (push: ApiPush) => void): () => void {
  const onBatch = (_e: IpcRendererEvent, pushes: ApiPush[]) => {
    for (const p of pushes) listener(p);
  };
  ipcRenderer.on(PUSH_CHANNEL, onBatch);
  return () => {
    ipcRenderer.removeListener(PUSH_CHANNEL, onBatch);
  };
}
