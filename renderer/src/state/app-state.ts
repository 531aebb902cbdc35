// The renderer's single run store and live machine states, fed by the API's push stream from the
// moment the page loads.

import { api } from '../lib/api';
import { MachineStates } from './machine-states';
import { RunStore } from './run-store';

export const runStore = new RunStore();
export const machineStates = new MachineStates();
api.subscribe(runStore.onPush);
api.subscribe((p) => {
  if (p.type === 'machine-state') machineStates.apply(p.change);
});
