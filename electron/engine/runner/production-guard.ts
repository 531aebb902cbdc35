// The production guard: runs that write (up, use, reconcile) refuse any SSH machine whose host:port is
// a production host's address, unless the user says --i-know-this-is-production. A dev profile that
// points at production by mistake (a copied ssh: block, a stale port forward) is the accident this
// prevents; `role: production` profiles are refused by the engine before this.
//
// Where production addresses come from:
// - the baseline given to the run (`reconcile --against`);
// - every capture of a `role: production` profile made on this machine (production-hosts.json in the
//   data folder), so a baseline stored elsewhere still protects its hosts;
// - baselines kept in the profile folders, and in a `baselines/` folder beside each of them.

import path from 'node:path';
import type { MachineSpec, Profile } from '../../../shared/profile.js';
import type { Baseline } from '../baseline-schema.js';
import { findBaselines, readBaseline } from '../baseline.js';
import { RefusedError } from '../errors.js';
import { readJson, writeFileAtomic } from '../state/atomic-file.js';

export interface ProductionAddress {
  /** host:port as in the baseline. */
  address: string;
  /** The baseline host's name. */
  host: string;
  /** Where we know it from: a baseline file. */
  source: string;
}

interface Registry {
  hosts: Record<string, { host: string; baseline: string; profile: string; capturedAt: string }>;
}

const registryFile = (dataDir: string) => path.join(dataDir, 'production-hosts.json');

/** "127.0.0.1:22", "[::1]:22", "Web-1.Example:22" → a comparable key. */
export function addressKey(host: string, port: number | string): string {
  return `${host.replace(/^\[|\]$/g, '').toLowerCase()}:${port}`;
}

function splitAddress(address: string): string {
  const m = /^(.*):(\d+)$/.exec(address);
  return m ? addressKey(m[1]!, m[2]!) : addressKey(address, 22);
}

export function baselineAddresses(b: Baseline, source: string): ProductionAddress[] {
  return Object.entries(b.hosts).map(([host, h]) => ({ address: h.address, host, source }));
}

/** Remembers a production capture's hosts, so that `up` refuses them whatever becomes of the file. */
export async function registerProductionHosts(dataDir: string, b: Baseline, baselineFile: string): Promise<void> {
  const reg = await readJson<Registry>(registryFile(dataDir), { hosts: {} });
  for (const [host, h] of Object.entries(b.hosts)) {
    reg.hosts[splitAddress(h.address)] = { host, baseline: baselineFile, profile: b.profile, capturedAt: b.captured_at };
  }
  await writeFileAtomic(registryFile(dataDir), JSON.stringify(reg, null, 2));
}

/** Production addresses of the baselines kept beside the profiles. */
async function folderBaselines(folders: string[]): Promise<ProductionAddress[]> {
  return (await findBaselines(folders)).flatMap(({ file, baseline }) => baselineAddresses(baseline, file));
}

export async function productionAddresses(opts: { dataDir: string; folders: string[]; baseline?: Baseline; baselineFile?: string }): Promise<Map<string, ProductionAddress>> {
  const known = new Map<string, ProductionAddress>();
  const add = (a: ProductionAddress) => {
    const k = splitAddress(a.address);
    if (!known.has(k)) known.set(k, a);
  };
  if (opts.baseline) baselineAddresses(opts.baseline, opts.baselineFile ?? 'the baseline').forEach(add);
  const reg = await readJson<Registry>(registryFile(opts.dataDir), { hosts: {} });
  for (const [address, r] of Object.entries(reg.hosts ?? {})) add({ address, host: r.host, source: r.baseline });
  (await folderBaselines(opts.folders)).forEach(add);
  return known;
}

/** The machines of `machines` whose SSH address is a production host's. */
export function machinesOnProduction(machines: MachineSpec[], known: Map<string, ProductionAddress>): { machine: MachineSpec; prod: ProductionAddress }[] {
  const out: { machine: MachineSpec; prod: ProductionAddress }[] = [];
  for (const m of machines) {
    if (!m.ssh) continue;
    const prod = known.get(addressKey(m.ssh.host, m.ssh.port));
    if (prod) out.push({ machine: m, prod });
  }
  return out;
}

export interface GuardOptions {
  dataDir: string;
  folders: string[];
  allowProductionHosts: boolean;
  /** The run's baseline (reconcile --against): its hosts are production too. */
  baselineFile?: string;
  /** Told when the guard is overridden, so the run's log says so. */
  warn?: (text: string) => void;
}

/** Throws a RefusedError naming each machine that points at a production host. */
export async function guardProductionHosts(profile: Profile, opts: GuardOptions): Promise<void> {
  if (!profile.machines.some((m) => m.ssh)) return;
  const known = { dataDir: opts.dataDir, folders: opts.folders, ...(opts.baselineFile ? { baseline: await readBaseline(opts.baselineFile), baselineFile: opts.baselineFile } : {}) };
  const hits = machinesOnProduction(profile.machines, await productionAddresses(known));
  if (hits.length === 0) return;
  const list = hits.map((h) => `${h.machine.name} (${h.machine.ssh!.host}:${h.machine.ssh!.port}) is production host ${h.prod.host} in ${h.prod.source}`);
  if (opts.allowProductionHosts) {
    for (const l of list) opts.warn?.(`--i-know-this-is-production: writing to ${l}`);
    return;
  }
  throw new RefusedError(`refusing to write to production: ${list.join('; ')}`, {
    where: profile.file,
    hint: 'point the machine at a non-production host; if you really mean to write to it, add --i-know-this-is-production',
    details: { machines: hits.map((h) => h.machine.name) },
  });
}
