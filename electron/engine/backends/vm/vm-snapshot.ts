// `prodlike snapshot` for VMs: internal qcow2 snapshots of each VM's overlay, tagged prodlike-<name>.
// A running VM is saved with its memory through QEMU's monitor (savevm; loadvm puts it back in
// seconds, without a boot); a stopped one with qemu-img (its disk only). How, or why not, is decided by
// vmSnapshotWay (vm-plan.ts). The overlay's snapshot table is the record of what exists; beside it,
// snapshots.json keeps the machine each was saved on (cpus, memory), since QEMU's loadvm puts memory
// back only into a machine of the same shape and fails half-way otherwise.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { readJson, writeFileAtomic } from '../../state/atomic-file.js';
import { qemuImgMissing } from './images.js';
import type { VmShape } from './vm-plan.js';
import { qmp } from './qmp.js';
import { VmError } from './vm-error.js';

const run = promisify(execFile);
const PREFIX = 'prodlike-';
/** savevm writes the guest's memory: minutes under TCG on a busy host are possible. */
const MONITOR_TIMEOUT_MS = 900_000;

export interface VmSnapshot {
  /** The snapshot's name (the tag without its prefix). */
  name: string;
  savedAt: string;
  /** Bytes of the guest memory it holds (0: disk only). */
  vmStateBytes: number;
}

const shapesFile = (dir: string) => path.join(dir, 'snapshots.json');

/** The shapes recorded for a VM's snapshots, by name (a snapshot saved before they were recorded has none). */
export async function readShapes(dir: string): Promise<Record<string, VmShape>> {
  return readJson<Record<string, VmShape>>(shapesFile(dir), {}).catch(() => ({}));
}

/** Records (or, with undefined, forgets) the shape of one snapshot. */
export async function recordShape(dir: string, name: string, shape: VmShape | undefined): Promise<void> {
  const all = await readShapes(dir);
  if (shape) all[name] = shape;
  else if (name in all) delete all[name];
  else return;
  await writeFileAtomic(shapesFile(dir), `${JSON.stringify(all, null, 2)}\n`);
}

export const snapshotTag = (name: string) => `${PREFIX}${name}`;

/** The Prodlike snapshots in an overlay's snapshot table (-U: a running qemu holds the file). */
export async function listVmSnapshots(overlay: string): Promise<VmSnapshot[]> {
  let out: string;
  try {
    out = (await run('qemu-img', ['info', '-U', '--output=json', overlay], { maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw qemuImgMissing();
    throw new VmError(`cannot read the snapshots of ${overlay}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, { where: overlay });
  }
  const info = JSON.parse(out) as { snapshots?: { name: string; 'vm-state-size': number; 'date-sec': number }[] };
  return (info.snapshots ?? [])
    .filter((s) => s.name.startsWith(PREFIX))
    .map((s) => ({ name: s.name.slice(PREFIX.length), savedAt: new Date(s['date-sec'] * 1000).toISOString(), vmStateBytes: s['vm-state-size'] }));
}

/** A monitor command of a running VM (savevm, loadvm, delvm): they answer nothing when they succeed. */
export async function monitor(machine: string, qmpSocket: string, command: string): Promise<void> {
  const out = String((await qmp(qmpSocket, 'human-monitor-command', { 'command-line': command }, MONITOR_TIMEOUT_MS)) ?? '').trim();
  if (out) throw new VmError(`${machine}: QEMU's ${command.split(' ')[0]} failed: ${out.replace(/^Error: /, '')}`, { where: machine });
}

/** qemu-img snapshot -c|-a|-d on a stopped VM's overlay (qemu-img refuses while a qemu holds it). */
export async function qemuImgSnapshot(machine: string, overlay: string, op: '-c' | '-a' | '-d', name: string): Promise<void> {
  try {
    await run('qemu-img', ['snapshot', op, snapshotTag(name), overlay]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw qemuImgMissing();
    throw new VmError(`${machine}: qemu-img snapshot failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, { where: machine });
  }
}
