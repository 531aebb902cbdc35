// Shared setup for the SSH integration tests: a machine spec for a test sshd, and a pool whose host
// key sources are temporary files (never the developer's own ~/.ssh/known_hosts).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshMachineSpec } from '../../../../shared/profile.js';
import { HostKeyStore } from '../../../../electron/engine/backends/ssh/host-keys.js';
import { SshConnectionPool } from '../../../../electron/engine/backends/ssh/connection.js';
import type { Sshd } from '../../../support/sshd.js';

export function specFor(sshd: Sshd, over: Partial<SshMachineSpec> = {}): SshMachineSpec {
  return {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identity: sshd.identity,
    agent: false,
    become: false,
    connectTimeoutMs: 5_000,
    commandTimeoutMs: 30_000,
    ...over,
  };
}

export interface KeySources {
  dataDir: string;
  store: HostKeyStore;
  knownHosts: string;
  pool(): SshConnectionPool;
}

/** A fresh data dir (trusted-keys store) and an empty known_hosts file. */
export function keySources(): KeySources {
  const dataDir = mkdtempSync(join(tmpdir(), 'prodlike-ssh-data-'));
  const knownHosts = join(dataDir, 'known_hosts');
  writeFileSync(knownHosts, '');
  const store = HostKeyStore.inDataDir(dataDir);
  return {
    dataDir,
    store,
    knownHosts,
    pool: () => new SshConnectionPool({ hostKeys: { store, knownHostsFiles: [knownHosts] }, agentSocket: '' }),
  };
}

/** Trusts the sshd's current host key in `store` (what `prodlike trust` does after fetching it). */
export async function trust(src: KeySources, sshd: Sshd): Promise<void> {
  await src.store.trust(sshd.host, sshd.port, sshd.hostKey.type, Buffer.from(sshd.hostKey.base64, 'base64'));
}
