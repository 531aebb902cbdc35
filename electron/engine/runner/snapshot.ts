// `prodlike snapshot save|restore|ls|rm <profile> [name]`: the profile's machines, backend by backend.
// Each backend that can snapshot (backend.ts: SnapshotBackend) handles its own machines (containers:
// committed images and copied volumes; VMs: qcow2 snapshots of their overlays); a snapshot is the union
// of their parts under one name. Machines of a backend that cannot (existing SSH hosts) are named and
// left out.

import type { Profile } from '../../../shared/profile.js';
import { ProdlikeError } from '../errors.js';
import { canSnapshot, type SnapshotBackend, type SnapshotInfo } from '../backends/backend.js';
import { checkSnapshotName } from '../backends/snapshot-name.js';
import { byProvider, type ProviderSet } from './backends.js';
import { didNotStart, startServicesScript } from '../resources/service-resource.js';

type Log = (text: string) => void;

/** Merges the parts of one snapshot name that several backends hold. */
export function mergeSnapshots(parts: readonly SnapshotInfo[]): SnapshotInfo[] {
  const byName = new Map<string, SnapshotInfo>();
  for (const p of parts) {
    const s = byName.get(p.name);
    if (!s) {
      byName.set(p.name, { ...p, machines: [...p.machines], volumes: [...p.volumes] });
      continue;
    }
    s.machines.push(...p.machines);
    s.volumes.push(...p.volumes);
    s.sizeBytes += p.sizeBytes;
    if (p.savedAt < s.savedAt) s.savedAt = p.savedAt;
  }
  return [...byName.values()].map((s) => ({ ...s, machines: s.machines.sort(), volumes: s.volumes.sort() })).sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

async function groups(providers: ProviderSet, profile: Profile, log: Log) {
  const out: { backend: SnapshotBackend; machines: Profile['machines'] }[] = [];
  for (const g of await byProvider(providers, profile.machines)) {
    if (canSnapshot(g.provider)) out.push({ backend: g.provider, machines: g.machines });
    else log(`${g.machines.map((m) => m.name).join(', ')}: existing host${g.machines.length > 1 ? 's' : ''} reached over SSH, not in snapshots`);
  }
  return out;
}

export async function snapshotList(providers: ProviderSet, profile: Profile): Promise<SnapshotInfo[]> {
  const parts = await Promise.all((await groups(providers, profile, () => undefined)).map((g) => g.backend.snapshotList(profile, g.machines)));
  return mergeSnapshots(parts.flat());
}

export async function snapshotSave(providers: ProviderSet, profile: Profile, name: string, log: Log): Promise<SnapshotInfo> {
  checkSnapshotName(name);
  const gs = await groups(providers, profile, log);
  if ((await snapshotList(providers, profile)).some((s) => s.name === name)) {
    throw new ProdlikeError(`snapshot ${name} of ${profile.name} exists already`, { hint: `remove it first: \`prodlike snapshot rm ${profile.name} ${name}\`` });
  }
  // Every backend says whether its machines can be saved before any is.
  for (const g of gs) await g.backend.snapshotCheck(profile, g.machines, name);
  const parts: SnapshotInfo[] = [];
  try {
    for (const g of gs) {
      const p = await g.backend.snapshotSave(profile, g.machines, name, log);
      if (p) parts.push(p);
    }
  } catch (err) {
    // A part saved before the failure would be listed, and restored, as the whole snapshot.
    for (const g of gs) await g.backend.snapshotRemove(profile, g.machines, name).catch(() => undefined);
    log(`snapshot ${name} not kept: what it had saved is removed`);
    throw err;
  }
  const [merged] = mergeSnapshots(parts);
  if (!merged) throw new ProdlikeError(`no machine of ${profile.name} exists to snapshot`, { hint: `bring it up first: \`prodlike up ${profile.name}\`` });
  return merged;
}

async function named(providers: ProviderSet, profile: Profile, name: string) {
  checkSnapshotName(name);
  const gs = await groups(providers, profile, () => undefined);
  const found = (await snapshotList(providers, profile)).find((s) => s.name === name);
  if (!found) throw new ProdlikeError(`no snapshot ${name} of ${profile.name}`, { hint: `\`prodlike snapshot ls ${profile.name}\` lists them` });
  return { gs, found };
}

export async function snapshotRestore(providers: ProviderSet, profile: Profile, name: string, log: Log): Promise<SnapshotInfo> {
  const { gs, found } = await named(providers, profile, name);
  // A machine renamed or removed since the save is not put back: said, and a snapshot that holds none
  // of the profile's machines now is refused before anything is changed (it would restore nothing).
  const current = new Set(profile.machines.map((m) => m.name));
  const gone = found.machines.filter((m) => !current.has(m));
  if (gone.length === found.machines.length) {
    throw new ProdlikeError(`snapshot ${name} of ${profile.name} holds ${found.machines.join(', ')}, and the profile has none of these machines now (renamed or removed since the save): nothing was restored`, {
      hint: `the profile's machines are ${profile.machines.map((m) => m.name).join(', ')}; give a machine its old name again to restore it`,
    });
  }
  for (const m of gone) log(`${m}: in the snapshot but not a machine of the profile now (renamed or removed since the save), not restored`);
  // Every backend checks its part before any is put back: a VM refused after the containers were
  // restored would leave the environment half in the snapshot.
  const steps = [];
  for (const g of gs) steps.push(await g.backend.snapshotPrepareRestore(profile, g.machines, name, log, { startServices: { script: startServicesScript, didNotStart } }));
  const parts: SnapshotInfo[] = [];
  for (const step of steps) {
    const p = await step?.();
    if (p) parts.push(p);
  }
  return mergeSnapshots(parts)[0]!;
}

export async function snapshotRemove(providers: ProviderSet, profile: Profile, name: string): Promise<SnapshotInfo> {
  const parts: SnapshotInfo[] = [];
  for (const g of (await named(providers, profile, name)).gs) {
    const p = await g.backend.snapshotRemove(profile, g.machines, name);
    if (p) parts.push(p);
  }
  return mergeSnapshots(parts)[0]!;
}
