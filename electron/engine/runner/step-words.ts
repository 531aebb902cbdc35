// What a machine is doing, in a person's words, for the run panel's progress line:
// "installing postgresql-15", "writing /etc/nginx/conf.d/shop.conf", "running make -C /srv/app build".
// Pure: decided from the resources of a step and their changes.

import type { Change } from '../../../shared/report.js';
import type { ResourceKindName } from '../../../shared/profile.js';

export interface StepItem {
  spec: { kind: ResourceKindName; name: string; state?: string };
  changes: Change[];
}

const MAX = 80;

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX ? `${one.slice(0, MAX - 1)}…` : one;
}

function listNames(items: StepItem[]): string {
  const names = items.map((i) => i.spec.name);
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

const removing = (i: StepItem) => i.spec.state === 'absent';

export function stepWords(items: StepItem[]): string {
  const first = items[0];
  if (!first) return 'working';
  const { kind, name } = first.spec;
  const gone = removing(first);
  switch (kind) {
    case 'package': {
      const upgrade = first.changes.some((c) => c.field === 'version');
      return clip(`${gone ? 'removing' : upgrade && items.length === 1 ? 'changing the version of' : 'installing'} ${listNames(items)}`);
    }
    case 'file':
      return clip(gone ? `removing ${name}` : first.changes.every((c) => c.field === 'mode' || c.field === 'owner' || c.field === 'group') ? `setting owner and mode of ${name}` : `writing ${name}`);
    case 'directory':
      return clip(gone ? `removing ${name}` : `creating ${name}`);
    case 'line':
      return clip(`${gone ? 'removing a line from' : 'editing'} ${name}`);
    case 'user':
      return clip(`${gone ? 'removing' : 'setting up'} user ${name}`);
    case 'group':
      return clip(`${gone ? 'removing' : 'setting up'} group ${name}`);
    case 'command':
      return clip(`running ${name}`);
    case 'env':
      return clip(`setting ${name}`);
    case 'service': {
      const state = first.changes.find((x) => x.field === 'state');
      if (state) return clip(`${state.after === 'stopped' ? 'stopping' : 'starting'} ${name}`);
      if (first.changes.some((x) => x.field === 'ready')) return clip(`waiting for ${name} to be ready`);
      const enabled = first.changes.find((x) => x.field === 'enabled');
      return clip(`${enabled?.after === 'false' ? 'disabling' : 'enabling'} ${name} at boot`);
    }
  }
  return clip(`${kind as string} ${name}`);
}
