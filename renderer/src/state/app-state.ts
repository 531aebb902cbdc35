// The renderer's single run store, fed by the API's push stream from the moment the page loads.

import { api } from '../lib/api';
import { RunStore } from './run-store';

export const runStore = new RunStore();
api.subscribe(runStore.onPush);
