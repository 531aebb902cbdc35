// Exposes window.prodlike (ProdlikeApi) and nothing else.
import { contextBridge } from 'electron';
import type { ProdlikeApi } from '../../shared/api.js';
import { call } from './api-call.js';
import { subscribe } from './api-subscribe.js';

const api: ProdlikeApi = { call, subscribe };
contextBridge.exposeInMainWorld('prodlike', api);
